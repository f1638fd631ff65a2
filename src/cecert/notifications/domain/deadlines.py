"""Review deadlines (``CECERT_REVIEW_DEADLINE_DAYS`` from the record's last move, ``review.domain.queues``):
each reviewer is told once a day how many records waiting for them are near the deadline (within
``NEAR_DAYS``) and how many have passed it.

Who reviews depends only on the employer and which subject is left to certify, so the waiting records
are counted per such group in SQL, and the reviewers of each group are found once from one record.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q
from django.urls import reverse
from django.utils import timezone

from cecert.notifications.domain.sending import Item, notify_each
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.review.domain.notifications import certifiers, employer_admins
from cecert.review.domain.queues import review_deadline_days

NEAR_DAYS = 3


def _flag(condition: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(condition, output_field=BooleanField())


def notify_review_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    days = review_deadline_days()
    passed_before = now - dt.timedelta(days=days)
    near_before = now - dt.timedelta(days=max(days - NEAR_DAYS, 0))
    passed: Counter[int] = Counter()
    near: Counter[int] = Counter()
    waiting = Record.objects.filter(
        state__in=[RecordState.SUBMITTED, RecordState.EMPLOYER_APPROVED], state_changed_at__lte=near_before
    )
    groups = (
        waiting.values(
            "state",
            "person__employer_id",
            "subject",
            public_done=_flag(Q(public_certified_at__isnull=False)),
            professional_done=_flag(Q(professional_certified_at__isnull=False)),
        )
        .annotate(
            late=Count("pk", filter=Q(state_changed_at__lte=passed_before)),
            soon=Count("pk", filter=Q(state_changed_at__gt=passed_before)),
            sample=Min("pk"),
        )
        .order_by()
    )
    for group in groups:
        if group["state"] == RecordState.SUBMITTED:
            reviewers = employer_admins(group["person__employer_id"])
        else:
            reviewers = certifiers(Record.objects.select_related("person__employer").get(pk=group["sample"]))
        for uid in reviewers:
            passed[uid] += group["late"]
            near[uid] += group["soon"]
    day = timezone.localdate(now).isoformat()
    url = reverse("review:queue")
    context = {"days": days, "near_days": NEAR_DAYS}
    late_items: list[Item] = [
        (uid, {**context, "count": n}, f"deadline:{day}:passed:{uid}") for uid, n in sorted(passed.items()) if n
    ]
    soon_items: list[Item] = [
        (uid, {**context, "count": n}, f"deadline:{day}:near:{uid}") for uid, n in sorted(near.items()) if n
    ]
    return {
        "passed": notify_each("review.deadline_passed", late_items, url=url),
        "near": notify_each("review.deadline_near", soon_items, url=url),
    }
