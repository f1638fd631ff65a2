"""Scheduled housekeeping of the ground floor, as django-tasks tasks the scheduler enqueues
(``cecert.core.scheduler``); each app prunes its own records with a job of its own."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django_tasks import task


@task()
def prune_task() -> dict[str, int]:
    """Expired sessions and finished task results (django-tasks-db's own pruning)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        call_command("prune_db_task_results", verbosity=0)
    return {}


@task()
def ensure_partitions_task() -> dict[str, list[int]]:
    """Partitions for this year and the next two on every partitioned table (PostgreSQL; ADR 0027),
    so the default partition never has to catch a current year."""
    from cecert.core.partitioning import ensure_ahead

    return ensure_ahead()
