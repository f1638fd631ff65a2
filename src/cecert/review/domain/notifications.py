"""Who needs to know that a record changed or waits for them (sent through ``cecert.notifications``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q, Value
from django.urls import reverse

from cecert.accounts.models import Membership, Role, User
from cecert.notifications.domain.sending import notify as send
from cecert.organisations.models import Organisation
from cecert.records.enums import RecordSubject
from cecert.records.models import Record


def notify(users: Iterable[User | int], message: str, *, record: Record | None = None, url: str = "") -> int:
    """A reviewer's to-do or a workflow notice, in-app only (the ``task`` event of ``cecert.notifications``)."""
    if record is not None and not url:
        url = reverse("records:detail", args=[record.pk])
    return send(users, "task", {"message": message}, record_id=record.pk if record is not None else None, url=url)


def employer_admins(employer_id: int) -> list[int]:
    return list(
        Membership.objects.filter(role=Role.EMPLOYER_ADMIN, active=True, organisation_id=employer_id).values_list(
            "user_id", flat=True
        )
    )


def certifiers(record: Record) -> list[int]:
    """Officers who may certify what is left of ``record``: HR of the jurisdiction (public, 11(2)), the
    industry authority in charge or an industry organisation it authorises (professional, 11(3))."""
    from cecert.review.rules import professional_certifier_covers

    employer: Organisation = record.person.employer
    path = Value(employer.jurisdiction_path)
    inside = Q(emp_path__startswith=F("organisation__region__path"))
    users: set[int] = set()
    public = record.subject == RecordSubject.PUBLIC or (
        record.subject == RecordSubject.BOTH and record.public_certified_at is None
    )
    professional = record.subject == RecordSubject.PROFESSIONAL or (
        record.subject == RecordSubject.BOTH and record.professional_certified_at is None
    )
    if public:
        members = Membership.objects.filter(role=Role.HR_OFFICER, active=True).alias(emp_path=path).filter(inside)
        users.update(members.values_list("user_id", flat=True))
    if professional:
        candidates = Membership.objects.filter(
            role=Role.INDUSTRY_OFFICER, active=True, organisation__isnull=False
        ).select_related("organisation__region", "organisation__authority__region")
        users.update(
            m.user_id
            for m in candidates
            if m.organisation is not None and professional_certifier_covers(m.organisation, employer)
        )
    return sorted(users)
