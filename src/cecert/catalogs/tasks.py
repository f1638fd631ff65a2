"""Background tasks: imports run (dry run, then commit) outside the request; progress is kept on the run."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from cecert.catalogs.models import ImportRun


@task()
def import_task(run_id: int, action: str, user_id: int) -> dict[str, Any]:
    """``action`` is ``"check"`` (the dry run) or ``"commit"``; a commit resumes where an interrupted one stopped."""
    from cecert.accounts.models import User
    from cecert.catalogs.domain.imports import check_import, commit_import, import_report

    run = ImportRun.objects.get(pk=run_id)
    user = User.objects.get(pk=user_id)
    run = check_import(run) if action == "check" else commit_import(run, by=user)
    report = import_report(run, limit=100)
    report.pop("errors")
    return report


def enqueue_import(run: ImportRun, action: str, user_id: int) -> ImportRun:
    result = import_task.enqueue(run.pk, action, user_id)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    run.refresh_from_db()
    return run


@task()
def resume_interrupted_imports_task() -> dict[str, list[int]]:
    """Once the ``imports`` store answers again, queue every import an outage stopped: a dry run that
    failed on it checks again, an interrupted commit resumes after its last finished chunk in the name of
    whoever started it (enqueued by ``cecert scheduler``). Each run is claimed by a conditional update,
    so two overlapping runs of the job queue it once."""
    from cecert.catalogs.domain.imports.reading import STORE_DOWN_CHECK
    from cecert.catalogs.enums import ImportState
    from cecert.core.files import IMPORTS, probe

    try:
        probe(IMPORTS)
    except Exception:  # still away (the probe raises whatever the store raised): next time
        return {"checked": [], "resumed": []}
    checked: list[int] = []
    for run in ImportRun.objects.filter(state=ImportState.FAILED, message=STORE_DOWN_CHECK).order_by("pk"):
        if ImportRun.objects.filter(pk=run.pk, state=ImportState.FAILED, message=STORE_DOWN_CHECK).update(
            state=ImportState.UPLOADED, message=""
        ):
            enqueue_import(run, "check", run.created_by_id)
            checked.append(run.pk)
    resumed: list[int] = []
    interrupted = ImportRun.objects.filter(state=ImportState.INTERRUPTED, committed_by__isnull=False).order_by("pk")
    for run in interrupted:
        if ImportRun.objects.filter(pk=run.pk, state=ImportState.INTERRUPTED).update(
            state=ImportState.COMMITTING, message=""
        ):
            assert run.committed_by_id is not None
            enqueue_import(run, "commit", run.committed_by_id)
            resumed.append(run.pk)
    return {"checked": checked, "resumed": resumed}


@task()
def prune_api_records_task() -> dict[str, int]:
    """Integration-API nonces past the replay window and idempotency records past
    ``CECERT_IDEMPOTENCY_KEEP_DAYS``."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from cecert.catalogs.domain.apiauth import WINDOW
    from cecert.catalogs.models import ApiNonce, IdempotentRequest

    now = timezone.now()
    nonces, _ = ApiNonce.objects.filter(seen_at__lt=now - 2 * WINDOW).delete()
    keep = dt.timedelta(days=settings.CECERT_IDEMPOTENCY_KEEP_DAYS)
    idempotency, _ = IdempotentRequest.objects.filter(created_at__lt=now - keep).delete()
    return {"nonces": nonces, "idempotency": idempotency}
