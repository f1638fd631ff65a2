from django.apps import AppConfig


class CatalogsConfig(AppConfig):
    name = "cecert.catalogs"
    label = "catalogs"
    verbose_name = "目录、继续教育基地与批量导入"
