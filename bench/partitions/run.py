"""Benchmark: records and audit entries partitioned by year (ADR 0027, issue 17 item 2), measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/partitions/run.py --people 1000000 --years 2018-2025

Creates a fresh database (``--database``, default ``cecert_bench_partitions``) on the same server,
migrates it, and turns ``records_record`` and ``audit_auditentry`` back into plain tables
(``partitioning.unpartition``: what they were at records 0005 / audit 0003). The world is built by
the generator of ``bench/compliance/run.py`` (``INSERT … SELECT generate_series``, indexes and
triggers off during the load, sums rebuilt, ``VACUUM ANALYZE``), with ``--records-per-person``
records (default 10) spread over ``--years`` (each person's records over the years in turn, so a
few a year). Then, in the same run, on the same data:

1. **plain**: the queries below;
2. **the conversion rehearsal**: ``partition_by_year`` on records (then audit entries) through a
   schema editor, as migrations records/0006 and audit/0004 run it — seconds, rows/s — then
   ``VACUUM ANALYZE`` (the migration cannot; until it runs the copied rows allow no index-only scan
   and the parent table has no statistics), and table/index sizes before and after (summed over the
   partitions);
3. **partitioned**: the same queries;
4. ``detach_year`` and ``attach_year`` of the oldest year (attaching checks every row lies in the
   year, and that the default partition holds none of them), ``ensure_years`` for a new year, and
   ``ensure_years`` for a year whose audit entries the default partition caught (a year's worth,
   moved into the new partition in one transaction).

The queries, each the median of ``--runs``:

* ``year_sums``: one year's certified sums recomputed for everybody (the GROUP BY of
  ``records/domain/sums.py``'s ``REBUILD_SELECT`` limited to the last year), counted in SQL;
* ``pk_get``: ``--lookups`` records fetched one by one with ``Record.objects.get(pk=…)`` (on the
  partitioned table the id alone names no partition: every year's index is probed);
* ``pk_in``: the same ids in one ``Record.objects.filter(pk__in=…)``;
* ``person_year``: one person's records of one year, for ``--lookups`` people one after another;
* ``set_state``: up to ``--lookups`` submitted records of the year certified in one ORM ``update``
  (through the certified-sums triggers, which the conversion carries over), the sums checked, and
  the records set back to submitted (once each, not a median);
* ``sums_check``: ``certified_sum_mismatches()`` whole (also the consistency check: the run exits
  non-zero if the maintained sums differ from the records at any point).

Right after the conversion, before ``VACUUM ANALYZE``, each query also runs once
(``partitioned_before_vacuum``: what the platform meets between the migration and autovacuum).

Output: one JSON line per measurement on stdout (progress on stderr). Not part of the test suite;
``tests/bench/partitions/test_run.py`` runs it tiny on PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cecert.core.partitioning import Key

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for shared.py

from shared import create_database, database_url, load  # noqa: E402

# Table, partition column, key: as migrations records/0006 and audit/0004 convert them.
RECORDS: tuple[str, str, Key] = ("records_record", "year", "year")
AUDIT: tuple[str, str, Key] = ("audit_auditentry", "at", "local_year_of_timestamp")


def _compliance_bench() -> Any:
    """The records engineer's generator (``bench/compliance/run.py``), loaded as a module."""
    return load("compliance")


def emit(measurement: str, **fields: Any) -> None:
    print(json.dumps({"measurement": measurement, **fields}), flush=True)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_years(text: str) -> list[int]:
    """``2018-2025`` or ``2019,2021,2025``."""
    if "-" in text:
        first, last = (int(part) for part in text.split("-", 1))
        return list(range(first, last + 1))
    return sorted({int(part) for part in text.split(",")})


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchone()[0]


def _rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def sizes(table: str) -> dict[str, int]:
    """Bytes of the table, its indexes and both, summed over its attached partitions."""
    from django.db import connection

    from cecert.core.partitioning import is_partitioned

    # pg_partition_tree() is empty for a plain table.
    tree = "pg_partition_tree(%s::regclass)" if is_partitioned(table) else "(SELECT %s::regclass relid, true isleaf) t"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(pg_table_size(relid)), SUM(pg_indexes_size(relid)), SUM(pg_total_relation_size(relid)),"
            f" COUNT(*) FILTER (WHERE isleaf) FROM {tree}",
            [table],
        )
        table_bytes, index_bytes, total_bytes, leaves = cursor.fetchone()
    return {
        "table_bytes": int(table_bytes),
        "index_bytes": int(index_bytes),
        "total_bytes": int(total_bytes),
        "tables": int(leaves),
    }


def consistent(step: str) -> None:
    from cecert.records.domain.sums import certified_sum_mismatches

    mismatches = certified_sum_mismatches()
    if mismatches:
        sys.exit(f"{step}: certified sums differ from the records for {mismatches[:5]} …")


def measure_queries(layout: str, year: int, ids: list[int], people: list[int], submitted: list[int], runs: int) -> None:
    from cecert.records.domain.sums import REBUILD_SELECT, certified_sum_mismatches
    from cecert.records.models import Record

    year_sql = f"SELECT count(*) FROM ({REBUILD_SELECT.format(live=' AND r.year = %s')}) q"
    groups = _scalar(year_sql, [year])
    seconds, times = _median(lambda: _scalar(year_sql, [year]), runs)
    emit("year_sums", layout=layout, year=year, groups=groups, seconds=round(seconds, 4), runs=_rounded(times))

    def get_each() -> None:
        for pk in ids:
            Record.objects.get(pk=pk)

    seconds, times = _median(get_each, runs)
    emit(
        "pk_get",
        layout=layout,
        lookups=len(ids),
        seconds=round(seconds, 4),
        ms_per_lookup=round(seconds / len(ids) * 1000, 4),
        runs=_rounded(times),
    )
    found = len(list(Record.objects.filter(pk__in=ids)))
    seconds, times = _median(lambda: list(Record.objects.filter(pk__in=ids)), runs)
    emit("pk_in", layout=layout, lookups=len(ids), found=found, seconds=round(seconds, 4), runs=_rounded(times))

    def person_years() -> int:
        return sum(len(list(Record.objects.filter(person_id=person, year=year))) for person in people)

    rows = person_years()
    seconds, times = _median(person_years, runs)
    emit(
        "person_year",
        layout=layout,
        year=year,
        lookups=len(people),
        rows=rows,
        seconds=round(seconds, 4),
        ms_per_lookup=round(seconds / len(people) * 1000, 4),
        runs=_rounded(times),
    )
    # A write through the certified-sums triggers (carried over by the conversion), checked, then undone:
    # the next layout starts from the same data.
    for state in ("certified", "submitted"):
        start = time.perf_counter()
        changed = Record.objects.filter(pk__in=submitted).update(state=state)
        emit(
            "set_state",
            layout=layout,
            state=state,
            records=changed,
            seconds=round(time.perf_counter() - start, 4),
        )
        if state == "certified":
            consistent(f"{layout}: {changed} records certified")
    mismatches = certified_sum_mismatches()
    seconds, times = _median(certified_sum_mismatches, runs)
    emit("sums_check", layout=layout, mismatches=len(mismatches), seconds=round(seconds, 4), runs=_rounded(times))
    if mismatches:
        sys.exit(f"{layout}: certified sums differ from the records for {mismatches[:5]} …")


def _rounded(times: list[float]) -> list[float]:
    return [round(t, 4) for t in times]


def convert(table: str, column: str, key: Key) -> None:
    """The conversion as the migration runs it (one transaction), with the table's sizes before it."""
    import datetime

    from django.db import connection

    from cecert.core import partitioning

    rows = _scalar(f'SELECT count(*) FROM "{table}"')
    emit("size", table=table, layout="plain", rows=rows, **sizes(table))
    this_year = datetime.date.today().year
    start = time.perf_counter()
    with connection.schema_editor() as editor:
        partitioning.partition_by_year(editor, table, column, key=key, years=[this_year - 1, this_year], ahead=2)
    seconds = time.perf_counter() - start
    if not partitioning.is_partitioned(table):
        sys.exit(f"{table} is not partitioned after partition_by_year")
    emit(
        "partition_by_year",
        table=table,
        rows=rows,
        seconds=round(seconds, 3),
        rows_per_s=round(rows / seconds) if seconds else None,
        # The server's setting, as a migration meets it: the index builds depend on it.
        maintenance_work_mem=_scalar("SHOW maintenance_work_mem"),
    )


def vacuum_analyze(table: str) -> None:
    """What an operator runs after the migration (which cannot: VACUUM refuses a transaction). Until
    then the copied rows have no visibility map, so no index-only scans, and no statistics; autovacuum
    gets to the partitions in its own time but never analyzes the partitioned parent."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{table}"')
    emit("vacuum_analyze_after_conversion", table=table, seconds=round(time.perf_counter() - start, 3))
    emit("size", table=table, layout="partitioned", rows=_scalar(f'SELECT count(*) FROM "{table}"'), **sizes(table))


def generate_audit(people: int, per_person: int, years: Sequence[int], *, bulk: bool = False) -> None:
    """Audit entries over the years, set-based: eight chains, dense sequences, distinct hashes. The hashes
    are not a real chain (nothing here walks it): the rows only need the shape and size of the trail's.

    ``bulk`` (the plain table): loaded as the compliance generator loads records, the secondary indexes
    and unique constraints dropped during the INSERT and built once after it.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        indexes: list[tuple[Any, ...]] = []
        uniques: list[tuple[Any, ...]] = []
        if bulk:
            indexes = _rows(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditentry' AND indexname"
                " NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'audit_auditentry'::regclass)"
            )
            uniques = _rows(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'audit_auditentry'::regclass AND contype = 'u'"
            )
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            for name, _ in uniques:
                cursor.execute(f'ALTER TABLE audit_auditentry DROP CONSTRAINT "{name}"')
        cursor.execute(
            "INSERT INTO audit_auditentry (sequence, at, actor_label, actor_role, source_ip, action, object_type,"
            " object_id, before, after, reason, previous_hash, entry_hash, actor_id, chain)"
            " SELECT g / 8, make_timestamptz(y, 1, 1, 0, 0, 0, 'Asia/Shanghai')"
            " + ((g::bigint * 7919) %% 31536000) * interval '1 second', '人员' || (g / %s), 'professional',"
            " '10.0.0.1', 'record.submit', 'records.record', (g / 2)::text, NULL,"
            " '{\"state\": \"submitted\"}'::jsonb, '', md5((g - 1)::text) || md5((g - 1)::text || 'x'),"
            " md5(g::text) || md5(g::text || 'x'), NULL, g %% 8"
            " FROM (SELECT g, (%s::int[])[1 + ((g %% %s) + (g / %s)) %% %s] AS y"
            "       FROM generate_series(0, %s - 1) g) s",
            [per_person, list(years), per_person, per_person, len(years), people * per_person],
        )
        if bulk:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in uniques:
                cursor.execute(f'ALTER TABLE audit_auditentry ADD CONSTRAINT "{name}" {definition}')
            for _, definition in indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
        cursor.execute("VACUUM ANALYZE audit_auditentry")


def detach_attach(year: int) -> None:
    from cecert.core import partitioning

    table, _, key = RECORDS
    rows = _scalar(f"SELECT count(*) FROM {table} WHERE year = %s", [year])
    start = time.perf_counter()
    partitioning.detach_year(table, year)
    emit("detach_year", table=table, year=year, rows=rows, seconds=round(time.perf_counter() - start, 4))
    left = _scalar(f"SELECT count(*) FROM {table} WHERE year = %s", [year])
    if left:
        sys.exit(f"{year} detached but {left} of its records still in {table}")
    consistent(f"{year} detached")  # the check leaves a detached year's sums alone
    start = time.perf_counter()
    partitioning.attach_year(table, key, year)
    seconds = time.perf_counter() - start
    emit(
        "attach_year",
        table=table,
        year=year,
        rows=rows,
        seconds=round(seconds, 4),
        rows_per_s=round(rows / seconds) if seconds else None,
    )
    back = _scalar(f"SELECT count(*) FROM {table} WHERE year = %s", [year])
    if back != rows:
        sys.exit(f"{year} attached again but {back} of its {rows} records are in {table}")
    consistent(f"{year} attached again")


def ensure_new_year() -> None:
    from cecert.core import partitioning

    table, column, key = RECORDS
    last = max(p.year for p in partitioning.year_partitions(table) if p.year is not None)
    start = time.perf_counter()
    created = partitioning.ensure_years(table, column, key, [last + 1])
    emit("ensure_years", table=table, years=created, seconds=round(time.perf_counter() - start, 4))
    if created != [last + 1]:
        sys.exit(f"ensure_years made {created}, not [{last + 1}]")


def ensure_caught_year(people: int, per_person: int) -> None:
    """A year the default partition caught (the daily job missed a New Year two years ahead): a year's
    worth of audit entries written there first, then ``ensure_years`` moves them into the year's own."""
    from cecert.core import partitioning

    table, column, key = AUDIT
    far = max(p.year for p in partitioning.year_partitions(table) if p.year is not None) + 2
    generate_audit(people, per_person, [far])
    default = partitioning.partition_name(table, None)
    rows = _scalar(f'SELECT count(*) FROM "{default}"')
    start = time.perf_counter()
    created = partitioning.ensure_years(table, column, key, [far])
    seconds = time.perf_counter() - start
    emit(
        "ensure_years_moving",
        table=table,
        years=created,
        rows=rows,
        seconds=round(seconds, 4),
        rows_per_s=round(rows / seconds) if seconds else None,
    )
    moved = _scalar(f'SELECT count(*) FROM "{partitioning.partition_name(table, far)}"')
    left = _scalar(f'SELECT count(*) FROM "{default}"')
    if created != [far] or moved != rows or left:
        sys.exit(f"ensure_years {far}: made {created}, moved {moved} of {rows}, {left} left in {default}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--years", type=parse_years, default=parse_years("2018-2025"), help="2018-2025 or 2019,2025")
    parser.add_argument("--records-per-person", type=int, default=10)
    parser.add_argument("--audit-per-person", type=int, default=10, help="audit entries, over the same years")
    parser.add_argument(
        "--before-vacuum",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run each query once right after the conversion (as the migration leaves the tables)",
    )
    parser.add_argument("--lookups", type=int, default=1000, help="records by id, and people, looked up per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default="cecert_bench_partitions")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")
    compliance = _compliance_bench()
    create_database(base, args.database, fresh=True)
    os.environ["DATABASE_URL"] = database_url(base, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cecert.core import partitioning

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    # Back to the plain tables of records 0005 / audit 0003 (empty here, so this is instant).
    with connection.schema_editor() as editor:
        for table, _, _ in (RECORDS, AUDIT):
            partitioning.unpartition(editor, table)
    emit("migrate_plain", database=args.database, seconds=round(time.perf_counter() - start, 1))

    note(f"generating {args.people:,} people × {args.records_per_person} records over {args.years} …")
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # its progress lines; stdout is JSON only
        compliance.generate(args.people, args.records_per_person, args.years)
    audit_start = time.perf_counter()
    if args.audit_per_person:
        generate_audit(args.people, args.audit_per_person, args.years, bulk=True)
    audit_seconds = time.perf_counter() - audit_start
    records = _scalar("SELECT count(*) FROM records_record")
    emit(
        "world",
        people=args.people,
        records=records,
        years=args.years,
        audit_entries=_scalar("SELECT count(*) FROM audit_auditentry"),
        seconds=round(time.perf_counter() - start, 1),
        audit_seconds=round(audit_seconds, 1),
    )

    # The same sample for every layout: ids over the whole table, people over all of them (most have
    # records in the year), the year's first submitted records.
    rng = random.Random(17)
    low, high = _scalar("SELECT MIN(id) FROM records_record"), _scalar("SELECT MAX(id) FROM records_record")
    # Distinct ids, all present: the generator took them from one sequence, so they are dense.
    ids = rng.sample(range(low, high + 1), min(args.lookups, high - low + 1))
    person_low, person_high = (
        _scalar("SELECT MIN(person_id) FROM records_record"),
        _scalar("SELECT MAX(person_id) FROM records_record"),
    )
    people = [rng.randint(person_low, person_high) for _ in range(args.lookups)]
    year = args.years[-1]
    submitted = [
        pk
        for (pk,) in _rows(
            "SELECT id FROM records_record WHERE year = %s AND state = 'submitted' ORDER BY id LIMIT %s",
            [year, args.lookups],
        )
    ]

    note("plain …")
    measure_queries("plain", year, ids, people, submitted, args.runs)
    note("converting …")
    for table, column, key in (RECORDS, AUDIT):
        convert(table, column, key)
    if args.before_vacuum:
        note("partitioned, before VACUUM ANALYZE (once each) …")
        measure_queries("partitioned_before_vacuum", year, ids, people, submitted, 1)
    for table, _, _ in (RECORDS, AUDIT):
        vacuum_analyze(table)
    note("partitioned …")
    measure_queries("partitioned", year, ids, people, submitted, args.runs)
    detach_attach(args.years[0])
    ensure_new_year()
    if args.audit_per_person:
        ensure_caught_year(args.people // len(args.years), args.audit_per_person)
    emit("done", partitioned=partitioning.is_partitioned(RECORDS[0]), records=records)


if __name__ == "__main__":
    main()
