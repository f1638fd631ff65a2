"""Generate many people, records and leave fast (bulk_create), for the SQL-vs-engine comparison."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from cecert.accounts.models import Person, RegistrationState, User
from cecert.crediting.schemas import ActivityAdapter, LeaveSchema
from cecert.organisations.models import Organisation
from cecert.records.domain.crediting import activity_to_json, credit, result_fields
from cecert.records.enums import Channel, LeaveState, RecordState
from cecert.records.models import Leave, Record

STATES = [RecordState.CERTIFIED] * 6 + [
    RecordState.SUBMITTED,
    RecordState.EMPLOYER_APPROVED,
    RecordState.RETURNED,
    RecordState.OVERTURNED,
    RecordState.DRAFT,
    RecordState.MERGED,
]


def random_activity(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(
        [
            "training_base",
            "training",
            "online_course",
            "degree_course",
            "course_study",
            "conference",
            "research_project",
            "book",
            "paper",
            "patent",
            "award",
            "qualification_exam",
            "endorsed_report",
            "aid_assignment",
            "grassroots_service",
            "other",
        ]
    )
    subject = rng.choice(["public", "professional"])
    hours = rng.choice([1, 2.5, 6, 8, 12, 16.5, 24, 30, 40])
    return {
        "training_base": {"subject": subject, "hours": hours},
        "training": {
            "subject": subject,
            "organizer": rng.choice(["national", "provincial", "municipal", "industry"]),
            "hours": hours,
        },
        "online_course": {"subject": subject, "hours": hours},
        "degree_course": {"courses_passed": rng.randint(1, 4)},
        "course_study": {"months": rng.randint(1, 9), "passed": rng.random() < 0.8},
        "conference": {
            "level": rng.choice(["national", "provincial"]),
            "days": rng.randint(1, 5),
            "presented": rng.random() < 0.3,
        },
        "research_project": {
            "level": rng.choice(["national", "provincial"]),
            "role": rng.choice(["main", "sub"]),
            "rank": rng.randint(1, 6),
        },
        "book": {"ten_thousand_chars": rng.choice([0.5, 1, 2.25, 12.5]), "author_rank": rng.randint(1, 4)},
        "paper": {
            "journal": rng.choice(["national_society", "provincial_core", "issn_cn"]),
            "author_rank": rng.randint(1, 4),
            "supplement": rng.random() < 0.1,
        },
        "patent": {"kind": rng.choice(["invention", "utility_model", "design"]), "holder_rank": rng.randint(1, 4)},
        "award": {"level": rng.choice(["national", "provincial"]), "rank": rng.randint(1, 4)},
        "qualification_exam": {"exam": rng.choice(["senior", "intermediate", "junior", "practice"])},
        "endorsed_report": {},
        "aid_assignment": {"months": rng.choice([3, 6, 12, 18])},
        "grassroots_service": {"days": rng.randint(1, 10)},
        "other": {"hours": hours, "approved_by": "411000", **({"subject": subject} if rng.random() < 0.5 else {})},
    }[kind] | {"type": kind}


@dataclass
class Generated:
    people: list[Person] = field(default_factory=list)
    certified: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    leaves: dict[int, list[LeaveSchema]] = field(default_factory=dict)


def generate(employers: list[Organisation], count: int, year: int, *, seed: int = 8, creator: User) -> Generated:
    rng = random.Random(seed)
    out = Generated()
    users = User.objects.bulk_create(
        [User(username=f"gen{seed}-{i}", display_name=f"人员{i}", password="!") for i in range(count)]
    )
    people = Person.objects.bulk_create(
        [
            Person(
                user=u,
                id_number_digest=f"gen{seed}-{i:08d}",
                id_number_encrypted="-",
                id_number_masked="-",
                name=f"人员{i}",
                gender="male",
                birth_date=dt.date(1980, 1, 1),
                education="bachelor",
                specialty="-",
                title_series="-",
                employer=rng.choice(employers),
                state=RegistrationState.APPROVED,
            )
            for i, u in enumerate(users)
        ]
    )
    by_id = {e.pk: e for e in employers}
    records: list[Record] = []
    leaves: list[Leave] = []
    for person in people:
        employer = by_id[person.employer_id]
        out.certified[person.pk] = []
        out.leaves[person.pk] = []
        for _ in range(rng.randint(0, 7)):
            in_year = rng.random() < 0.9
            end = dt.date(year if in_year else year - 1, rng.randint(1, 12), rng.randint(1, 28))
            data = {**random_activity(rng), "date": end.isoformat()}
            activity = ActivityAdapter.validate_python(data)
            result = credit(activity, employer, end.year)
            state = rng.choice(STATES)
            json_activity = activity_to_json(activity)
            records.append(
                Record(
                    person=person,
                    year=end.year,
                    activity_type=activity.type,
                    activity=json_activity,
                    title="活动",
                    start_date=end,
                    end_date=end,
                    channel=Channel.PERSON,
                    state=state,
                    created_by=creator,
                    dedupe_key=f"{person.pk}-{len(records)}",
                    **result_fields(result),
                )
            )
            if state == RecordState.CERTIFIED and end.year == year:
                out.certified[person.pk].append(json_activity)
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(["abroad", "sick", "maternity", "other_approved"])
                start = dt.date(year - 1, 10, 1) + dt.timedelta(days=rng.randint(0, 400))
                end = start + dt.timedelta(days=rng.randint(0, 260))
                confirmed = rng.random() < 0.8
                leaves.append(
                    Leave(
                        person=person,
                        kind=kind,
                        start=start,
                        end=end,
                        created_by=creator,
                        state=LeaveState.CONFIRMED if confirmed else LeaveState.PENDING,
                    )
                )
                if confirmed and start <= dt.date(year, 12, 31) and end >= dt.date(year, 1, 1):
                    out.leaves[person.pk].append(LeaveSchema(kind=kind, start=start, end=end))  # type: ignore[arg-type]
    Record.objects.bulk_create(records, batch_size=2000)
    Leave.objects.bulk_create(leaves, batch_size=2000)
    out.people = people
    return out
