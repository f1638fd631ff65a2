from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "cecert.records"
    label = "records"
    verbose_name = "继续教育记录"
