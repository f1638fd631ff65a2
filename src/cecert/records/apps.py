from typing import Any

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "cecert.records"
    label = "records"
    verbose_name = "继续教育记录"

    def ready(self) -> None:
        from cecert.accounts.signals import person_transferred
        from cecert.records.domain.years import refresh_moved_person

        def recompute_requirements(sender: Any, person: Any, **kwargs: Any) -> None:
            refresh_moved_person(person)

        person_transferred.connect(recompute_requirements, weak=False, dispatch_uid="records.person_transferred")
