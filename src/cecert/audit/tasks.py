"""The periodic checkpoint of the audit chain's head (ADR 0017)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django_tasks import task


@task()
def checkpoint_task() -> dict[str, Any]:
    """Sign the chain head into the anchor directory, then schedule the next run."""
    from cecert.audit.anchoring import make_checkpoint
    from cecert.core.periodic import schedule

    try:
        made = make_checkpoint()
    finally:
        schedule(checkpoint_task, after=dt.timedelta(seconds=settings.CECERT_AUDIT_CHECKPOINT_SECONDS))
    return {"checkpoint": made.number if made is not None else None}
