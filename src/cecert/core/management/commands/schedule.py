"""``cecert schedule``: start the periodic jobs on the task queue (idempotent; run after each deploy).

The apps register their jobs (``cecert.core.periodic.register_periodic_job``):

- the audit chain's signed checkpoint (``CECERT_AUDIT_CHECKPOINT_SECONDS``, ADR 0017; ``audit``);
- the look for batch issuances whose worker died, which are resumed (``CECERT_BATCH_LEASE_SECONDS``; ``certificates``).

Each job reschedules itself (``cecert.core.periodic``); a job already waiting is not queued twice.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand

from cecert.core.periodic import PERIODIC_JOBS, schedule


class Command(BaseCommand):
    help = "启动定时任务 / start the periodic jobs (audit checkpoint, resume interrupted batches)"

    def handle(self, *args: Any, **options: Any) -> None:
        started = {name: schedule(task, after=dt.timedelta(0)) for name, task in PERIODIC_JOBS.items()}
        self.stdout.write(json.dumps({"queued": started}))
