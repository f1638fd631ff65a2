"""The trigger-maintained certified sums (``records_certifiedyearsum``) follow every way a record changes."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from cecert.accounts.models import Person
from cecert.records.domain.sums import certified_sum_mismatches, rebuild_certified_sums
from cecert.records.enums import RecordState
from cecert.records.models import CertifiedYearSum, Record
from cecert.review.domain.workflow import transition_record
from tests.factories import World, build_world
from tests.records.factories import CONFERENCE, advanced, declared

YEAR = 2025


def tenths(record: Record) -> int:
    return int(Record.objects.get(pk=record.pk).amount * 10)


def sums(person_id: int) -> tuple[int, int, int, int]:
    row = CertifiedYearSum.objects.filter(person_id=person_id, year=YEAR).first()
    if row is None:
        return (0, 0, 0, 0)
    return (row.public_tenths, row.professional_tenths, row.deems_public_records, row.deems_professional_records)


def test_only_certified_records_count_and_overturning_takes_them_out(world: World) -> None:
    person = world.people["emp_jinshui"]
    record = advanced(world, declared(person), to=RecordState.EMPLOYER_APPROVED)
    assert sums(person.pk) == (0, 0, 0, 0)
    record = transition_record(record, RecordState.CERTIFIED, by=world.users["hr_province"])
    training = tenths(record)
    assert training > 0 and sums(person.pk) == (training, 0, 0, 0)
    conference = advanced(world, declared(person, CONFERENCE, title="全国学术会议"))
    assert sums(person.pk) == (training, tenths(conference), 0, 0)
    transition_record(record, RecordState.OVERTURNED, by=world.users["hr_province"], reason="培训未实际举办")
    assert sums(person.pk) == (0, tenths(conference), 0, 0)
    assert certified_sum_mismatches() == []


def test_bulk_writes_and_direct_updates_are_followed(world: World) -> None:
    person = world.people["emp_zhongyuan"]
    record = advanced(world, declared(person))
    template = Record.objects.get(pk=record.pk)
    copies = []
    for n in range(3):
        template.pk, template.id, template.dedupe_key = None, None, f"bulk-{n}"
        template.amount, template.hours = Decimal("1.5"), Decimal("1.5")
        copies.append(Record(**{f.attname: getattr(template, f.attname) for f in Record._meta.concrete_fields}))
    Record.objects.bulk_create(copies)
    assert sums(person.pk)[0] == tenths(record) + 45
    Record.objects.filter(pk=record.pk).update(amount=Decimal("12.3"), deems_public=True)
    assert sums(person.pk) == (123 + 45, 0, 1, 0)
    Record.objects.filter(dedupe_key__startswith="bulk-").update(state=RecordState.OVERTURNED)
    Record.objects.filter(pk=record.pk).update(deems_public=False)
    assert sums(person.pk) == (123, 0, 0, 0)
    assert certified_sum_mismatches() == []


def test_the_check_finds_a_tampered_row_and_the_rebuild_repairs_it(world: World) -> None:
    person = world.people["emp_jinshui"]
    record = advanced(world, declared(person))
    call_command("years", "sums")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_certifiedyearsum SET public_tenths = 1 WHERE person_id = %s", [person.pk])
    assert certified_sum_mismatches() == [(person.pk, YEAR)]
    with pytest.raises(CommandError):
        call_command("years", "sums")
    call_command("years", "sums", "--rebuild")
    assert sums(person.pk) == (tenths(record), 0, 0, 0)
    assert certified_sum_mismatches() == []


def test_a_missing_row_is_a_mismatch_too(world: World) -> None:
    person = world.people["emp_jinshui"]
    advanced(world, declared(person))
    CertifiedYearSum.objects.filter(person_id=person.pk).delete()
    assert certified_sum_mismatches() == [(person.pk, YEAR)]
    rebuild_certified_sums()
    assert certified_sum_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_certifications_of_one_person_are_both_counted() -> None:
    """Two transactions certify records of the same person at once; neither may hide the other."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL (SQLite serialises writers)")
    world = build_world()
    person = world.people["emp_jinshui"]
    records = [advanced(world, declared(person, title=f"培训{n}"), to=RecordState.EMPLOYER_APPROVED) for n in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def certify(record: Record) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                transition_record(record, RecordState.CERTIFIED, by=world.users["hr_province"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=certify, args=(r,)) for r in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sums(person.pk) == (sum(tenths(r) for r in records), 0, 0, 0)
    assert certified_sum_mismatches() == []


@pytest.mark.postgres
def test_truncating_the_records_empties_the_sums(world: World) -> None:
    """PostgreSQL fires no row trigger on TRUNCATE (a test database's flush uses it): a statement trigger does."""
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's flush deletes rows, which the delete trigger follows")
    advanced(world, declared(world.people["emp_jinshui"]), to=RecordState.CERTIFIED)
    assert CertifiedYearSum.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred foreign-key checks would block TRUNCATE
        cursor.execute("TRUNCATE records_record CASCADE")
    assert not CertifiedYearSum.objects.exists()
    assert certified_sum_mismatches() == []


def test_opening_a_year_creates_every_requirement_row_once(world: World) -> None:
    from cecert.records.models import PersonYear

    out = io.StringIO()
    call_command("years", "open", "2027", stdout=out)
    people = Person.objects.count()
    assert json.loads(out.getvalue()) == {"year": 2027, "created": people}
    assert PersonYear.objects.filter(year=2027).count() == people
    call_command("years", "open", "2027", stdout=io.StringIO())
    assert PersonYear.objects.filter(year=2027).count() == people
