from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "cecert.review"
    label = "review"
    verbose_name = "审核认定"
