"""Tasks of the notifications: delivering, the scheduled sweep of due deliveries, the year-end reminders
and the review-deadline notices (enqueued by the scheduler, ``cecert scheduler``)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_task(delivery_ids: list[int]) -> dict[str, int]:
    from cecert.notifications.domain.delivery import deliver

    return deliver(delivery_ids)


@task()
def send_due_deliveries_task() -> dict[str, int]:
    """Deliveries that waited (quiet hours, a retry pause), in tasks of ``DELIVERY_TASK_SIZE``."""
    from cecert.notifications.domain.delivery import due_deliveries
    from cecert.notifications.domain.sending import DELIVERY_TASK_SIZE

    due = due_deliveries()
    for start in range(0, len(due), DELIVERY_TASK_SIZE):
        deliver_task.enqueue(due[start : start + DELIVERY_TASK_SIZE])
    return {"queued": len(due)}


@task()
def shortfall_reminders_task(year: int | None = None, campaign: str = "") -> dict[str, int]:
    from cecert.notifications.domain.reminders import start_shortfall_campaign

    return start_shortfall_campaign(year, campaign)


@task()
def shortfall_chunk_task(year: int, campaign: str, first_person: int, last_person: int) -> int:
    from cecert.notifications.domain.reminders import remind_chunk

    return remind_chunk(year, campaign, first_person, last_person)


@task()
def review_deadline_task() -> dict[str, int]:
    from cecert.notifications.domain.deadlines import notify_review_deadlines

    return notify_review_deadlines()
