from django.apps import AppConfig


class CreditingConfig(AppConfig):
    name = "cecert.crediting"
    label = "crediting"
    verbose_name = "学时认定"
