"""The scheduler's job table: cron expressions as data, each naming a task; the process only enqueues."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils.module_loading import import_string

from cecert.core.scheduler import JOBS, TIME_ZONE, configured_jobs, trigger

EXPECTED = {
    "audit_checkpoint",
    "resume_interrupted_batches",
    "resume_interrupted_imports",
    "certified_sums_check",
    "prune",
    "prune_codes",
    "ensure_partitions",
    "prune_api_records",
    "send_due_deliveries",
    "review_deadlines",
    "shortfall_reminders",
}


def test_every_job_names_a_task_and_a_valid_expression() -> None:
    assert set(JOBS) == EXPECTED
    for job in JOBS.values():
        assert hasattr(import_string(job.task), "enqueue"), job.task
        trigger(job.cron)


def test_reminders_go_out_on_the_first_of_november_and_december_at_ten_shanghai_time() -> None:
    reminders = JOBS["shortfall_reminders"]
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    first = trigger(reminders.cron).get_next_fire_time(None, start)
    second = trigger(reminders.cron).get_next_fire_time(first, first + dt.timedelta(seconds=1))
    assert (first.isoformat(), second.isoformat()) == ("2026-11-01T10:00:00+08:00", "2026-12-01T10:00:00+08:00")
    assert str(first.tzinfo) == TIME_ZONE


def test_the_setting_moves_or_turns_off_a_job(settings: Any) -> None:
    settings.CECERT_SCHEDULE = json.dumps({"prune": "0 4 * * 0", "review_deadlines": ""})
    jobs = {job.name: job.cron for job in configured_jobs()}
    assert jobs["prune"] == "0 4 * * 0" and "review_deadlines" not in jobs


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"prune": "61 * * * *"}, re.escape("job prune: bad cron expression '61 * * * *'")),
        ({"review_deadlines": "every night"}, "job review_deadlines: bad cron expression"),
        ({"pruning": "0 3 * * *"}, "unknown jobs: pruning"),
    ],
)
def test_a_bad_table_stops_the_scheduler_naming_what_is_wrong(settings: Any, schedule: Any, message: str) -> None:
    settings.CECERT_SCHEDULE = json.dumps(schedule)
    with pytest.raises(CommandError, match=message):
        call_command("scheduler", "--list")


def test_list_prints_the_next_runs() -> None:
    out = io.StringIO()
    call_command("scheduler", "--list", stdout=out)
    listing = json.loads(out.getvalue())
    assert {row["job"] for row in listing} == EXPECTED
    assert all(row["next"].endswith("+08:00") for row in listing)


@pytest.mark.django_db
def test_run_enqueues_the_jobs_task_and_does_not_run_it(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("scheduler", "--run", "certified_sums_check", stdout=out)
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "cecert.records.tasks.check_certified_sums_task" and queued.status == "READY"
    assert json.loads(out.getvalue())["task_id"] == str(queued.id)
    with pytest.raises(CommandError, match="no such job"):
        call_command("scheduler", "--run", "nothing")


@pytest.mark.django_db(transaction=True)  # the scheduler's thread has its own database connection
def test_the_scheduler_enqueues_a_due_job_on_time(settings: Any) -> None:
    """APScheduler itself, on a clock we move: a job due now is enqueued (and not run) by the scheduler."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from django_tasks_db.models import DBTaskResult

    from cecert.core.scheduler import add_jobs, configured_jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    scheduler = BackgroundScheduler(timezone=TIME_ZONE)
    add_jobs(scheduler, [job for job in configured_jobs() if job.name == "prune"])
    scheduler.start(paused=True)
    try:
        [job] = scheduler.get_jobs()
        assert job.next_run_time.hour == 3 and job.next_run_time.minute == 15
        job.modify(next_run_time=dt.datetime.now(dt.UTC))  # it is 03:15 now
        scheduler.resume()
        for _ in range(100):  # at most 5 s; usually the first look
            if DBTaskResult.objects.exists():
                break
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [("cecert.core.jobs.prune_task", "READY")]
