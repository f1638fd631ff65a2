"""Fixtures for report tests: the world with extra people and records, and an independent calculator."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from cecert.accounts.models import Person, RegistrationState
from cecert.records.models import PersonYear, Record
from cecert.reports.domain.queries import Figures
from tests.factories import World
from tests.reports.factories import populate

ZERO = Decimal(0)


@pytest.fixture
def populated(world: World) -> World:
    populate(world)
    return world


def people_of_employers(world: World, employer_keys: Iterable[str]) -> set[int]:
    """Approved people of the named world employers (the expected scope, computed without the filters)."""
    ids = {world.orgs[k].pk for k in employer_keys}
    return {p.pk for p in Person.objects.all() if p.employer_id in ids and p.state == RegistrationState.APPROVED}


def expected_people(person_ids: Iterable[int], year: int) -> dict[int, dict[str, Any]]:
    """Each person's year in plain Python from ``Record`` rows (certified only) and ``PersonYear``."""
    ids = set(person_ids)
    requirements = {py.person_id: py for py in PersonYear.objects.filter(year=year) if py.person_id in ids}
    earned: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"public": ZERO, "professional": ZERO, "deem_public": False, "deem_professional": False}
    )
    for record in Record.objects.all():
        if record.person_id in ids and record.year == year and record.state == "certified":
            e = earned[record.person_id]
            if record.subject in ("public", "professional"):
                e[record.subject] += record.amount
            e["deem_public"] |= record.deems_public
            e["deem_professional"] |= record.deems_professional
    out = {}
    for pid in ids:
        req, e = requirements[pid], earned[pid]
        need_public = 0 if e["deem_public"] else req.required_public
        need_prof = 0 if e["deem_professional"] else req.required_professional
        deemed = e["deem_public"] or e["deem_professional"]
        need_total = need_public + need_prof if deemed else req.required_total
        total = e["public"] + e["professional"]
        out[pid] = {
            "unit": req.unit,
            "required_total": req.required_total,
            "required_public": req.required_public,
            "required_professional": req.required_professional,
            "public": e["public"],
            "professional": e["professional"],
            "total": total,
            "met_public": e["public"] >= need_public,
            "met_professional": e["professional"] >= need_prof,
            "met": e["public"] >= need_public and e["professional"] >= need_prof and total >= need_total,
            "shortfall_total": max(Decimal(need_total) - total, ZERO),
        }
    return out


def expected_figures(people: dict[int, dict[str, Any]], ids: Iterable[int]) -> Figures:
    rows = [people[i] for i in ids]
    hours = [r for r in rows if r["unit"] == "hour"]
    credits = [r for r in rows if r["unit"] != "hour"]
    return Figures(
        people=len(rows),
        met=sum(r["met"] for r in rows),
        met_public=sum(r["met_public"] for r in rows),
        met_professional=sum(r["met_professional"] for r in rows),
        hour_people=len(hours),
        required_total=sum((Decimal(r["required_total"]) for r in hours), ZERO),
        required_public=sum((Decimal(r["required_public"]) for r in hours), ZERO),
        required_professional=sum((Decimal(r["required_professional"]) for r in hours), ZERO),
        earned_public=sum((r["public"] for r in hours), ZERO),
        earned_professional=sum((r["professional"] for r in hours), ZERO),
        earned_total=sum((r["total"] for r in hours), ZERO),
        shortfall_total=sum((r["shortfall_total"] for r in hours), ZERO),
        credit_people=len(credits),
        earned_credits=sum((r["total"] for r in credits), ZERO),
    )


def read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
