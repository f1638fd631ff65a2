from django.apps import AppConfig


class MoveinConfig(AppConfig):
    name = "cecert.movein"
    label = "movein"
    verbose_name = "迁入"

    def ready(self) -> None:
        from cecert.movein.domain import kinds

        kinds.register()
