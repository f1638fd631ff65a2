"""Periodic jobs: ``cecert schedule`` queues each job's next run once, deferred, on the database queue."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from cecert.audit.tasks import checkpoint_task
from cecert.core.periodic import schedule


@pytest.fixture
def database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _queued() -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    return {r.task_path: r.run_after for r in DBTaskResult.objects.filter(status="READY")}


@pytest.mark.django_db
@pytest.mark.usefixtures("database_queue")
def test_schedule_queues_each_periodic_job_once() -> None:
    out = StringIO()
    call_command("schedule", stdout=out)
    assert json.loads(out.getvalue()) == {"queued": {"audit_checkpoint": True, "resume_interrupted_batches": True}}
    queued = _queued()
    assert set(queued) == {
        "cecert.audit.tasks.checkpoint_task",
        "cecert.certificates.tasks.resume_interrupted_batches_task",
    }
    out = StringIO()
    call_command("schedule", stdout=out)  # again, e.g. after the next deploy: nothing doubles
    assert json.loads(out.getvalue()) == {"queued": {"audit_checkpoint": False, "resume_interrupted_batches": False}}
    assert len(_queued()) == 2


@pytest.mark.django_db
def test_a_backend_that_cannot_defer_schedules_nothing() -> None:
    assert schedule(checkpoint_task, after=dt.timedelta(hours=1)) is False


@pytest.mark.django_db
@pytest.mark.usefixtures("database_queue")
def test_a_periodic_job_queues_its_next_run_after_its_interval(settings: Any) -> None:
    before = timezone.now()
    assert checkpoint_task.call() == {"checkpoint": 1}
    [(path, run_after)] = _queued().items()
    assert path == "cecert.audit.tasks.checkpoint_task"
    assert run_after >= before + dt.timedelta(seconds=settings.CECERT_AUDIT_CHECKPOINT_SECONDS)
