"""Closing a year: the provincial HR department sets each year's deadline."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.crediting.evaluation import today_in_henan
from cecert.records.models import YearClosing

if TYPE_CHECKING:
    from django.http import HttpRequest


def year_is_closed(year: int, today: dt.date | None = None) -> bool:
    """True after the year's deadline (the deadline day itself is still open)."""
    deadline = YearClosing.objects.filter(year=year).values_list("deadline", flat=True).first()
    return deadline is not None and (today or today_in_henan()) > deadline


def set_year_deadline(year: int, deadline: dt.date, *, by: User, request: HttpRequest | None = None) -> YearClosing:
    if not by.has_perm("records.close_year"):
        raise DomainError(
            "year", "只有省人力资源社会保障厅可以设置年度截止日期", "only the provincial HR department sets deadlines"
        )
    if deadline < dt.date(year, 12, 31):
        raise DomainError("deadline", "截止日期不能早于该年度的最后一天", "the deadline must be after the year ends")
    with transaction.atomic():
        existing = YearClosing.objects.select_for_update().filter(year=year).first()
        before = {"deadline": existing.deadline.isoformat()} if existing else None
        closing, _ = YearClosing.objects.update_or_create(year=year, defaults={"deadline": deadline, "set_by": by})
        audit(
            "year.deadline",
            actor=by,
            role=Role.HR_OFFICER,
            obj=closing,
            before=before,
            after={"year": year, "deadline": deadline.isoformat()},
            request=request,
        )
    return closing
