"""Benchmark: year-end shortfall reminders for N people, queued and rendered, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/notifications/run.py --people 1000000
    # --reuse: keep an already generated database; --chunk: people per chunk task (default 2000)

Creates (or reuses) a separate database ``cecert_bench_notifications`` on the same server, migrates it
and generates, with ``INSERT … SELECT generate_series`` (no Python per row), N approved people whose
mobile number and e-mail address are verified, 500 employers, and certified records for 30 % of them
that meet the year's requirement (loaded with the triggers off, then the certified sums rebuilt once).
The other 70 % are short.

It then runs what the scheduler's ``shortfall_reminders`` job sets off, with the django-tasks database
backend, in this process:

1. ``start_shortfall_campaign``: the requirement rows for the year (``ensure_person_years``) and one
   chunk task queued per ``--chunk`` people;
2. every queued chunk task's body, ``remind_chunk``: one SQL selection of the short people in the range,
   the in-app text, e-mail subject and body and SMS text rendered from the Chinese templates for each,
   notifications and deliveries written with ``COPY``, and one delivery task queued per 200 deliveries.

Nothing is sent (the delivery tasks stay queued): the measurement is queueing and rendering. It prints
the time of each phase, the rows written, and the peak resident memory of the process
(``ru_maxrss``) after each phase. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for shared.py

from shared import create_database, database_url

YEAR = 2025
DATABASE = "cecert_bench_notifications"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(people: int) -> None:
    from django.db import connection

    from cecert.organisations.models import Industry, Organisation, OrganisationKind, OrganisationState
    from cecert.organisations.uscc import make_uscc
    from cecert.records.domain.sums import rebuild_certified_sums
    from cecert.regions.models import Region

    counties = list(Region.objects.filter(level="county").order_by("code")[:100])
    industries = list(Industry.objects.order_by("code"))
    province = Region.objects.get(code="410000")
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
    Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.EMPLOYER,
            name=f"单位{n}",
            region=counties[n % len(counties)],
            industry=industries[n % len(industries)],
            authority=authorities[industries[n % len(industries)].pk],
            uscc=make_uscc(f"12{counties[n % len(counties)].code}MB{n:07d}"),
            state=OrganisationState.APPROVED,
            jurisdiction_path=counties[n % len(counties)].path,
        )
        for n in range(500)
    )
    emp_ids = list(Organisation.objects.filter(kind="employer").order_by("pk").values_list("pk", flat=True))
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO accounts_user (id, password, username, display_name, phone, email, is_active, date_joined,"
            " password_must_change, phone_verified_at, email_verified_at)"
            " SELECT g, '!', 'bench-' || g, '人员' || g, '138' || lpad(g::text, 8, '0'), 'p' || g || '@example.cn',"
            " true, now(), false, now(), now() FROM generate_series(1, %s) g",
            [people],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %s)", [people])
        cur.execute(
            "INSERT INTO accounts_person (id, user_id, id_number_digest, id_number_encrypted, id_number_masked, name,"
            " gender, birth_date, education, specialty, title_series, employer_id, state, state_reason,"
            " registered_at) SELECT g, g, 'bench-' || g, '-', '-', '人员' || g, 'male', '1980-01-01',"
            " 'bachelor', '-', '-', (%s::bigint[])[1 + (g %% %s)], 'approved', '', now()"
            " FROM generate_series(1, %s) g",
            [emp_ids, len(emp_ids), people],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('accounts_person', 'id'), %s)", [people])
        cur.execute("ALTER TABLE records_record DISABLE TRIGGER USER")
        # 30 % meet the requirement: 40 public and 100 professional hours certified in the year.
        cur.execute(
            "INSERT INTO records_record (person_id, year, activity_type, activity, subject, title, form, start_date,"
            " end_date, assessment, hours, amount, unit, deems_public, deems_professional, explanation, clause,"
            " completes, policy_id, channel, state, state_reason, state_changed_at, provenance, dedupe_key,"
            " created_by_id, created_at, updated_at)"
            " SELECT p, %s, 'online_course', '{}'::jsonb, s.subject, '课程', '', '2025-06-01', '2025-06-01', '',"
            " s.hours, s.hours, 'hour', false, false, '-', '7(1)', '[]'::jsonb, 'henan-2017-121@2017-08-17',"
            " 'person', 'certified', '', now(), '[]'::jsonb, md5(p::text || s.subject), p, now(), now()"
            " FROM generate_series(1, %s) p, (VALUES ('public', 40), ('professional', 100)) s(subject, hours)"
            " WHERE p %% 10 < 3",
            [YEAR, people],
        )
        cur.execute("ALTER TABLE records_record ENABLE TRIGGER USER")
    rebuild_certified_sums()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"generated {people} people in {time.perf_counter() - start:.1f} s", flush=True)


def measure(chunk: int) -> dict[str, float]:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from cecert.notifications.domain.reminders import remind_chunk, start_shortfall_campaign
    from cecert.notifications.models import Delivery, Notification

    campaign = f"bench-{time.time():.0f}"
    results: dict[str, float] = {}
    start = time.perf_counter()
    started = start_shortfall_campaign(YEAR, campaign, chunk=chunk)
    results["campaign_s"] = time.perf_counter() - start
    print(
        f"campaign queued: {started['chunks']} chunk tasks in {results['campaign_s']:.1f} s,"
        f" peak RSS {_peak_mib():.0f} MiB",
        flush=True,
    )
    chunks = list(
        DBTaskResult.objects.filter(
            task_path="cecert.notifications.tasks.shortfall_chunk_task", status="READY"
        ).values_list("pk", "args_kwargs")
    )
    reminded = 0
    start = time.perf_counter()
    for pk, payload in chunks:
        year, name, first, last = payload["args"]
        if name != campaign:
            continue
        reminded += remind_chunk(year, name, first, last)
        DBTaskResult.objects.filter(pk=pk).update(status="SUCCESSFUL")
    results["chunks_s"] = time.perf_counter() - start
    results["reminded"] = reminded
    results["peak_rss_mib"] = _peak_mib()
    notifications = Notification.objects.filter(once_key__startswith=f"shortfall:{YEAR}:{campaign}:").count()
    deliveries = Delivery.objects.filter(
        event="reminder.shortfall", notification__once_key__startswith=f"shortfall:{YEAR}:{campaign}:"
    ).count()
    queued = DBTaskResult.objects.filter(task_path="cecert.notifications.tasks.deliver_task", status="READY").count()
    print(
        f"reminded {reminded} people ({notifications} notifications, {deliveries} deliveries,"
        f" {queued} delivery tasks queued) in {results['chunks_s']:.1f} s"
        f" = {reminded / max(results['chunks_s'], 1e-9):.0f} people/s; peak RSS {results['peak_rss_mib']:.0f} MiB",
        flush=True,
    )
    connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true", help="keep an already generated database")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (the bench makes its own database there)")
    create_database(base, DATABASE, fresh=not args.reuse)
    os.environ["DATABASE_URL"] = database_url(base, DATABASE)
    os.environ["CECERT_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    os.environ["CECERT_QUIET_HOURS"] = ""  # the same work whatever the hour of the run
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cecert.accounts.models import Person

    if not args.reuse or not Person.objects.exists():
        generate(args.people)
    measure(args.chunk)


if __name__ == "__main__":
    main()
