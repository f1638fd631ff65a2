"""Certified records and issued certificates for the certificates tests.

Records are written straight into the records app's model in state
``certified`` (the review workflow has its own tests); only this module knows
that model's fields, like ``cecert.certificates.domain.sources`` does for the app.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cecert.accounts.models import Person

YEAR = 2025


def certified_record(
    person: Person, *, subject: str = "public", hours: int | str = 24, year: int = YEAR, title: str | None = None
) -> Any:
    from cecert.records.models import Record

    end = dt.date(year, 6, 30)
    activity = {
        "type": "training",
        "subject": subject,
        "organizer": "provincial",
        "hours": int(Decimal(hours)),
        "date": end.isoformat(),
    }
    return Record.objects.create(
        person=person,
        year=year,
        activity_type="training",
        activity=activity,
        subject=subject,
        title=title or ("公需科目：法治建设专题培训" if subject == "public" else "专业科目：临床新进展研修班"),
        form="面授",
        start_date=end - dt.timedelta(days=2),
        end_date=end,
        assessment="合格",
        hours=Decimal(hours),
        amount=Decimal(hours),
        explanation="测试",
        clause="7(2)",
        policy_id="henan-2017@1",
        channel="person",
        state="certified",
        dedupe_key=uuid.uuid4().hex,
        created_by=person.user,
        submitted_at=timezone.now(),
        certified_at=timezone.now(),
    )


def full_year(person: Person, year: int = YEAR) -> list[Any]:
    """24 public + 72 professional hours: the requirement is met."""
    return [
        certified_record(person, subject="public", hours=24, year=year),
        certified_record(person, subject="professional", hours=40, year=year),
        certified_record(person, subject="professional", hours=32, year=year),
    ]
