from __future__ import annotations

from django.apps import AppConfig


def activity_title(code: str) -> str | None:
    """An activity type's name on pages: the title of its crediting schema."""
    from cecert.crediting.forms import activity_type_choices

    return dict(activity_type_choices()).get(code)


class CreditingConfig(AppConfig):
    name = "cecert.crediting"
    label = "crediting"
    verbose_name = "学时认定"

    def ready(self) -> None:
        from cecert.core.labels import register_label_lookup

        register_label_lookup("activity", activity_title)
