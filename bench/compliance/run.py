"""Benchmark: jurisdiction-wide year status vs a bare GROUP BY sum, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/compliance/run.py --people 1000000 --records-per-person 10

Creates (or reuses, with --reuse) a separate database ``cecert_bench_compliance`` on the
same server, migrates it, generates people and records with
``INSERT … SELECT generate_series`` (no Python per row), runs ``VACUUM
ANALYZE`` and then times, in the same run:

* ``bare``: ``SELECT person_id, SUM(amount) FROM records_record GROUP BY person_id``;
* ``bare_filtered``: the same restricted to the year's certified records;
* ``ensure``: ``ensure_person_years`` creating every missing requirement row (first call only);
* ``status``: ``year_status(Person.objects.filter(person_scope(provincial HR officer)), year)``, the
  query the status page and reports run (PersonYear rows already present): people ⋈ PersonYear ⟕
  the trigger-maintained certified sums, no GROUP BY over records;
* ``ensure_noop``: the per-call check for missing requirement rows (an anti-join).

Records are bulk-loaded with their secondary indexes, foreign keys and the
certified-sums triggers off, then indexes and keys are rebuilt and the sums
recomputed once (``rebuild_certified_sums``), as a restore at this size would be.

Each query is fully fetched through a server-side cursor-less ``fetchall`` and
also timed as ``SELECT count(*) FROM (…)`` (database cost only); best of N runs.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for shared.py

from shared import create_database, database_url

YEAR = 2025


def _timed(label: str, fn: Callable[[], Any], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<40} {best:8.3f} s", flush=True)
    return best


def generate(people: int, per_person: int, years: Sequence[int] = ()) -> None:
    """People under 500 employers and ``per_person`` records each: 9 in 10 in ``YEAR``, the rest the year
    before, or, given ``years``, each person's records over those years in turn (``bench/partitions/run.py``)."""
    from django.db import connection

    from cecert.accounts.models import Membership, Role, User
    from cecert.organisations.models import Industry, Organisation, OrganisationKind, OrganisationState
    from cecert.organisations.uscc import make_uscc
    from cecert.regions.models import Region

    counties = list(Region.objects.filter(level="county").order_by("code")[:100])
    industries = list(Industry.objects.order_by("code"))
    province = Region.objects.get(code="410000")
    hr = Organisation.objects.create(
        kind=OrganisationKind.HR_DEPARTMENT, name="省人社厅", region=province, state=OrganisationState.APPROVED
    )
    authorities = {
        i.pk: Organisation.objects.create(
            kind=OrganisationKind.INDUSTRY_AUTHORITY,
            name=f"{i.name}主管部门",
            region=province,
            industry=i,
            state=OrganisationState.APPROVED,
        )
        for i in industries
    }
    employers = []
    for n in range(500):
        county, industry = counties[n % len(counties)], industries[n % len(industries)]
        employers.append(
            Organisation(
                kind=OrganisationKind.EMPLOYER,
                name=f"单位{n}",
                region=county,
                industry=industry,
                authority=authorities[industry.pk],
                provincial_direct=n % 50 == 0,
                uscc=make_uscc(f"12{county.code}MB{n:07d}"),
                state=OrganisationState.APPROVED,
                jurisdiction_path="410000/" if n % 50 == 0 else county.path,
            )
        )
    Organisation.objects.bulk_create(employers)
    officer = User.objects.create_user("bench_hr", "Bench@2026x", display_name="省人社厅经办人")
    Membership.objects.create(user=officer, role=Role.HR_OFFICER, organisation=hr)
    emp_ids = list(Organisation.objects.filter(kind="employer").order_by("pk").values_list("pk", flat=True))
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        user0 = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO accounts_user (id, password, username, display_name, phone, email, is_active, date_joined,"
            " password_must_change) SELECT %s + g, '!', 'bench-' || g, '人员' || g, '', '', true, now(), false"
            " FROM generate_series(1, %s) g",
            [user0, people],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), (SELECT MAX(id) FROM accounts_user))")
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_person")
        person0 = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO accounts_person (id, user_id, id_number_digest, id_number_encrypted, id_number_masked, name,"
            " gender, birth_date, education, specialty, title_series, employer_id, state, state_reason,"
            " registered_at) SELECT %s + g, %s + g, 'bench-' || g, '-', '-', '人员' || g, 'male', '1980-01-01',"
            " 'bachelor', '-', '-', (%s::bigint[])[1 + (g %% %s)], 'approved', '', now()"
            " FROM generate_series(1, %s) g",
            [person0, user0, emp_ids, len(emp_ids), people],
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('accounts_person', 'id'), (SELECT MAX(id) FROM accounts_person))"
        )
        print(f"people generated in {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        # A bulk load the way one restores or migrates data at this size: secondary indexes, foreign keys
        # and the certified-sums triggers off during the INSERT, then rebuilt once (each set-based).
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records_record'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'records_record'::regclass)"
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'records_record'::regclass AND contype = 'f'"
        )
        foreign_keys = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for name, _ in foreign_keys:
            cur.execute(f'ALTER TABLE records_record DROP CONSTRAINT "{name}"')
        cur.execute("ALTER TABLE records_record DISABLE TRIGGER USER")
        # Ten records a person: mostly certified, in the benchmark year, subjects and amounts mixed.
        year_sql, year_params = (
            # Shifted by the person, so that each year gets every state, subject and amount.
            ("(%s::int[])[1 + ((g %% %s) + (g / %s)) %% %s]", [list(years), per_person, per_person, len(years)])
            if years
            else ("CASE WHEN g %% 10 = 9 THEN %s - 1 ELSE %s END", [YEAR, YEAR])
        )
        cur.execute(
            "INSERT INTO records_record (person_id, year, activity_type, activity, subject, title, form, start_date,"
            " end_date, assessment, hours, amount, unit, deems_public, deems_professional, explanation, clause,"
            " completes, policy_id, channel, state, state_reason, state_changed_at, provenance, dedupe_key,"
            " created_by_id, created_at, updated_at)"
            f" SELECT %s + 1 + (g / %s), {year_sql}, 'online_course',"
            ' \'{"type": "online_course", "subject": "public", "hours": 6}\'::jsonb,'
            " CASE WHEN g %% 3 = 0 THEN 'public' ELSE 'professional' END, '课程', '', '2025-06-01', '2025-06-01', '',"
            " (g %% 7) * 2.5, (g %% 7) * 2.5, 'hour', g %% 9973 = 0, g %% 997 = 0, '-', '7(1)', '[]'::jsonb,"
            " 'henan-2017-121@2017-08-17', 'person', CASE WHEN g %% 8 = 0 THEN 'submitted' ELSE 'certified' END, '',"
            " now(), '[]'::jsonb, md5(g::text), %s, now(), now()"
            " FROM generate_series(0, %s - 1) g",
            [person0, per_person, *year_params, officer.pk, people * per_person],
        )
        print(f"records generated in {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            cur.execute(definition)
        for name, definition in foreign_keys:
            cur.execute(f'ALTER TABLE records_record ADD CONSTRAINT "{name}" {definition}')
        cur.execute("ALTER TABLE records_record ENABLE TRIGGER USER")
        print(f"indexes and foreign keys rebuilt in {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
    from cecert.records.domain.sums import rebuild_certified_sums

    rebuild_certified_sums()
    print(f"certified sums rebuilt in {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    connection.close()
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        password=db["PASSWORD"] or None,
        autocommit=True,
    ) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"vacuum analyze in {time.perf_counter() - start:.1f} s", flush=True)


def measure(runs: int) -> dict[str, float]:
    from django.db import connection

    from cecert.accounts.jurisdiction import person_scope
    from cecert.accounts.models import Person, User
    from cecert.records.domain.years import ensure_person_years, year_status
    from cecert.records.models import PersonYear

    officer = User.objects.get(username="bench_hr")
    people = Person.objects.filter(person_scope(officer), state="approved")
    results: dict[str, float] = {}
    if not PersonYear.objects.filter(year=YEAR).exists():
        start = time.perf_counter()
        created = ensure_person_years(people, YEAR)
        results["ensure"] = time.perf_counter() - start
        print(f"{'ensure_person_years (first call)':<40} {results['ensure']:8.3f} s  ({created} rows)", flush=True)
        with connection.cursor() as cur:
            cur.execute("ANALYZE records_personyear")
    status_sql, status_params = year_status(people, YEAR, ensure=False).query.sql_with_params()
    # The status columns a report reads (the page also loads the Person fields around them).
    columns = (
        "pk",
        "required_total",
        "required_public",
        "required_professional",
        "excused_days",
        "earned_public",
        "earned_professional",
        "earned_total",
        "deemed_public",
        "deemed_professional",
        "shortfall_public",
        "shortfall_professional",
        "shortfall_total",
        "met",
    )
    values_sql, values_params = year_status(people, YEAR, ensure=False).values(*columns).query.sql_with_params()
    bare_sql = "SELECT person_id, SUM(amount) FROM records_record GROUP BY person_id"
    filtered_sql = (
        "SELECT person_id, SUM(amount) FROM records_record WHERE year = %s AND state = 'certified' GROUP BY person_id"
    )

    def fetch(sql: str, params: Any) -> Callable[[], Any]:
        def run() -> int:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return len(cur.fetchall())

        return run

    def count(sql: str, params: Any) -> Callable[[], Any]:
        return fetch(f"SELECT count(*) FROM ({sql}) q", params)

    results["bare_count"] = _timed("bare GROUP BY (count only)", count(bare_sql, []), runs)
    results["bare_filtered_count"] = _timed("bare GROUP BY, year+certified (count)", count(filtered_sql, [YEAR]), runs)
    results["status_count"] = _timed("year_status province-wide (count only)", count(status_sql, status_params), runs)
    results["ensure_noop"] = _timed(
        "ensure_person_years (nothing missing)", lambda: ensure_person_years(people, YEAR), runs
    )
    results["ensure_recheck"] = _timed(
        "ensure_person_years (+ recheck of inputs)",
        lambda: ensure_person_years(people, YEAR, recheck_inputs=True),
        1,
    )
    from cecert.records.domain.sums import certified_sum_mismatches

    results["sums_check"] = _timed(
        "certified sums vs recomputation (check)", lambda: certified_sum_mismatches() and sys.exit("mismatch"), 1
    )
    results["bare_fetch"] = _timed("bare GROUP BY (fetch all rows)", fetch(bare_sql, []), runs)
    results["status_fetch"] = _timed("year_status province-wide (fetch all)", fetch(status_sql, status_params), runs)
    results["values_fetch"] = _timed("year_status status columns (fetch all)", fetch(values_sql, values_params), runs)
    bare = results["bare_fetch"]
    print(f"ratio status/bare (count only, database work): {results['status_count'] / results['bare_count']:.2f}")
    print(f"ratio status columns/bare (fetch all):         {results['values_fetch'] / bare:.2f}")
    with_ensure = results["values_fetch"] + results["ensure_noop"]
    print(f"ratio (ensure no-op + status columns)/bare:     {with_ensure / bare:.2f}")
    print(f"ratio whole Person rows + status/bare:         {results['status_fetch'] / bare:.2f}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--records-per-person", type=int, default=10)
    parser.add_argument("--database", default="cecert_bench_compliance")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database and its data")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")
    create_database(base, args.database, fresh=not args.reuse)
    os.environ["DATABASE_URL"] = database_url(base, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cecert.accounts.models import Person

    if not Person.objects.exists():
        print(f"generating {args.people:,} people × {args.records_per_person} records …", flush=True)
        generate(args.people, args.records_per_person)
    print(f"people: {Person.objects.count():,}", flush=True)
    measure(args.runs)


if __name__ == "__main__":
    main()
