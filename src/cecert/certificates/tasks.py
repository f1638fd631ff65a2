"""Background tasks: batch issuance of a year's certificates for one issuing department, and the
periodic look for batches whose worker died (resumed, idempotently)."""

from __future__ import annotations

from django_tasks import task

from cecert.certificates.models import BatchStatus, CertificateBatch


@task()
def issue_batch_task(batch_id: int, resume: bool = False) -> dict[str, int]:
    """Run (or resume) a batch; idempotent per person-year, so rerunning creates no duplicates."""
    from cecert.certificates.domain.issuance import issue_annual_batch

    batch = CertificateBatch.objects.select_related("department", "department__region").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return {"issued": batch.issued, "unchanged": batch.unchanged, "skipped": batch.skipped}
    batch = issue_annual_batch(batch, resume=resume)
    return {"issued": batch.issued, "unchanged": batch.unchanged, "skipped": batch.skipped}


def enqueue_batch(batch: CertificateBatch, *, resume: bool = False) -> CertificateBatch:
    result = issue_batch_task.enqueue(batch.pk, resume)
    CertificateBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id))
    batch.refresh_from_db()
    return batch


@task()
def resume_interrupted_batches_task() -> dict[str, list[int]]:
    """Claim every batch whose lease expired and queue it again (enqueued by ``cecert scheduler``)."""
    from cecert.certificates.domain.issuance import claim_interrupted_batch, interrupted_batches

    resumed: list[int] = []
    for batch in interrupted_batches():
        if claim_interrupted_batch(batch):
            enqueue_batch(batch, resume=True)
            resumed.append(batch.pk)
    return {"resumed": resumed}
