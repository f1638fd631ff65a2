"""Import benchmark: a 100,000-row .xlsx of base completions, dry run and commit, against a baseline.

The baseline, in the same run and on the same database, only reads the file
with python-calamine and bulk-inserts one record per row (no validation, no
crediting, no ledger). Each phase runs in its own process so its peak memory
(``ru_maxrss``) is its own.

    .venv/bin/python bench/import/run.py [--rows 100000] [--db sqlite|postgres URL] [--profile]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH_PASSWORD = "Bench@2026pass"  # noqa: S105 - a throwaway database
ROOT = HERE.parent.parent


def _django(db_url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["CECERT_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(rows: int, workdir: Path) -> dict[str, Any]:
    """Migrate, create a recognised base, ``rows`` registered people enrolled in 10 programs, and the .xlsx."""
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone
    from openpyxl import Workbook

    from cecert.accounts.models import Membership, Person, RegistrationState, Role, User
    from cecert.catalogs.domain.bases import (
        BaseApplication,
        ProgramInput,
        apply_for_recognition,
        publish_program,
        transition_base,
    )
    from cecert.catalogs.models import Enrolment
    from cecert.core.crypto import encrypt_text
    from cecert.organisations.models import Industry, Organisation, OrganisationState
    from cecert.organisations.uscc import make_uscc
    from cecert.regions.models import Region

    call_command("migrate", verbosity=0)
    region = Region.objects.get(code="410105")
    industry, _ = Industry.objects.get_or_create(code="health", defaults={"name": "卫生健康"})
    hr = Organisation.objects.create(kind="hr", name="金水区人社局", region=region, state=OrganisationState.APPROVED)
    hr_user = User.objects.create_user("bench_hr", BENCH_PASSWORD, display_name="人社")
    Membership.objects.create(user=hr_user, role=Role.HR_OFFICER, organisation=hr)
    employer = Organisation.objects.create(
        kind="employer",
        name="基准医院",
        region=region,
        industry=industry,
        uscc=make_uscc("12410105MB0000001"),
        state=OrganisationState.APPROVED,
    )
    base = apply_for_recognition(
        BaseApplication(
            name="基准基地",
            region=region,
            scope="全科",
            admin_username="bench_base",
            admin_name="基地",
            admin_phone="13800000000",
            admin_password=BENCH_PASSWORD,
        )
    )
    transition_base(base, "recognised", by=hr_user)
    admin = User.objects.get(username="bench_base")
    programs = [
        publish_program(
            base,
            ProgramInput(
                title=f"培训班{n}",
                subject="public",
                form="classroom",
                hours=Decimal(12),
                start_date=dt.date(2026, 3, 1),
                end_date=dt.date(2026, 3, 3),
                capacity=rows,
            ),
            by=admin,
        )
        for n in range(5)
    ]
    encrypted = encrypt_text("410105198001010011")
    now = timezone.now()
    batch = 5000
    numbers = []
    for start in range(0, rows, batch):
        users = User.objects.bulk_create(
            [
                User(username=f"id:bench{n}", display_name=f"人员{n}", password="!")  # noqa: S106 - unusable
                for n in range(start, min(rows, start + batch))
            ]
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    user=u,
                    id_number_digest=f"{n:064x}",
                    id_number_encrypted=encrypted,
                    id_number_masked="410105********0011",
                    name=f"人员{n}",
                    gender="male",
                    birth_date=dt.date(1980, 1, 1),
                    education="bachelor",
                    specialty="临床医学",
                    title_series="卫生",
                    employer=employer,
                    state=RegistrationState.APPROVED,
                    certificate_number=f"410105{n:07d}",
                    approved_at=now,
                )
                for n, u in zip(range(start, min(rows, start + batch)), users, strict=True)
            ]
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(program=programs[n % len(programs)], person=p, enrolled_by=admin)
                for n, p in zip(range(start, start + len(people)), people, strict=True)
            ]
        )
        numbers.extend(
            (p.certificate_number, p.name, programs[n % len(programs)].pk)
            for n, p in zip(range(start, start + len(people)), people, strict=True)
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("base_completions")
    sheet.append(["证书管理号或身份证号码 [person]", "姓名 [name]", "培训项目编号 [program]", "考核结果 [assessment]"])
    for number, name, program_id in numbers:
        sheet.append([number, name, program_id, "合格"])
    path = workdir / "completions.xlsx"
    workbook.save(path)
    return {
        "rows": rows,
        "file": str(path),
        "file_mb": round(path.stat().st_size / 1e6, 2),
        "admin": admin.pk,
        "base": base.pk,
    }


def baseline(info: dict[str, Any], *, copy: bool = False) -> dict[str, Any]:
    """Read with calamine and bulk-insert one draft record per row: the floor any import must pay.

    ``copy``: insert with ``cecert.core.bulk.insert_rows`` (``COPY`` on PostgreSQL, as the import's
    own commit does) instead of Django's ``bulk_create``: the stricter floor.
    """
    from django.db import transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from cecert.accounts.models import Person
    from cecert.core.bulk import insert_rows
    from cecert.records.models import Record

    started = time.perf_counter()
    ids = dict(Person.objects.values_list("certificate_number", "pk"))
    workbook = CalamineWorkbook.from_path(info["file"])
    rows = workbook.get_sheet_by_index(0).iter_rows()
    next(rows)
    chunk: list[Record] = []
    now = timezone.now()
    import datetime as dt

    fields = [f for f in Record._meta.concrete_fields if not f.primary_key]

    def flush() -> None:
        with transaction.atomic():
            if copy:
                columns = [f.attname for f in fields]
                insert_rows(Record, columns, [tuple(getattr(r, c) for c in columns) for r in chunk])
            else:
                Record.objects.bulk_create(chunk, batch_size=1000)
        chunk.clear()

    for n, row in enumerate(rows):
        chunk.append(
            Record(
                person_id=ids[row[0]],
                year=2026,
                activity_type="training_base",
                activity={"type": "training_base", "subject": "public", "hours": 12},
                subject="public",
                title=str(row[1]),
                start_date=dt.date(2026, 3, 1),
                end_date=dt.date(2026, 3, 3),
                assessment=str(row[3]),
                hours=12,
                amount=12,
                explanation="",
                clause="7(1)",
                policy_id="baseline",
                channel="base",
                source_id=info["base"],
                created_by_id=info["admin"],
                dedupe_key=f"baseline{n}",
                state_changed_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        if len(chunk) >= 2000:
            flush()
    flush()
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    baseline_rows = Record.objects.filter(policy_id="baseline")
    count = baseline_rows.count()
    baseline_rows._raw_delete(baseline_rows.db)  # never-submitted drafts of the bench: one DELETE statement
    return {"seconds": round(seconds, 2), "inserted": count, "peak_mb": round(peak, 1)}


def import_phase(info: dict[str, Any], phase: str) -> dict[str, Any]:
    from cecert.accounts.models import User
    from cecert.catalogs.domain.imports import check_import, commit_import, create_import
    from cecert.organisations.models import Organisation

    admin = User.objects.get(pk=info["admin"])
    base = Organisation.objects.get(pk=info["base"])
    started = time.perf_counter()
    with open(info["file"], "rb") as handle:
        run, _ = create_import(base, kind="base_completions", filename="completions.xlsx", content=handle, by=admin)
    if phase == "dry_run":
        run = check_import(run)
        result = {"accepted": run.accepted_rows, "rejected": run.rejected_rows}
    else:
        run = commit_import(run, by=admin)
        result = {"committed": run.committed_rows, "rejected": run.rejected_rows}
    return {"seconds": round(time.perf_counter() - started, 2), **result, "peak_mb": round(_peak_mb(), 1)}


def _child(args: argparse.Namespace) -> None:
    _django(args.db, args.var)
    info = json.loads(Path(args.var, "info.json").read_text()) if args.phase != "setup" else {}
    if args.profile and args.phase != "setup":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    if args.phase == "setup":
        result = setup(args.rows, Path(args.var))
        Path(args.var, "info.json").write_text(json.dumps(result))
    elif args.phase in ("baseline", "baseline_copy"):
        result = baseline(info, copy=args.phase == "baseline_copy")
    else:
        result = import_phase(info, args.phase)
    if args.profile and args.phase != "setup":
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--phase", default="")
    parser.add_argument("--var", default="")
    args = parser.parse_args()
    if args.phase:
        _child(args)
        return
    var = tempfile.mkdtemp(prefix="cecert-bench-")
    db = args.db or f"sqlite:///{var}/bench.sqlite3"
    server, name = db, ""
    if db.startswith("postgres"):
        # a fresh database for the run, dropped at the end
        import psycopg

        name = f"cecert_bench_{os.getpid()}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        db = db.rsplit("/", 1)[0] + "/" + name
    try:
        _run_phases(args, db, var)
    finally:
        shutil.rmtree(var, ignore_errors=True)
        if name:
            import psycopg

            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_phases(args: argparse.Namespace, db: str, var: str) -> None:
    results: dict[str, Any] = {"database": db.split(":", 1)[0]}
    for phase in ("setup", "baseline", "baseline_copy", "dry_run", "commit"):
        command = [sys.executable, __file__, "--phase", phase, "--rows", str(args.rows), "--db", db, "--var", var]
        if args.profile:
            command.append("--profile")
        out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
        if args.profile:
            sys.stderr.write(out.stderr)
        results[phase] = json.loads(out.stdout.strip().splitlines()[-1])
        print(phase, results[phase], flush=True)
    base = results["baseline"]["seconds"]
    results["dry_run_ratio"] = round(results["dry_run"]["seconds"] / base, 2)
    results["commit_ratio"] = round(results["commit"]["seconds"] / base, 2)
    # against the stricter floor: the baseline rows inserted the way the commit inserts its own
    results["commit_ratio_copy_baseline"] = round(results["commit"]["seconds"] / results["baseline_copy"]["seconds"], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
