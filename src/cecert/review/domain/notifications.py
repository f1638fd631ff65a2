"""In-app notifications: who needs to know that a record changed or waits for them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils import timezone

from cecert.accounts.models import Membership, Role, User
from cecert.core.bulk import insert_rows
from cecert.organisations.models import Organisation
from cecert.records.enums import RecordSubject
from cecert.records.models import Record
from cecert.review.models import Notification


def notify(users: Iterable[User | int], message: str, *, record: Record | None = None, url: str = "") -> int:
    ids = {u if isinstance(u, int) else u.pk for u in users}
    if record is not None and not url:
        url = reverse("records:detail", args=[record.pk])
    now, text, record_id = timezone.now(), message[:300], record.pk if record is not None else None
    insert_rows(
        Notification,
        ("user_id", "message", "url", "record_id", "created_at"),
        [(uid, text, url, record_id, now) for uid in sorted(ids)],
    )
    return len(ids)


def employer_admins(employer_id: int) -> list[int]:
    return list(
        Membership.objects.filter(role=Role.EMPLOYER_ADMIN, active=True, organisation_id=employer_id).values_list(
            "user_id", flat=True
        )
    )


def certifiers(record: Record) -> list[int]:
    """Officers who may certify ``record``: HR of the jurisdiction (public) or the authority in charge."""
    employer: Organisation = record.person.employer
    path = Value(employer.jurisdiction_path)
    inside = Q(emp_path__startswith=F("organisation__region__path"))
    if record.subject == RecordSubject.PROFESSIONAL:
        members = (
            Membership.objects.filter(role=Role.INDUSTRY_OFFICER, active=True)
            .alias(emp_path=path)
            .filter(
                Q(organisation_id=employer.authority_id) | (Q(organisation__industry_id=employer.industry_id) & inside)
            )
        )
    else:
        members = Membership.objects.filter(role=Role.HR_OFFICER, active=True).alias(emp_path=path).filter(inside)
    return list(members.values_list("user_id", flat=True).distinct())


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
