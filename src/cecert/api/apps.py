from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cecert.api"
    label = "api"
    verbose_name = "接口"
