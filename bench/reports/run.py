"""Benchmark: the province dashboard's queries vs a bare GROUP BY, and a flat-memory 100,000-row export.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/reports/run.py --people 1000000 --records-per-person 10

Uses a separate database ``cecert_bench_reports`` on the same server, filled by
the generator of ``bench/compliance/run.py`` (``INSERT … SELECT generate_series``:
people under 500 employers in 100 counties, provincial-direct units among
them, ten records a person, 7/8 certified). ``--reuse`` keeps existing data.

Times, in the same run and best of ``--runs``:

* ``bare``: ``SELECT person_id, SUM(amount) FROM records_record WHERE year = %s AND
  state = 'certified' GROUP BY person_id`` -- the bare grouped sum over the same table;
* each query the province dashboard page runs for the provincial HR officer:
  the area × industry grouped year status (``queries.dashboard``, one statement),
  the 10 largest shortfalls, the review backlog summary, and the trend (one
  grouped statement per year); ``ensure_person_years`` when nothing is missing;
* an .xlsx export of 100,000 people (and of 10,000, to show the memory is
  flat), each in a fresh child process reporting its peak RSS.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

YEAR = 2025
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for shared.py

from shared import create_database, database_url, load  # noqa: E402


def _timed(label: str, fn: Callable[[], Any], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<52} {best:8.3f} s", flush=True)
    return best


def _setup(database: str, fresh: bool, people: int, per_person: int) -> None:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")
    compliance = load("compliance")
    create_database(base, database, fresh=fresh)
    os.environ["DATABASE_URL"] = database_url(base, database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from cecert.accounts.models import Person

    if people == 0:  # an export child: the database is ready
        return
    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        print(f"generating {people:,} people × {per_person} records …", flush=True)
        compliance.generate(people, per_person)


def measure(runs: int) -> dict[str, float]:
    from django.db import connection
    from django.db.models import F

    from cecert.accounts.models import User
    from cecert.records.domain.years import ensure_person_years
    from cecert.records.models import PersonYear
    from cecert.reports.domain import queries
    from cecert.reports.domain.scope import report_scope

    officer = User.objects.get(username="bench_hr")
    scope = report_scope(officer)
    people = scope.people
    results: dict[str, float] = {}
    for year in (YEAR - 1, YEAR):
        if not PersonYear.objects.filter(year=year).exists():
            start = time.perf_counter()
            created = ensure_person_years(people, year)
            print(
                f"{'ensure_person_years ' + str(year) + ' (first call)':<52} "
                f"{time.perf_counter() - start:8.3f} s  ({created:,} rows)",
                flush=True,
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE records_personyear")

    bare_sql = (
        "SELECT person_id, SUM(amount) FROM records_record WHERE year = %s AND state = 'certified' GROUP BY person_id"
    )

    def bare() -> int:
        with connection.cursor() as cur:
            cur.execute(bare_sql, [YEAR])
            return len(cur.fetchall())

    def bare_count() -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM ({bare_sql}) q", [YEAR])
            return int(cur.fetchone()[0])

    results["bare_fetch"] = _timed("bare GROUP BY person (fetch all rows)", bare, runs)
    results["bare_count"] = _timed("bare GROUP BY person (count only)", bare_count, runs)
    keys = {"area": queries._area_key(scope.node)[1], "industry": F("employer__industry_id")}
    results["area_industry"] = _timed(
        "dashboard: area × industry grouped status",
        lambda: queries.grouped_figures(people, YEAR, keys, ensure=False),
        runs,
    )
    results["ensure_noop"] = _timed(
        "dashboard: ensure_person_years (nothing missing)", lambda: ensure_person_years(people, YEAR), runs
    )
    results["dashboard"] = _timed(
        "dashboard(): ensure + grouped + labels", lambda: queries.dashboard(scope, YEAR), runs
    )
    results["shortfall_top"] = _timed(
        "dashboard: 10 largest shortfalls", lambda: list(queries.shortfall_people(people, YEAR)[:10]), runs
    )
    results["backlog"] = _timed("dashboard: review backlog summary", lambda: queries.backlog_summary(people), runs)
    results["trend_year"] = _timed("trend: one year (ensure + grouped)", lambda: queries.trend(scope, [YEAR]), runs)
    city = report_scope(officer, region="410100")
    results["city_dashboard"] = _timed("dashboard(): one city (郑州)", lambda: queries.dashboard(city, YEAR), runs)
    page = results["dashboard"] + results["shortfall_top"] + results["backlog"]
    base = results["bare_fetch"]
    print(f"ratio area×industry grouped / bare:          {results['area_industry'] / base:.2f}")
    print(f"ratio dashboard() incl. ensure no-op / bare: {results['dashboard'] / base:.2f}")
    print(
        f"whole first paint (dashboard + top-10 + backlog):    {page:.3f} s "
        f"= {page / results['bare_fetch']:.2f} × bare; trend loads after, "
        f"{results['trend_year']:.3f} s a year"
    )
    return results


def _vm(field: str) -> int:
    """A memory figure of this process from /proc (KiB): VmRSS now, VmHWM the peak since the last reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def export_child(rows: int) -> None:
    """Runs in a fresh process: export ``rows`` people, print elapsed and peak RSS as JSON."""
    import tempfile

    from cecert.accounts.models import User
    from cecert.reports.domain import queries
    from cecert.reports.domain.scope import report_scope
    from cecert.reports.exports import write_xlsx
    from cecert.reports.tables import IdNumberPolicy, shortfall_table

    officer = User.objects.get(username="bench_hr")
    scope = report_scope(officer)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _vm("VmRSS")
    start = time.perf_counter()
    qs = queries.year_rows(scope.people, YEAR)[:rows]
    table = shortfall_table(qs.iterator(chunk_size=2000), IdNumberPolicy(officer), YEAR)
    with tempfile.TemporaryFile() as out:
        written = write_xlsx(table, out)
        size = out.tell()
    elapsed = time.perf_counter() - start
    peak = _vm("VmHWM")
    print(
        json.dumps(
            {
                "rows": written,
                "seconds": round(elapsed, 2),
                "bytes": size,
                "rss_before_kib": before,
                "peak_rss_kib": peak,
            }
        )
    )


def measure_exports(database: str) -> None:
    for rows in (10_000, 100_000):
        out = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, __file__, "--database", database, "--export-child", str(rows)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"export {result['rows']:>7,} rows: {result['seconds']:6.2f} s, {result['bytes'] / 1e6:5.1f} MB, "
            f"RSS {result['rss_before_kib'] / 1024:6.1f} MiB before → peak {result['peak_rss_kib'] / 1024:6.1f} MiB",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--records-per-person", type=int, default=10)
    parser.add_argument("--database", default="cecert_bench_reports")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database and its data")
    parser.add_argument("--export-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        _setup(args.database, False, 0, 0)
        export_child(args.export_child)
        return
    base = os.environ.get("DATABASE_URL", "")
    _setup(args.database, not args.reuse, args.people, args.records_per_person)
    os.environ["DATABASE_URL"] = base  # children derive the bench URL again
    from cecert.accounts.models import Person

    print(f"people: {Person.objects.count():,}", flush=True)
    measure(args.runs)
    measure_exports(args.database)


if __name__ == "__main__":
    main()
