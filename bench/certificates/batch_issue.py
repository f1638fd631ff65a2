"""Batch issuance throughput: N annual certificates (snapshots, no PDFs) for one department.

Run (PostgreSQL, a scratch database that this script drops and recreates)::

    .venv/bin/python bench/certificates/batch_issue.py --people 100000 \
        --database postgres://postgres@127.0.0.1:5432/cecert_bench

People, users and three certified records each are generated set-based
(``bulk_create``), then ``issue_annual_batch`` runs exactly as the background
task does. Prints one JSON line: generation time, issuance seconds,
certificates per second, peak RSS; then a second (resumed) run that must
create nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def generate(n: int, year: int) -> dict[str, float]:
    from django.core.management import call_command
    from django.utils import timezone

    from cecert.accounts.models import Person, User
    from cecert.organisations.models import Industry, Organisation, OrganisationKind, OrganisationState
    from cecert.organisations.uscc import make_uscc
    from cecert.records.models import Record
    from cecert.regions.models import Region

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    t_migrate = time.perf_counter() - t0
    zz = Region.objects.get(code="410100")
    districts = list(Region.objects.filter(parent=zz))
    Organisation.objects.create(
        kind=OrganisationKind.HR_DEPARTMENT,
        name="郑州市人力资源和社会保障局",
        region=zz,
        state=OrganisationState.APPROVED,
    )
    health = Industry.objects.get(code="health")
    employers = [
        Organisation.objects.create(
            kind=OrganisationKind.EMPLOYER,
            name=f"郑州单位{i}",
            region=districts[i % len(districts)],
            industry=health,
            state=OrganisationState.APPROVED,
            uscc=make_uscc(f"12410100MB{i:07d}"),
        )
        for i in range(50)
    ]
    now = timezone.now()
    t1 = time.perf_counter()
    chunk = 10_000
    for start in range(0, n, chunk):
        ids = range(start, min(n, start + chunk))
        users = User.objects.bulk_create(
            [
                User(username=f"bench{i}", display_name=f"张{i}", password="!")  # noqa: S106 - unusable password
                for i in ids
            ],
            batch_size=chunk,
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    user=u,
                    id_number_digest=f"{i:064d}",
                    id_number_encrypted="v1:bench",
                    id_number_masked="410105********0000",
                    name=f"张{i}",
                    gender="male",
                    birth_date=dt.date(1980, 1, 1),
                    education="bachelor",
                    specialty="临床医学",
                    title_series="卫生",
                    employer=employers[i % len(employers)],
                    state="approved",
                    certificate_number=f"410100{i:07d}",
                    approved_at=now,
                )
                for i, u in zip(ids, users, strict=True)
            ],
            batch_size=chunk,
        )
        end = dt.date(year, 6, 30)
        records = []
        for p in people:
            for subject, hours in (("public", 24), ("professional", 40), ("professional", 32)):
                records.append(
                    Record(
                        person=p,
                        year=year,
                        activity_type="training",
                        activity={
                            "type": "training",
                            "subject": subject,
                            "organizer": "provincial",
                            "hours": hours,
                            "date": end.isoformat(),
                        },
                        subject=subject,
                        title=f"{subject}培训",
                        form="面授",
                        start_date=end,
                        end_date=end,
                        hours=Decimal(hours),
                        amount=Decimal(hours),
                        explanation="bench",
                        clause="7(2)",
                        policy_id="bench",
                        channel="person",
                        state="certified",
                        dedupe_key=f"{p.pk}-{hours}",
                        created_by_id=p.user_id,
                        submitted_at=now,
                        certified_at=now,
                    )
                )
        Record.objects.bulk_create(records, batch_size=chunk)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as after any bulk load
    return {"migrate_s": round(t_migrate, 1), "generate_s": round(time.perf_counter() - t1, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--reuse", action="store_true", help="keep the generated people; drop certificates only")
    parser.add_argument("--profile", action="store_true", help="cProfile the issuance run")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/cecert_bench")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()
    from cecert.certificates.domain.issuance import issue_annual_batch, start_batch
    from cecert.certificates.domain.signing_keys import current_key
    from cecert.certificates.models import Certificate
    from cecert.organisations.models import Organisation

    if args.reuse:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE certificates_certificate, certificates_certificatebatch, certificates_serialcounter CASCADE"
            )
        out: dict[str, object] = {"people": args.people, "reused": True}
    else:
        out = {"people": args.people, **generate(args.people, args.year)}
    department = Organisation.objects.get(kind="hr", region__code="410100")
    current_key(department, create=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batch = start_batch(department, args.year, by=None)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t = time.perf_counter()
    batch = issue_annual_batch(batch, chunk_size=args.chunk)
    seconds = time.perf_counter() - t
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    assert batch.issued == args.people == Certificate.objects.count(), batch.issued
    t = time.perf_counter()
    again = issue_annual_batch(start_batch(department, args.year, by=None), chunk_size=args.chunk)
    resumed = time.perf_counter() - t
    assert again.issued == 0 and again.unchanged == args.people
    out.update(
        issue_s=round(seconds, 2),
        certificates_per_s=round(args.people / seconds),
        rerun_unchanged_s=round(resumed, 2),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        rss_before_issue_mb=round(rss_before / 1024),
        chunk=args.chunk,
        cpus=os.cpu_count(),
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
