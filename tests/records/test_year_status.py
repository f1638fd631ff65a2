"""The set-based year status equals the crediting engine's compliance, person by person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cecert.accounts.domain.registration import request_transfer, transition_transfer
from cecert.accounts.models import Person, TransferState
from cecert.crediting.compliance import assess_compliance
from cecert.policies.domain.registry import filed_policy_set
from cecert.records.domain.crediting import compliance_request
from cecert.records.domain.leave import decide_leave, record_leave
from cecert.records.domain.sums import certified_sum_mismatches
from cecert.records.domain.years import ensure_person_years, person_compliance, refresh_person_year, year_status
from cecert.records.models import PersonYear
from tests.factories import World, employer, employer_admin_of, filed_examples, industry_authority
from tests.records.factories import PDF, advanced, declared

YEAR = 2025


def test_sql_year_status_equals_the_engine_for_thousands_of_people(world: World) -> None:
    from tests.records.generated import generate

    o = world.orgs
    filed_examples()  # test fixtures: a 许昌 rule (30 public) and a health credit scheme, filed
    engineering = industry_authority("410000", "engineering")
    employers = [
        o["emp_jinshui"],
        o["emp_zhongyuan"],
        o["emp_luoyang"],
        o["emp_gongyi"],
        o["emp_provincial"],
        employer("411002", o["education"], name="许昌学校"),  # Xuchang example policy (30 public)
        employer("411081", engineering, name="禹州设计院"),
    ]
    generated = generate(employers, 2500, YEAR, creator=world.users["sysadmin"])
    # Some people already have a refreshed row (their leave changed), the rest are bulk-created.
    for person in generated.people[:50]:
        refresh_person_year(
            Person.objects.select_related("employer__region", "employer__industry").get(pk=person.pk), YEAR
        )
    people = Person.objects.filter(pk__in=[p.pk for p in generated.people])
    rows = {p.pk: p for p in year_status(people, YEAR).select_related("employer__region", "employer__industry")}
    assert PersonYear.objects.filter(year=YEAR, person__in=people).count() == len(generated.people)
    with CaptureQueriesContext(connection) as queries:
        assert len(list(year_status(people, YEAR, ensure=False))) == len(generated.people)
    assert len(queries) == 1
    assert certified_sum_mismatches() == []

    checked = {"met": 0, "deemed": 0, "leave": 0, "credit": 0}
    for pk, row in rows.items():
        expected = assess_compliance(
            compliance_request(row, YEAR, activities=generated.certified[pk], leaves=generated.leaves[pk]),
            policy_set=filed_policy_set(),
        )
        got = {
            "required": {
                "total": row.required_total,
                "public": row.required_public,
                "professional": row.required_professional,
            },
            "earned": {"total": row.earned_total, "public": row.earned_public, "professional": row.earned_professional},
            "deemed": tuple(
                p for p, flag in (("public", row.deemed_public), ("professional", row.deemed_professional)) if flag
            ),
            "shortfall": {
                "total": row.shortfall_total,
                "public": row.shortfall_public,
                "professional": row.shortfall_professional,
            },
            "met": row.met,
            "excused_days": row.excused_days,
        }
        want = {
            "required": expected.required.to_json(),
            "earned": expected.earned,
            "deemed": expected.deemed_complete,
            "shortfall": expected.shortfall,
            "met": expected.met,
            "excused_days": expected.required.excused_days,
        }
        assert got == want, f"person {pk}"
        checked["met"] += expected.met
        checked["deemed"] += bool(expected.deemed_complete)
        checked["leave"] += expected.required.excused_days > 0
        checked["credit"] += expected.required.unit == "credit"
    # The data exercised every branch.
    assert all(count > 20 for count in checked.values()), checked
    assert checked["met"] < len(rows)


def test_confirmed_leave_pro_rates_the_year(world: World) -> None:
    person, admin = world.people["emp_zhongyuan"], world.users["admin_emp_zhongyuan"]
    leave = record_leave(person, kind="maternity", start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 6, 30), by=person.user)
    from cecert.records.domain.leave import add_leave_proof

    add_leave_proof(leave, name="证明.pdf", content=PDF, by=person.user)
    decide_leave(leave, confirm=True, by=admin)
    row = PersonYear.objects.get(person=person, year=YEAR)
    # 181 of 365 days excused: round(90 × 184/365) = 45, round(24 × 184/365) = 12, round(60 × 184/365) = 30.
    assert (row.required_total, row.required_public, row.required_professional, row.excused_days) == (45, 12, 30, 181)
    advanced(world, declared(person))
    status = year_status(Person.objects.filter(pk=person.pk), YEAR).get()
    assert (status.required_total, status.earned_public, status.shortfall_total, status.met) == (
        45,
        Decimal(24),
        Decimal(21),
        False,
    )
    assert person_compliance(person, YEAR).required.total == 45


def test_transfer_to_another_policy_recomputes_the_row(world: World) -> None:
    filed_examples()
    person = world.people["emp_zhongyuan"]
    year_status(Person.objects.filter(pk=person.pk), YEAR).get()
    xuchang = employer("411002", world.orgs["education"], name="许昌学校")
    transfer = request_transfer(person, xuchang, by=person.user)
    transition_transfer(transfer, TransferState.APPROVED, by=employer_admin_of(xuchang))
    row = PersonYear.objects.get(person=person, year=YEAR)
    assert (row.region_code, row.required_public) == ("411002", 30)
    status = year_status(Person.objects.filter(pk=person.pk), YEAR).get()
    assert (status.required_public, status.required_total) == (30, 90)


def test_a_row_changed_behind_the_workflow_is_repaired_by_the_recheck(world: World) -> None:
    filed_examples()
    person = world.people["emp_zhongyuan"]
    year_status(Person.objects.filter(pk=person.pk), YEAR).get()
    xuchang = employer("411002", world.orgs["education"], name="许昌学校")
    Person.objects.filter(pk=person.pk).update(employer=xuchang)
    people = Person.objects.filter(pk=person.pk)
    assert year_status(people, YEAR).get().required_public == 24  # the fast path trusts the workflow
    ensure_person_years(people, YEAR, recheck_inputs=True)
    assert year_status(people, YEAR).get().required_public == 30
