"""Reviewer queues: what waits for a user, filtered, with age and overdue flags, as one queryset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cecert.accounts.models import Role, User
from cecert.records.enums import RecordState, RecordSubject
from cecert.records.models import Record
from cecert.review.rules import professional_employers_q

NOTHING = Q(pk__in=[])


def review_deadline_days() -> int:
    return int(getattr(settings, "CECERT_REVIEW_DEADLINE_DAYS", 15))


def actionable(user: User) -> Q:
    """Records waiting for ``user``'s decision (first review or certification), as a filter."""
    q = NOTHING
    for membership in user.active_memberships:
        org = membership.organisation
        if org is None:
            continue
        if membership.role == Role.EMPLOYER_ADMIN:
            q |= Q(state=RecordState.SUBMITTED, person__employer_id=org.pk)
        elif membership.role == Role.HR_OFFICER:
            q |= Q(
                state=RecordState.EMPLOYER_APPROVED,
                person__employer__jurisdiction_path__startswith=org.region.path,
            ) & (Q(subject=RecordSubject.PUBLIC) | Q(subject=RecordSubject.BOTH, public_certified_at__isnull=True))
        elif membership.role == Role.INDUSTRY_OFFICER:
            q |= (
                Q(state=RecordState.EMPLOYER_APPROVED)
                & (
                    Q(subject=RecordSubject.PROFESSIONAL)
                    | Q(subject=RecordSubject.BOTH, professional_certified_at__isnull=True)
                )
                & professional_employers_q(org)
            )
    return q


@dataclass(frozen=True)
class QueueFilters:
    year: int | None = None
    activity_type: str = ""
    subject: str = ""
    employer_id: int | None = None
    min_age_days: int | None = None


def review_queue(user: User, filters: QueueFilters | None = None) -> QuerySet[Record]:
    """Records waiting for ``user``, inside their jurisdiction, oldest first."""
    f = filters or QueueFilters()
    qs = Record.objects.restrict(user).filter(actionable(user))
    if f.year:
        qs = qs.filter(year=f.year)
    if f.activity_type:
        qs = qs.filter(activity_type=f.activity_type)
    if f.subject:
        qs = qs.filter(subject=f.subject)
    if f.employer_id:
        qs = qs.filter(person__employer_id=f.employer_id)
    if f.min_age_days is not None:
        qs = qs.filter(state_changed_at__lte=timezone.now() - dt.timedelta(days=f.min_age_days))
    return qs.select_related("person", "person__employer").order_by("state_changed_at", "pk")


def overdue_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=review_deadline_days())
