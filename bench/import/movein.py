"""Moving-in benchmark: N people (kept certificate numbers) and one past year each, dry run and commit.

Builds the current platform's export in the documented layout (docs/moving-in.md),
then times, for the people file and the years file: upload (with the file checks),
the dry run, and the commit; peak memory (``ru_maxrss``) at the end.

    .venv/bin/python bench/import/movein.py [--people 100000] [--db sqlite|postgres URL]

Not part of the test suite. On PostgreSQL a fresh database is created and dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_PASSWORD = "Bench@2026pass"  # noqa: S105 - a throwaway database


def _django(db_url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["CECERT_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()


def _files(people: int, workdir: Path, employer_uscc: str, issuer: str, year: int) -> tuple[Path, Path]:
    from openpyxl import Workbook

    from cecert.accounts.idnumbers import make_id_number
    from cecert.movein.domain.layout import PEOPLE_COLUMNS, YEAR_COLUMNS

    people_book, years_book = Workbook(write_only=True), Workbook(write_only=True)
    people_sheet, years_sheet = people_book.create_sheet("人员"), years_book.create_sheet("历年学时")
    people_sheet.append([c.title for c in PEOPLE_COLUMNS])
    years_sheet.append([c.title for c in YEAR_COLUMNS])
    for n in range(people):
        id_number = make_id_number("410105", dt.date(1960, 1, 1) + dt.timedelta(days=n // 1000), n % 1000)
        number = f"410105{n + 1:07d}"
        name = f"人员{n}"
        people_sheet.append(
            [name, id_number, number, employer_uscc, "", "主治医师", "临床医学", "大学本科", "13800000000", ""]
        )
        years_sheet.append(
            [name, id_number, number, year, 30, 60, "是", f"{year}-4101-{n:07d}", issuer, f"{year + 1}-03-01"]
        )
    people_path, years_path = workdir / "people.xlsx", workdir / "years.xlsx"
    people_book.save(people_path)
    years_book.save(years_path)
    return people_path, years_path


def run(people: int, workdir: Path) -> dict[str, Any]:
    from django.core.management import call_command

    from cecert.accounts.models import Membership, Role, User
    from cecert.catalogs.domain.imports import check_import, commit_import, create_import
    from cecert.crediting.evaluation import today_in_henan
    from cecert.organisations.models import Industry, Organisation, OrganisationState
    from cecert.organisations.uscc import make_uscc
    from cecert.regions.models import Region

    call_command("migrate", verbosity=0)
    industry, _ = Industry.objects.get_or_create(code="health", defaults={"name": "卫生健康"})
    hr = Organisation.objects.create(
        kind="hr", name="郑州市人社局", region=Region.objects.get(code="410100"), state=OrganisationState.APPROVED
    )
    officer = User.objects.create_user("bench_hr", BENCH_PASSWORD, display_name="人社")
    Membership.objects.create(user=officer, role=Role.HR_OFFICER, organisation=hr)
    employer = Organisation.objects.create(
        kind="employer",
        name="基准医院",
        region=Region.objects.get(code="410105"),
        industry=industry,
        uscc=make_uscc("12410105MB0000001"),
        state=OrganisationState.APPROVED,
    )
    started = time.perf_counter()
    people_path, years_path = _files(people, workdir, employer.uscc or "", hr.name, today_in_henan().year - 1)
    results: dict[str, Any] = {"people": people, "build_files_s": round(time.perf_counter() - started, 2)}
    for kind, path in (("movein_people", people_path), ("movein_years", years_path)):
        timings: dict[str, Any] = {"file_mb": round(path.stat().st_size / 1e6, 2)}
        started = time.perf_counter()
        with path.open("rb") as handle:
            run_, _ = create_import(hr, kind=kind, filename=path.name, content=handle, by=officer)
        timings["upload_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        run_ = check_import(run_)
        timings["dry_run_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        run_ = commit_import(run_, by=officer)
        timings["commit_s"] = round(time.perf_counter() - started, 2)
        timings["committed"], timings["rejected"] = run_.committed_rows, run_.rejected_rows
        results[kind] = timings
    results["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="cecert-bench-movein-")
    db = args.db or f"sqlite:///{var}/bench.sqlite3"
    server, name = db, ""
    if db.startswith("postgres"):
        import psycopg

        name = f"cecert_bench_movein_{os.getpid()}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        db = db.rsplit("/", 1)[0] + "/" + name
    try:
        _django(db, var)
        print(json.dumps(run(args.people, Path(var)), ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(var, ignore_errors=True)
        if name:
            import psycopg

            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
