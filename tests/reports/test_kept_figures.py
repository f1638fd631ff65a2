"""The per-employer figures kept current inside the transactions that change them (issue 17 item 2).

Every test compares the kept figures with the bare grouped query over people, computed in the same
state: the dashboard from the kept rows equals the dashboard from people, for every officer.
"""

from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from cecert.accounts.domain.registration import request_transfer, transition_transfer
from cecert.accounts.models import Person, TransferState
from cecert.records.domain.years import ensure_person_years
from cecert.records.enums import RecordState
from cecert.reports.domain import queries
from cecert.reports.domain.figures import figure_mismatches, rebuild_year
from cecert.reports.domain.scope import report_scope
from cecert.reports.models import EmployerYearFigures, KeptYear
from cecert.review.domain.workflow import transition_record
from tests.factories import World, build_world, registered_person
from tests.records.factories import advanced, declared
from tests.reports.factories import populate

YEAR = 2025
OFFICERS = ("hr_province", "hr_zhengzhou", "hr_jinshui", "hr_luoyang", "health", "education", "admin_emp_jinshui")


def live_dashboard(world: World, user_key: str) -> queries.Dashboard:
    """The dashboard computed from people (the kept year switched off for the call)."""
    KeptYear.objects.filter(year=YEAR).update(ready=False)
    try:
        return queries.dashboard(report_scope(world.users[user_key]), YEAR)
    finally:
        KeptYear.objects.filter(year=YEAR).update(ready=True)


def assert_kept_equals_live(world: World) -> None:
    assert figure_mismatches(YEAR) == []
    for user_key in OFFICERS:
        kept = queries.dashboard(report_scope(world.users[user_key]), YEAR)
        assert kept == live_dashboard(world, user_key), user_key


@pytest.fixture
def kept(populated: World) -> World:
    ensure_person_years(Person.objects.all(), YEAR)
    assert rebuild_year(YEAR) > 0
    return populated


def test_the_dashboard_reads_the_kept_rows_and_they_equal_the_people(kept: World) -> None:
    assert KeptYear.objects.get(year=YEAR).ready
    assert_kept_equals_live(kept)
    # The kept dashboard groups employer rows: it reads no person.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries_run:
        queries.dashboard(report_scope(kept.users["hr_province"]), YEAR)
    assert not any('"accounts_person"' in q["sql"] or "accounts_person" in q["sql"] for q in queries_run)


def test_certifying_and_overturning_keep_the_figures_current(kept: World) -> None:
    person = kept.people["emp_jinshui"]
    before = queries.dashboard(report_scope(kept.users["hr_province"]), YEAR).total
    record = advanced(kept, declared(person))  # certified through the review chain
    after = queries.dashboard(report_scope(kept.users["hr_province"]), YEAR).total
    assert after.earned_total == before.earned_total + record.amount
    assert_kept_equals_live(kept)
    transition_record(record, RecordState.OVERTURNED, by=kept.users["hr_province"], reason="虚假材料")
    assert queries.dashboard(report_scope(kept.users["hr_province"]), YEAR).total == before
    assert_kept_equals_live(kept)


def test_new_people_and_transfers_move_between_employers(kept: World) -> None:
    newcomer = registered_person(kept.orgs["emp_luoyang"])  # approved: counted at once, with the year opened
    assert_kept_equals_live(kept)
    moving = kept.people["emp_gongyi"]
    transfer = request_transfer(moving, kept.orgs["emp_zhongyuan"], by=moving.user)
    transition_transfer(transfer, TransferState.APPROVED, by=kept.users["admin_emp_zhongyuan"])
    assert_kept_equals_live(kept)
    assert newcomer.pk


def test_opening_a_new_year_and_the_check_command(kept: World) -> None:
    rebuild_year(YEAR + 1)  # kept before it is opened
    ensure_person_years(Person.objects.all(), YEAR + 1)  # opening it refreshes the employers
    assert figure_mismatches(YEAR + 1) == []

    out = StringIO()
    call_command("figures", "check", str(YEAR), stdout=out)
    assert '"consistent": true' in out.getvalue()
    row = EmployerYearFigures.objects.filter(year=YEAR).order_by("pk").first()
    assert row is not None
    EmployerYearFigures.objects.filter(pk=row.pk).update(met=row.met + 1)  # a row edited behind our back
    with pytest.raises(CommandError, match=r"differ from a recomputation \(1\)"):
        call_command("figures", "check", str(YEAR), stdout=StringIO())
    call_command("figures", "rebuild", str(YEAR), stdout=StringIO())
    call_command("figures", "check", str(YEAR), stdout=StringIO())


def test_a_year_not_kept_is_computed_from_people(populated: World) -> None:
    assert queries.kept_figures(report_scope(populated.users["hr_province"]), YEAR, {}) is None
    record = advanced(populated, declared(populated.people["emp_jinshui"]))
    assert record.state == RecordState.CERTIFIED
    assert not EmployerYearFigures.objects.exists()  # nothing is followed for a year not kept


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_certifications_at_one_employer_and_of_one_person_add_up() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL (SQLite serialises writers)")
    world = build_world()
    populate(world)
    person = world.people["emp_jinshui"]
    colleague = registered_person(world.orgs["emp_jinshui"])
    world.people["colleague"], world.users["admin_colleague"] = colleague, world.users["admin_emp_jinshui"]
    ensure_person_years(Person.objects.all(), YEAR)
    rebuild_year(YEAR)
    records = [
        advanced(world, declared(p, title=f"培训{n}"), to=RecordState.EMPLOYER_APPROVED)
        for n, p in enumerate((person, person, colleague))
    ]
    barrier, errors = threading.Barrier(len(records)), []

    def certify(record: Any) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=30)
                transition_record(record, RecordState.CERTIFIED, by=world.users["hr_province"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=certify, args=(r,)) for r in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert figure_mismatches(YEAR) == []
