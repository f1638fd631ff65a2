"""Report test data: certified (and pending) records written directly as rows, many people per employer.

Reports read records, they do not make them: rows are created straight in the
table (the records app's own tests cover declaring and review), so a test can
lay out exact hours per person, subject, year and state.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from cecert.accounts.models import Person
from cecert.records.enums import Channel, RecordState
from cecert.records.models import Record
from tests.factories import World, registered_person

_n = itertools.count(1)


def record_row(
    person: Person,
    year: int,
    subject: str,
    hours: float | int,
    *,
    state: str = RecordState.CERTIFIED,
    changed: dt.datetime | None = None,
    deems: tuple[str, ...] = (),
) -> Record:
    amount = Decimal(str(hours))
    end = dt.date(year, 6, 30)
    return Record.objects.create(
        person=person,
        year=year,
        activity_type="training",
        activity={
            "type": "training",
            "subject": subject,
            "organizer": "provincial",
            "hours": float(amount),
            "date": end.isoformat(),
        },
        subject=subject,
        title=f"培训{next(_n)}",
        start_date=end - dt.timedelta(days=2),
        end_date=end,
        hours=amount,
        amount=amount,
        explanation="测试",
        clause="7(2)",
        policy_id="henan-2017",
        channel=Channel.PERSON,
        created_by=person.user,
        state=state,
        state_changed_at=changed or timezone.now(),
        submitted_at=changed or timezone.now(),
        deems_public="public" in deems,
        deems_professional="professional" in deems,
        completes=list(deems),
        dedupe_key=f"k{next(_n)}",
    )


# (employer key, public hours, professional hours) per person in 2025; 90/24/60 is met.
PEOPLE_2025 = [
    ("emp_jinshui", 30, 60),  # met
    ("emp_jinshui", 24, 50),  # short 10 professional + total
    ("emp_zhongyuan", 10, 80),  # short public
    ("emp_luoyang", 0, 0),  # nothing
    ("emp_gongyi", 24, 66),  # met
    ("emp_provincial", 40, 70),  # met
    ("emp_provincial", 24, 60),  # short total (84 < 90)
]


def populate(world: World) -> list[Person]:
    """Extra people with certified 2024/2025 records, pending records, and uncertified hours that must not count."""
    people: list[Person] = []
    for key, public, professional in PEOPLE_2025:
        person = registered_person(world.orgs[key])
        people.append(person)
        if public:
            record_row(person, 2025, "public", public)
        if professional:
            record_row(person, 2025, "professional", professional)
        record_row(person, 2024, "public", 24)
        record_row(person, 2024, "professional", 70)
        # Not certified: never counted, but part of the backlog.
        record_row(
            person,
            2025,
            "professional",
            40,
            state=RecordState.SUBMITTED,
            changed=timezone.now() - dt.timedelta(days=40),
        )
        record_row(
            person,
            2025,
            "public",
            5,
            state=RecordState.EMPLOYER_APPROVED,
            changed=timezone.now() - dt.timedelta(days=3),
        )
        record_row(person, 2025, "public", 50, state=RecordState.RETURNED)
    # The world's own people: one meets 2025 through an aid assignment (deems both complete).
    record_row(world.people["emp_luoyang"], 2025, "professional", 0, deems=("public", "professional"))
    record_row(world.people["emp_jinshui"], 2025, "public", 24)
    return people
