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


JOBS: tuple[Job, ...] = (
    Job("audit_checkpoint", "0 * * * *", "cecert.audit.tasks.checkpoint_task", "审计链签名检查点（ADR 0017）"),
    Job(
        "resume_interrupted_batches",
        "*/15 * * * *",
        "cecert.certificates.tasks.resume_interrupted_batches_task",
        "恢复中断的批量发证",
    ),
    Job("certified_sums_check", "30 2 * * *", "cecert.core.jobs.check_certified_sums_task", "核对已认定学时汇总"),
    Job("prune", "15 3 * * *", "cecert.core.jobs.prune_task", "清理过期会话、随机数、幂等记录和验证码"),
    Job(
        "send_due_deliveries",
        "*/5 * * * *",
        "cecert.notifications.tasks.send_due_deliveries_task",
        "发送到时的短信和邮件",
    ),
    Job("review_deadlines", "0 9 * * *", "cecert.notifications.tasks.review_deadline_task", "审核期限提醒"),
    Job(
        "shortfall_reminders",
        "0 10 1 11,12 *",
        "cecert.notifications.tasks.shortfall_reminders_task",
        "年度学时不足提醒（11月1日、12月1日）",
    ),
)


def configured_jobs() -> list[Job]:
    """``JOBS`` with ``CECERT_SCHEDULE``'s changes; an unknown job name or a bad expression fails loudly."""
    overrides: dict[str, str] = json.loads(settings.CECERT_SCHEDULE or "{}")
    known = {job.name for job in JOBS}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"CECERT_SCHEDULE names unknown jobs: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    jobs = []
    for job in JOBS:
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
