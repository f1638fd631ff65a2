"""``cecert schedule``: start the periodic jobs on the task queue (idempotent; run after each deploy).

- the audit chain's signed checkpoint (``CECERT_AUDIT_CHECKPOINT_SECONDS``, ADR 0017);
- the look for batch issuances whose worker died, which are resumed (``CECERT_BATCH_LEASE_SECONDS``).

Each job reschedules itself (``cecert.core.periodic``); a job already waiting is not queued twice.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand

from cecert.audit.tasks import checkpoint_task
from cecert.certificates.tasks import resume_interrupted_batches_task
from cecert.core.periodic import schedule


class Command(BaseCommand):
    help = "启动定时任务 / start the periodic jobs (audit checkpoint, resume interrupted batches)"

    def handle(self, *args: Any, **options: Any) -> None:
        started = {
            "audit_checkpoint": schedule(checkpoint_task, after=dt.timedelta(0)),
            "resume_interrupted_batches": schedule(resume_interrupted_batches_task, after=dt.timedelta(0)),
        }
        self.stdout.write(json.dumps({"queued": started}))
