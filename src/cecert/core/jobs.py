"""Scheduled housekeeping, as django-tasks tasks the scheduler enqueues (``cecert.core.scheduler``)."""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.utils import timezone
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


@task()
def prune_task() -> dict[str, int]:
    """Delete what has outlived its use: expired sessions, API nonces past the replay window, idempotency
    records past ``CECERT_IDEMPOTENCY_KEEP_DAYS``, spent or expired one-time codes after a day, and
    finished task results (django-tasks-db's own pruning)."""
    from django.core.management import call_command

    from cecert.accounts.models import PasswordResetCode
    from cecert.catalogs.domain.apiauth import WINDOW
    from cecert.catalogs.models import ApiNonce, IdempotentRequest

    now = timezone.now()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    nonces, _ = ApiNonce.objects.filter(seen_at__lt=now - 2 * WINDOW).delete()
    keep = dt.timedelta(days=settings.CECERT_IDEMPOTENCY_KEEP_DAYS)
    idempotency, _ = IdempotentRequest.objects.filter(created_at__lt=now - keep).delete()
    codes, _ = PasswordResetCode.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        call_command("prune_db_task_results", verbosity=0)
    return {"nonces": nonces, "idempotency": idempotency, "codes": codes}
