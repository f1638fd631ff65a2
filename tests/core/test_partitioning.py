# ruff: noqa: S608 - the table names are partitions this test made
"""Records and audit entries partitioned by year on PostgreSQL (ADR 0027): the conversion keeps every
rule the plain tables had, old years leave and come back, and SQLite is left alone."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cecert.audit import anchoring
from cecert.audit.domain import chain_problems, record, seals
from cecert.audit.models import AuditEntry
from cecert.core import partitioning
from cecert.crediting.evaluation import today_in_henan
from cecert.records.domain.sums import certified_sum_mismatches, rebuild_certified_sums
from cecert.records.enums import RecordState
from cecert.records.models import CertifiedYearSum, ProofFile, Record, YearClosing
from tests.factories import World
from tests.records.factories import advanced, declared

THIS_YEAR = today_in_henan().year
PROVINCE = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("year partitions are PostgreSQL's; SQLite keeps plain tables")


def immediately() -> None:
    """Run the deferred reference checks now, as the commit would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def partitions(table: str) -> dict[int | None, bool]:
    return {p.year: p.attached for p in partitioning.year_partitions(table)}


def certified(world: World, title: str = "公需科目培训") -> Record:
    return advanced(world, declared(world.people["emp_jinshui"], title=title))


pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("_postgresql")]


# --- the conversion ---------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["records_record", "audit_auditentry"])
def test_the_tables_are_partitioned_from_last_year_to_two_years_ahead_with_a_default(db: None, table: str) -> None:
    assert partitioning.is_partitioned(table)
    assert partitions(table) == {**{y: True for y in range(THIS_YEAR - 1, THIS_YEAR + 3)}, None: True}


def test_the_primary_key_carries_the_year_and_ids_still_come_from_one_sequence(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'records_record'::regclass "
            "AND contype = 'p'"
        )
        assert cursor.fetchone() == ("PRIMARY KEY (id, year)",)
    first, second = certified(world, "一"), certified(world, "二")
    Record.objects.filter(pk=first.pk).update(year=THIS_YEAR + 1)  # another partition, same sequence
    third = certified(world, "三")
    assert len({first.pk, second.pk, third.pk}) == 3
    assert Record.objects.get(pk=first.pk).year == THIS_YEAR + 1


def test_every_foreign_key_into_records_is_kept_by_a_reference_trigger(db: None) -> None:
    """A new foreign key into records must be added to the triggers (PostgreSQL cannot reference ``id`` alone)."""
    declared = sorted(
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model is Record and field.db_constraint
    )
    assert len(declared) >= 9
    assert partitioning.reference_triggers("records_record") == declared


def test_a_reference_to_a_missing_record_is_refused(world: World) -> None:
    proof = declared(world.people["emp_jinshui"]).proofs.first()
    assert proof is not None
    with pytest.raises(IntegrityError, match="violates reference"), transaction.atomic():
        ProofFile.objects.filter(pk=proof.pk).update(record_id=10**12)
        immediately()


def test_a_referenced_record_cannot_be_deleted_behind_the_orms_back(world: World) -> None:
    record_ = declared(world.people["emp_jinshui"])
    assert record_.proofs.exists()
    immediately()  # the proof's own pending check passes first, as its commit would have
    with pytest.raises(IntegrityError, match="still referenced"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM records_record WHERE id = %s", [record_.pk])


def test_a_draft_without_references_is_deleted_and_a_moved_record_stays_referenced(world: World) -> None:
    draft = declared(world.people["emp_jinshui"], proofs=False)
    draft.delete()
    immediately()
    assert not Record.objects.filter(pk=draft.pk).exists()
    kept = certified(world)
    Record.objects.filter(pk=kept.pk).update(year=THIS_YEAR + 2)  # leaves its partition: a delete and an insert
    immediately()
    assert kept.proofs.exists()


def test_a_certified_record_changing_year_moves_its_hours_in_the_sums(world: World) -> None:
    record_ = certified(world)
    Record.objects.filter(pk=record_.pk).update(year=THIS_YEAR + 1)
    assert CertifiedYearSum.objects.filter(person_id=record_.person_id, year=THIS_YEAR + 1).exists()
    assert certified_sum_mismatches() == []


# --- partitions ahead -----------------------------------------------------------------------------------


def test_a_year_caught_by_the_default_partition_moves_into_its_own_partition(world: World) -> None:
    far = THIS_YEAR + 6
    record_ = certified(world)
    Record.objects.filter(pk=record_.pk).update(year=far)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM records_record_default")
        assert cursor.fetchone() == (1,)
    assert partitioning.ensure_years("records_record", "year", "year", [far]) == [far]
    assert partitioning.ensure_years("records_record", "year", "year", [far]) == []  # idempotent
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM records_record_y{far}")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT count(*) FROM records_record_default")
        assert cursor.fetchone() == (0,)
    assert Record.objects.get(pk=record_.pk).year == far
    assert certified_sum_mismatches() == []


def test_audit_entries_caught_by_the_default_partition_move_despite_the_append_only_rule(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by bench/partitions: the move deleted the entries from the default partition, which the
    trail's append-only trigger refused, so the daily job failed for good once a year was missed."""
    far = THIS_YEAR + 6
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(far, 6, 1, 12, 0, tzinfo=PROVINCE))
    for n in range(3):
        record(f"test.far_{n}")
    monkeypatch.undo()
    immediately()  # as if committed long before the job runs (it runs in a transaction of its own)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditentry_default")
        assert cursor.fetchone() == (3,)

    assert partitioning.ensure_years("audit_auditentry", "at", "local_year_of_timestamp", [far]) == [far]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM audit_auditentry_y{far}")
        assert cursor.fetchone() == (3,)
        cursor.execute("SELECT count(*) FROM audit_auditentry_default")
        assert cursor.fetchone() == (0,)
    assert chain_problems() == []
    # The rule holds again on every partition once the rows have moved.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgenabled FROM pg_trigger WHERE tgname = 'audit_auditentry_append_only' "
            "AND tgrelid <> 'audit_auditentry'::regclass"
        )
        assert cursor.fetchall() == [("O",)]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM audit_auditentry_y{far}")


def test_the_daily_job_keeps_two_years_ahead(db: None) -> None:
    made = partitioning.ensure_ahead(today=dt.date(THIS_YEAR + 2, 1, 1))
    assert made == {"records": [THIS_YEAR + 3, THIS_YEAR + 4], "audit": [THIS_YEAR + 3, THIS_YEAR + 4]}


# --- records leaving and coming back ------------------------------------------------------------------------


@pytest.fixture
def old_year(world: World, settings: Any) -> tuple[int, Record]:
    settings.CECERT_RECORDS_KEEP_YEARS = 2
    year = THIS_YEAR - 4
    partitioning.ensure_years("records_record", "year", "year", [year])
    record_ = certified(world)
    Record.objects.filter(pk=record_.pk).update(year=year)
    return year, Record.objects.get(pk=record_.pk)


def test_records_of_a_year_not_closed_or_too_recent_stay(old_year: tuple[int, Record], world: World) -> None:
    year, _ = old_year
    with pytest.raises(partitioning.PartitioningError, match="尚未截止"):
        partitioning.detach("records", year)
    closing = dt.date(THIS_YEAR - 1, 3, 1)
    YearClosing.objects.create(year=THIS_YEAR - 2, deadline=closing, set_by=world.users["hr_province"])
    with pytest.raises(partitioning.PartitioningError, match="满 2 年"):
        partitioning.detach("records", THIS_YEAR - 2)
    assert partitions("records_record")[year] is True


def test_a_closed_old_year_leaves_keeps_its_sums_and_comes_back(old_year: tuple[int, Record], world: World) -> None:
    year, record_ = old_year
    YearClosing.objects.create(year=year, deadline=dt.date(year + 1, 3, 1), set_by=world.users["hr_province"])
    sums_before = list(CertifiedYearSum.objects.filter(year=year).values_list("person_id", "public_tenths"))
    assert sums_before

    out = StringIO()
    call_command("partitions", "detach", "records", str(year), stdout=out)
    assert f"records_record_y{year}" in out.getvalue()
    assert partitions("records_record")[year] is False
    assert not Record.objects.filter(pk=record_.pk).exists()  # out of the live table …
    with connection.cursor() as cursor:  # … and kept in the database
        cursor.execute(f"SELECT count(*) FROM records_record_y{year} WHERE id = %s", [record_.pk])
        assert cursor.fetchone() == (1,)
    assert certified_sum_mismatches() == []  # the detached year is not compared with nothing
    rebuild_certified_sums()
    assert list(CertifiedYearSum.objects.filter(year=year).values_list("person_id", "public_tenths")) == sums_before
    assert AuditEntry.objects.filter(action="records.year_detached", after__year=year).exists()

    call_command("partitions", "attach", "records", str(year), stdout=StringIO())
    assert Record.objects.get(pk=record_.pk).year == year
    assert certified_sum_mismatches() == []
    assert AuditEntry.objects.filter(action="records.year_attached", after__year=year).exists()


# --- the audit trail leaving a year ---------------------------------------------------------------------------


def entries_in(year: int, monkeypatch: pytest.MonkeyPatch, n: int = 3) -> None:
    """Audited events of ``year`` (the clock set back; the entries are made by the real ``record``)."""
    partitioning.ensure_years("audit_auditentry", "at", "local_year_of_timestamp", [year])
    moment = dt.datetime(year, 12, 31, 23, 0, tzinfo=PROVINCE)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    for n_ in range(n):
        record(f"test.event_{n_}", reason=f"{year}")
    monkeypatch.undo()


@pytest.fixture
def old_audit(db: None, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    older, old = THIS_YEAR - 4, THIS_YEAR - 3
    entries_in(older, monkeypatch)
    entries_in(old, monkeypatch)
    record("test.now")
    return older, old


def test_the_audit_trail_leaves_oldest_first_and_never_the_last_two_years(old_audit: tuple[int, int]) -> None:
    older, old = old_audit
    with pytest.raises(partitioning.PartitioningError, match="先分离更早"):
        partitioning.detach("audit", old)
    with pytest.raises(partitioning.PartitioningError, match="本年度和上一年度"):
        partitioning.detach("audit", THIS_YEAR - 1)
    assert partitions("audit_auditentry")[older] is True


def test_a_detached_audit_year_is_sealed_and_the_chains_still_verify(old_audit: tuple[int, int]) -> None:
    older, old = old_audit
    assert chain_problems() == []
    partitioning.detach("audit", older)
    sealed = seals()
    assert sealed and all(sequence >= 1 for sequence, _ in sealed.values())
    assert not AuditEntry.objects.filter(at__year=older).exists()
    assert chain_problems() == []
    partitioning.detach("audit", old)
    assert chain_problems() == []
    record("test.after")
    assert chain_problems() == []

    with pytest.raises(partitioning.PartitioningError, match="先挂接较晚"):
        partitioning.attach("audit", older)
    partitioning.attach("audit", old)
    partitioning.attach("audit", older)
    assert seals() == {}
    assert chain_problems() == []


def test_a_broken_chain_is_not_sealed(old_audit: tuple[int, int]) -> None:
    older, _ = old_audit
    with connection.cursor() as cursor:  # a removed entry, as the database owner could do
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only")
        cursor.execute("DELETE FROM audit_auditentry WHERE action = 'test.event_1'")
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_append_only")
    with pytest.raises(partitioning.PartitioningError, match="审计链不完整"):
        partitioning.detach("audit", older)
    assert partitions("audit_auditentry")[older] is True


def test_checkpoints_made_before_and_after_a_detached_year_verify(old_audit: tuple[int, int], world: World) -> None:
    older, _ = old_audit
    call_command("audit", "keys", "create", stdout=StringIO())
    assert anchoring.make_checkpoint(force=True) is not None
    partitioning.detach("audit", older)
    record("test.after")
    assert anchoring.make_checkpoint(force=True) is not None
    report = anchoring.verify_checkpoints(all_signatures=True)
    assert report.problems == []
    assert Path(settings.CECERT_AUDIT_ANCHOR_DIR).is_dir()


# --- the command and the way back ---------------------------------------------------------------------------------


def test_the_command_lists_and_names_what_it_refuses(db: None) -> None:
    out = StringIO()
    call_command("partitions", "list", stdout=out)
    assert "records（继续教育记录，表 records_record）" in out.getvalue()
    assert f"{THIS_YEAR} 年度\t在用 attached" in out.getvalue()
    with pytest.raises(CommandError, match="没有名为 nosuch 的分区表"):
        call_command("partitions", "detach", "nosuch", "2019")
    with pytest.raises(CommandError, match="no partition for 1999"):
        call_command("partitions", "attach", "records", "1999")


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_to_plain_tables_and_forward_again_with_the_data(world: World) -> None:
    record_ = certified(world)
    proof = record_.proofs.first()
    assert proof is not None
    executor = MigrationExecutor(connection)
    executor.migrate([("records", "0005_certified_sums_follow_truncate"), ("audit", "0003_audit_chains")])
    assert not partitioning.is_partitioned("records_record")
    assert not partitioning.is_partitioned("audit_auditentry")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'records_prooffile'::regclass "
            "AND confrelid = 'records_record'::regclass"
        )
        assert cursor.fetchone() == (1,)  # the foreign key is back
        cursor.execute("SELECT record_id FROM records_prooffile WHERE id = %s", [proof.pk])
        assert cursor.fetchone() == (record_.pk,)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitioning.is_partitioned("records_record") and partitioning.is_partitioned("audit_auditentry")
    assert Record.objects.get(pk=record_.pk).state == RecordState.CERTIFIED
    assert certified_sum_mismatches() == []
    assert chain_problems() == []
