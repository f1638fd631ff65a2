"""Benchmark: the province dashboard from the kept per-employer figures vs the bare GROUP BY (issue 17 item 2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/reports/kept.py --people 5300000 --records-per-person 10

Uses its own database (``--database``, default ``cecert_bench_kept``) filled by the generator of
``bench/compliance/run.py`` (through ``bench/reports/run.py``'s set-up). In the same run, best of
``--runs``: the bare grouped sum of certified records per person; the dashboard's grouped year status
over people (what the first paint ran before); ``cecert figures rebuild`` of the year (once);
``dashboard()`` reading the kept rows (the first paint now); and the consistency check: the kept
figures equal a recomputation (``figure_mismatches`` is empty), else the script exits non-zero.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for shared.py

from shared import load  # noqa: E402

YEAR = 2025


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--records-per-person", type=int, default=10)
    parser.add_argument("--database", default="cecert_bench_kept")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database and its data")
    args = parser.parse_args()
    reports = load("reports")
    reports._setup(args.database, not args.reuse, args.people, args.records_per_person)

    from django.db import connection
    from django.db.models import F

    from cecert.accounts.models import Person, User
    from cecert.records.domain.years import ensure_person_years
    from cecert.reports.domain import queries
    from cecert.reports.domain.figures import figure_mismatches, rebuild_year
    from cecert.reports.domain.scope import report_scope
    from cecert.reports.models import KeptYear

    print(f"people: {Person.objects.count():,}", flush=True)
    scope = report_scope(User.objects.get(username="bench_hr"))
    ensure_person_years(scope.people, YEAR)
    bare_sql = (
        "SELECT person_id, SUM(amount) FROM records_record WHERE year = %s AND state = 'certified' GROUP BY person_id"
    )

    def bare() -> int:
        with connection.cursor() as cur:
            cur.execute(bare_sql, [YEAR])
            return len(cur.fetchall())

    keys = {"area": queries._area_key(scope.node)[1], "industry": F("employer__industry_id")}
    t_bare = reports._timed("bare GROUP BY person (fetch all rows)", bare, args.runs)
    KeptYear.objects.filter(year=YEAR).delete()  # the year computed from people, as before
    t_grouped = reports._timed(
        "dashboard grouped status over people (before)",
        lambda: queries.grouped_figures(scope.people, YEAR, keys, ensure=False),
        args.runs,
    )
    start = time.perf_counter()
    rows = rebuild_year(YEAR)
    print(f"{'cecert figures rebuild ' + str(YEAR):<52} {time.perf_counter() - start:8.3f} s  ({rows:,} rows)")
    t_kept = reports._timed(
        "dashboard() from the kept figures (first paint)", lambda: queries.dashboard(scope, YEAR), 3
    )
    start = time.perf_counter()
    mismatches = figure_mismatches(YEAR)
    print(f"{'consistency check (kept = recomputation)':<52} {time.perf_counter() - start:8.3f} s", flush=True)
    print(f"ratio kept dashboard / bare: {t_kept / t_bare:.3f}; grouped over people / bare: {t_grouped / t_bare:.2f}")
    if mismatches:
        sys.exit(f"kept figures differ from a recomputation for {len(mismatches)} employers")
    print("kept figures equal the recomputation")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    main()
