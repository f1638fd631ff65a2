"""Periodic jobs on the django-tasks queue: a job re-enqueues itself to run again after its interval.

django-tasks has no scheduler; a job's next run is a task enqueued with ``run_after``. ``schedule``
enqueues a job's next run unless one is already waiting (so starting the chain twice, or every job
rescheduling itself, never multiplies it). Apps name their periodic jobs with ``register_periodic_job`` from
``AppConfig.ready`` (core imports no app above it). With a backend that cannot defer (the immediate backend
of the tests), nothing is rescheduled: the job ran once, as called. ``cecert schedule`` starts the chains
after a deploy; a cron or systemd timer running the same commands is an equivalent alternative.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import default_task_backend


def _waiting(task: Any) -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is installed
        return False
    from django_tasks.base import TaskResultStatus

    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists()


def schedule(task: Any, *, after: dt.timedelta) -> bool:
    """Enqueue ``task``'s next run ``after`` from now; ``False`` when one is waiting or deferral is unsupported."""
    if not default_task_backend.supports_defer or _waiting(task):
        return False
    task.using(run_after=timezone.now() + after).enqueue()
    return True


# name → task, in the order the apps registered them (the order they are installed).
PERIODIC_JOBS: dict[str, Any] = {}


def register_periodic_job(name: str, task: Any) -> None:
    """A job ``cecert schedule`` starts: ``task`` queues its own next run when it has run."""
    PERIODIC_JOBS[name] = task
