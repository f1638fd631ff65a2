"""The job table of ``cecert scheduler``: cron expressions (Asia/Shanghai) naming django-tasks tasks.

The scheduler process (APScheduler 3, ADR 0022) only enqueues; the task workers (``cecert db_worker``)
run the jobs, so a job runs where every other task runs, with its result kept and its failure seen on
``/metrics``. ``CECERT_SCHEDULE`` (JSON ``{"job": "cron" | ""}``) changes a job's time or turns it off
("") without a code change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.utils.module_loading import import_string

TIME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # minute hour day month weekday
    task: str  # dotted path of a django-tasks task taking no arguments
    what: str


# name → job, in the order the apps registered them (the order they are installed). Apps register their
# jobs from ``AppConfig.ready`` (``register_job``): core names no task of an app above it.
JOBS: dict[str, Job] = {}


def register_job(name: str, cron: str, task: str, what: str) -> None:
    """Put a job in the table: ``task`` is the dotted path of a django-tasks task taking no arguments."""
    JOBS[name] = Job(name, cron, task, what)


def configured_jobs() -> list[Job]:
    """``JOBS`` with ``CECERT_SCHEDULE``'s changes; an unknown job name or a bad expression fails loudly."""
    overrides: dict[str, str] = json.loads(settings.CECERT_SCHEDULE or "{}")
    known = set(JOBS)
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"CECERT_SCHEDULE names unknown jobs: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    jobs = []
    for job in JOBS.values():
        cron = overrides.get(job.name, job.cron).strip()
        if cron:
            try:
                trigger(cron)  # parse now: a typo stops the scheduler at start, naming the job
            except ValueError as exc:
                raise ValueError(f"job {job.name}: {exc}") from None
            jobs.append(Job(job.name, cron, job.task, job.what))
    return jobs


def trigger(cron: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(cron, timezone=TIME_ZONE)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {cron!r}: {exc}") from None


MISFIRE_GRACE_SECONDS = 3600


def add_jobs(scheduler: BaseScheduler, jobs: list[Job]) -> None:
    """Give ``scheduler`` one APScheduler job per table row: at its time, enqueue its task, once even if
    several runs were missed (``coalesce``), never two at once, made up if less than an hour late."""
    for job in jobs:
        scheduler.add_job(
            enqueue,
            trigger(job.cron),
            args=[job.task],
            id=job.name,
            name=job.what,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )


def enqueue(task_path: str) -> Any:
    """What the scheduler does when a job is due: queue its task (the workers run it)."""
    return import_string(task_path).enqueue()
