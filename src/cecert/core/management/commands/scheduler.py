"""``cecert scheduler``: the one process that enqueues the scheduled jobs (APScheduler 3; ADR 0022).

* ``cecert scheduler`` runs until stopped (systemd: ``deploy/systemd/cecert-scheduler.service``);
* ``cecert scheduler --list`` prints every job with its cron expression and next run;
* ``cecert scheduler --run NAME`` enqueues one job now (after an outage, or to try it).

Run exactly one: two would enqueue each job twice (the jobs are idempotent, but the work is doubled).
A run missed while the process was down is made up once if less than an hour late (``misfire_grace_time``).
"""

from __future__ import annotations

import json
import logging
import signal
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cecert.core.scheduler import TIME_ZONE, add_jobs, configured_jobs, enqueue, trigger

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "定时任务调度 / enqueue the scheduled jobs (reminders, checks, pruning, recovery)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="列出定时任务 / list the jobs and their next runs")
        parser.add_argument("--run", metavar="NAME", help="立即排队一个任务 / enqueue one job now")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = configured_jobs()
        except ValueError as exc:
            raise CommandError(f"定时任务配置有误 / {exc}") from None
        if options["list"]:
            now = timezone.now()
            listing = [
                {
                    "job": job.name,
                    "cron": job.cron,
                    "task": job.task,
                    "next": trigger(job.cron).get_next_fire_time(None, now).isoformat(),
                }
                for job in jobs
            ]
            self.stdout.write(json.dumps(listing, ensure_ascii=False, indent=1))
            return
        if options["run"]:
            chosen = [job for job in jobs if job.name == options["run"]]
            if not chosen:
                raise CommandError(f"没有该定时任务 / no such job: {options['run']}")
            result = enqueue(chosen[0].task)
            self.stdout.write(json.dumps({"job": chosen[0].name, "task_id": str(result.id)}))
            return
        scheduler = BlockingScheduler(timezone=TIME_ZONE)
        add_jobs(scheduler, jobs)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        logger.warning("scheduler started with %d jobs", len(jobs))
        scheduler.start()
