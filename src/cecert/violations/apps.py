from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "cecert.violations"
    label = "violations"
    verbose_name = "违反证书管理行为"
