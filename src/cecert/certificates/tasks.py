"""Background tasks: batch issuance of a year's certificates for one issuing department."""

from __future__ import annotations

from django_tasks import task

from cecert.certificates.models import BatchStatus, CertificateBatch


@task()
def issue_batch_task(batch_id: int) -> dict[str, int]:
    """Run (or resume) a batch; idempotent per person-year, so rerunning creates no duplicates."""
    from cecert.certificates.domain.issuance import issue_annual_batch

    batch = CertificateBatch.objects.select_related("department", "department__region").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return {"issued": batch.issued, "unchanged": batch.unchanged, "skipped": batch.skipped}
    batch = issue_annual_batch(batch)
    return {"issued": batch.issued, "unchanged": batch.unchanged, "skipped": batch.skipped}


def enqueue_batch(batch: CertificateBatch) -> CertificateBatch:
    result = issue_batch_task.enqueue(batch.pk)
    CertificateBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id))
    batch.refresh_from_db()
    return batch
