"""Scheduled work of records: the nightly consistency check of the certified sums."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def check_certified_sums_task() -> dict[str, Any]:
    """The nightly consistency check of the trigger-maintained certified sums (ADR 0011), logged as an error
    when any person-year differs; the repair is an operator's decision (``cecert years sums --rebuild``)."""
    from cecert.records.domain.sums import certified_sum_mismatches

    mismatches = certified_sum_mismatches()
    if mismatches:
        logger.error(
            "certified sums differ from the records for %d+ person-years: %s", len(mismatches), mismatches[:20]
        )
    return {"consistent": not mismatches, "mismatches": [list(m) for m in mismatches[:20]]}
