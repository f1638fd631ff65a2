from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def proof_name(code: str, activity_type: str = "") -> str | None:
    """A proof kind's name on the upload form of ``activity_type`` (one kind may be named differently by each type)."""
    from cecert.records.proofs import PROOF_KIND_LABELS, PROOF_REQUIREMENTS

    for requirement in PROOF_REQUIREMENTS.get(activity_type, ()):
        if requirement.kind == code:
            return requirement.label
    return PROOF_KIND_LABELS.get(code)


def channel_name(code: str) -> str | None:
    from cecert.records.enums import Channel

    name = dict(Channel.choices).get(code)
    return str(name) if name is not None else None


class RecordsConfig(AppConfig):
    name = "cecert.records"
    label = "records"
    verbose_name = "继续教育记录"

    def ready(self) -> None:
        from cecert.accounts.signals import person_transferred
        from cecert.core.labels import register_label_lookup
        from cecert.core.partitioning import register_partitioned_table
        from cecert.core.scheduler import register_job
        from cecert.records.domain.archive import PARTITIONED
        from cecert.records.domain.years import refresh_moved_person

        def recompute_requirements(sender: Any, person: Any, **kwargs: Any) -> None:
            refresh_moved_person(person)

        person_transferred.connect(recompute_requirements, weak=False, dispatch_uid="records.person_transferred")
        register_partitioned_table(PARTITIONED)
        register_label_lookup("proof", proof_name)
        register_label_lookup("channel", channel_name)
        register_job(
            "certified_sums_check", "30 2 * * *", "cecert.records.tasks.check_certified_sums_task", "核对已认定学时汇总"
        )
