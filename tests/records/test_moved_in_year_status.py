"""The year status of a year moved in from the current platform (ADR 0023).

Article 5 judges a year by the hours certified in it: the moved-in amounts and the records certified here
add up, and the verdict is taken from the sum against the year's requirement here (Article 5, pro-rated by
Article 8), deemed completions (7(3), 7(11)) of records certified here included. A year the current
platform found met stays met: its sealed certificate (Articles 13, 15) may rest on leave or deemed
completions that did not move in, and learning more never makes a year short.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cecert.accounts.models import Person
from cecert.crediting.evaluation import today_in_henan
from cecert.records.domain.years import year_status
from cecert.records.models import Record
from tests.certificates.factories import certified_record
from tests.factories import World
from tests.movein.conftest import moved_in_with_a_year

LAST = today_in_henan().year - 1


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "private")


def moved_in(world: World, public: str, professional: str, met: str) -> Person:
    return moved_in_with_a_year(world, LAST, public, professional, met)


def status(person: Person) -> tuple[str, str, bool]:
    row = year_status(Person.objects.filter(pk=person.pk), LAST).get()
    return str(row.earned_public), str(row.earned_professional), row.met


@pytest.mark.parametrize(
    ("public", "professional", "met", "here", "expected"),
    [
        # found short, records here bring the sum to 24 / 70.5 / 94.5: met
        ("10", "40.5", "否", [("public", 14), ("professional", 30)], ("24.0", "70.5", True)),
        # found short, records here still leave the year short of 90 in all
        ("10", "40.5", "否", [("public", 14), ("professional", 10)], ("24.0", "50.5", False)),
        # found short although its amounts reach 90 / 24 / 60: the certified hours decide (Article 5)
        ("30", "60.5", "否", [], ("30.0", "60.5", True)),
        # found short and short by the hours too
        ("20", "40.5", "否", [], ("20.0", "40.5", False)),
        # found met on fewer hours (e.g. pro-rated there): stays met, also after learning more here
        ("20", "40", "是", [], ("20.0", "40.0", True)),
        ("20", "40", "是", [("professional", 2)], ("20.0", "42.0", True)),
    ],
    ids=["short+here=met", "short+here=short", "short-but-enough", "short", "met-below", "met-below+here"],
)
def test_the_verdict_is_taken_from_the_sum_and_a_year_found_met_stays_met(
    world: World, public: str, professional: str, met: str, here: list[tuple[str, int]], expected: Any
) -> None:
    person = moved_in(world, public, professional, met)
    for subject, hours in here:
        certified_record(person, subject=subject, hours=hours, year=LAST)
    assert status(person) == expected


def test_a_deemed_completion_certified_here_completes_a_year_found_short(world: World) -> None:
    """A year-long aid assignment (7(11)) counts 0 hours and deems the whole year complete."""
    person = moved_in(world, "10", "20", "否")
    assert status(person) == ("10.0", "20.0", False)
    record = certified_record(person, subject="professional", hours=1, year=LAST)
    Record.objects.filter(pk=record.pk).update(
        activity_type="aid_assignment", amount=0, hours=0, deems_public=True, deems_professional=True
    )
    assert status(person) == ("10.0", "20.0", True)
