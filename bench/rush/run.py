"""The year-end rush: a December evening's mix against nginx + two gunicorn instances, stepped and bounded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres PYTHONPATH=src \\
        .venv/bin/python bench/rush/run.py --people 2000 --steps 10,20,40 --step-seconds 60
    # --argon2-only measures the login's hashing cost and stops
    # --audit-chains 1: the platform with one audit chain (ADR 0025's default is 16), for comparison

1. **Argon2 per login, one core**: ``--argon2-runs`` runs of ``--argon2-verifications`` password
   verifications with the project's hasher (``TunedArgon2PasswordHasher``) in this process; the
   minimum run is the cost least disturbed by other work on the machine; OWASP's single-lane
   Argon2id settings are measured the same way for comparison.
2. **The world** (database ``cecert_bench_rush``, fresh): the demo's organisations and officers
   (``build_demo_world`` without people), one employer per concurrent reviewer, N professionals by
   ``INSERT … SELECT generate_series`` sharing one password hash, employer admins with confirmed
   authenticators and recovery codes (fresh ones for every step), and ``--certificates``
   professionals with certified 2025 records and an issued annual certificate (number, name and
   signed QR payload written out for the verifiers).
   Then ``--visits`` professionals' visits (login … logout) in this process through Django's test
   client, ``DEBUG`` off: the median CPU per request, which with step 1 gives the cores per login.
3. **The platform**: ``tests/deploy/instances.py`` (the deploy test's helper): the shipped nginx site
   with TLS in front of two gunicorn instances in production mode (``deploy/gunicorn.conf.py``),
   PostgreSQL, Redis (db 12, flushed), an S3 store (moto) and a ``cecert db_worker``.
4. **Locust** (``bench/rush/locustfile.py``), headless, once per step of ``--steps`` users, each step
   ``--step-seconds`` long (and killed 90 s after that at the latest). One JSON line per step:
   users, requests/s, p50/p95/p99, errors, the same per request name (the login apart), and the audit
   entries appended per second (``--audit-chains 1`` runs the platform with one audit chain to compare).
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for shared.py

from shared import create_database  # noqa: E402

ROOT = HERE.parents[1]
DATABASE = "cecert_bench_rush"
REDIS_URL = "redis://127.0.0.1:6379/12"
PASSWORD = "Rush@2026cecert"  # noqa: S105  (a benchmark account's password, printed in the world file)
CERTIFIED_YEAR = 2025


# OWASP's Password Storage Cheat Sheet lists these Argon2id settings as equivalent minimums (memory KiB, passes).
OWASP_ARGON2ID = ((47104, 1), (19456, 2), (12288, 3))


def _verification_cpu(verify: Callable[[], object], verifications: int, runs: int) -> tuple[float, float, list[float]]:
    """(minimum CPU s, minimum wall s, CPU s of each run) per verification."""
    cpu, wall = [], []
    for _ in range(runs):
        started_cpu, started = time.process_time(), time.perf_counter()  # process CPU: others' load is not counted
        for _ in range(verifications):
            verify()
        cpu.append((time.process_time() - started_cpu) / verifications)
        wall.append((time.perf_counter() - started) / verifications)
    return min(cpu), min(wall), cpu


def argon2_cost(verifications: int, runs: int) -> dict[str, Any]:
    """Seconds of one core per password verification: the minimum over ``runs`` runs of ``verifications``,
    for the project's hasher and, for comparison, OWASP's single-lane Argon2id settings (argon2-cffi)."""
    from argon2 import PasswordHasher

    from cecert.accounts.hashers import TunedArgon2PasswordHasher

    hasher = TunedArgon2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    cpu, wall, each = _verification_cpu(lambda: hasher.verify(PASSWORD, encoded), verifications, runs)
    alternatives = {}
    for memory, passes in OWASP_ARGON2ID:
        other = PasswordHasher(time_cost=passes, memory_cost=memory, parallelism=1)
        other_hash = other.hash(PASSWORD)
        other_cpu, _, _ = _verification_cpu(functools.partial(other.verify, other_hash, PASSWORD), verifications, runs)
        alternatives[f"m={memory // 1024}MiB,t={passes},p=1"] = round(other_cpu, 4)
    return {
        "argon2": {"time_cost": hasher.time_cost, "memory_kib": hasher.memory_cost, "lanes": hasher.parallelism},
        "verifications_per_run": verifications,
        "runs": runs,
        "cpu_s_per_login_min": round(cpu, 4),
        "wall_s_per_login_min": round(wall, 4),
        "cpu_s_per_login_runs": [round(c, 4) for c in each],
        "owasp_alternatives_cpu_s": alternatives,
    }


def visit_cpu(people: list[str], warm_up: int = 3) -> dict[str, Any]:
    """Median CPU of this process per request of a professional's visit, in-process (Django's test client,
    ``DEBUG`` off): what one application core spends, without nginx, TLS or the database's own CPU."""
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from cecert.demo.world import blank_pdf

    pdf = blank_pdf()
    spent: dict[str, list[float]] = {}

    def timed(name: str, send: Callable[..., Any], *args: Any) -> Any:
        started = time.process_time()
        response = send(*args)
        spent.setdefault(name, []).append(time.process_time() - started)
        if response.status_code >= 400:
            raise RuntimeError(f"{name}: {response.status_code}")
        return response

    for index, username in enumerate(people):
        if index == warm_up:
            spent.clear()
        client = Client()
        timed("login page", client.get, "/accounts/login/")
        timed("login", client.post, "/accounts/login/", {"username": username, "password": PASSWORD})
        timed("progress", client.get, "/records/progress/")
        timed("declare form", client.get, "/records/declare/?type=online_course")
        declaration = {
            "title": f"年终网络课程 {uuid.uuid4().hex[:8]}",
            "form": "网络学习",
            "start_date": "2026-11-20",
            "end_date": "2026-11-22",
            "assessment": "合格",
            "a-subject": "public",
            "a-hours": "6",
        }
        detail = timed("declare", client.post, "/records/declare/?type=online_course", declaration)["Location"]
        timed("record page", client.get, detail)
        upload = {"kind": "completion", "file": SimpleUploadedFile("证明.pdf", pdf, "application/pdf")}
        timed("upload proof", client.post, f"{detail}proofs/", upload)
        timed("submit", client.post, f"{detail}transition/", {"to": "submitted"})
        timed("logout", client.post, "/accounts/logout/")
    medians = {name: round(statistics.median(values) * 1000, 1) for name, values in spent.items()}
    return {"visits": len(people) - warm_up, "cpu_ms_median": medians, "visit_cpu_ms": round(sum(medians.values()), 1)}


def build_world(people: int, reviewers: int, employers: int, certificates: int) -> dict[str, Any]:
    """The rush's accounts and certificates; set-based for the professionals (see the module docstring)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from cecert.accounts.domain.numbering import allocate_certificate_number
    from cecert.accounts.domain.second_factor import enrol_device, issue_recovery_codes
    from cecert.accounts.models import Membership, Person, Role, User
    from cecert.certificates.domain.issuance import issue_annual_certificate
    from cecert.certificates.domain.rendering import qr_payload
    from cecert.demo.world import build_demo_world
    from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
    from cecert.organisations.uscc import make_uscc
    from cecert.regions.domain import certificate_prefix

    build_demo_world(people=0)
    # One employer per concurrent reviewer (like the demo's hospital in 金水区): two reviewers of one employer
    # would race for the same records, and the second batch would find them approved already.
    model = Organisation.objects.get(kind=OrganisationKind.EMPLOYER, uscc=make_uscc("12410105MB0000001"))
    Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.EMPLOYER,
            name=f"郑州市金水区第{n}医院",
            region=model.region,
            industry=model.industry,
            authority=model.authority,
            uscc=make_uscc(f"12410105MB{1000 + n:07d}"),
            state=OrganisationState.APPROVED,
            jurisdiction_path=model.jurisdiction_path,
        )
        for n in range(employers)
    )
    rush_employers = list(
        Organisation.objects.filter(name__startswith="郑州市金水区第").select_related("region").order_by("pk")
    )
    password = make_password(PASSWORD)  # one hash for all: every login still verifies it in full
    world: dict[str, Any] = {"password": PASSWORD, "professionals": [], "reviewers": [], "certificates": []}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        user0 = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO accounts_user (id, password, username, display_name, phone, email, is_active, date_joined,"
            " password_must_change) SELECT %s + g, %s, 'rush-' || g, '人员' || g, '', '', true, now(), false"
            " FROM generate_series(1, %s) g",
            [user0, password, people],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), (SELECT MAX(id) FROM accounts_user))")
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_person")
        person0 = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO accounts_person (id, user_id, id_number_digest, id_number_encrypted, id_number_masked, name,"
            " gender, birth_date, education, specialty, title_series, employer_id, state, state_reason,"
            " registered_at, approved_at) SELECT %s + g, %s + g, 'rush-' || g, '-', '-', '人员' || g, 'male',"
            " '1980-01-01', 'bachelor', '临床医学', '卫生', (%s::bigint[])[1 + (g %% %s)], 'approved', '', now(), now()"
            " FROM generate_series(1, %s) g",
            [person0, user0, [e.pk for e in rush_employers], employers, people],
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('accounts_person', 'id'), (SELECT MAX(id) FROM accounts_person))"
        )
    world["professionals"] = [f"rush-{g}" for g in range(1, people + 1)]

    # Reviewers: employer admins with a confirmed authenticator each (a code is accepted once per account,
    # so every concurrent reviewer needs an account of its own).
    for index in range(reviewers):
        employer = rush_employers[index % employers]
        user = User.objects.create(username=f"rush-reviewer-{index}", display_name=f"{employer.name}审核员{index}")
        User.objects.filter(pk=user.pk).update(password=password)
        Membership.objects.create(user=user, role=Role.EMPLOYER_ADMIN, organisation=employer)
        device = enrol_device(user, confirmed=True)
        issue_recovery_codes(user)  # as an enrolled officer has them (without, the first login shows new ones)
        world["reviewers"].append({"username": user.username, "totp_secret": device.secret})

    # Certificates to verify: the first professionals, with a number, certified 2025 records and a certificate.
    holders = list(
        Person.objects.filter(user__username__startswith="rush-")
        .select_related("employer__region")
        .order_by("pk")[:certificates]
    )
    for person in holders:
        person.certificate_number = allocate_certificate_number(
            certificate_prefix(person.employer.region, provincial_direct=person.employer.provincial_direct)
        )
    Person.objects.bulk_update(holders, ["certificate_number"])
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT id FROM accounts_user WHERE username = 'base1'")
        creator = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO records_record (person_id, year, activity_type, activity, subject, title, form, start_date,"
            " end_date, assessment, hours, amount, unit, deems_public, deems_professional, explanation, clause,"
            " completes, policy_id, channel, state, state_reason, state_changed_at, provenance, dedupe_key,"
            " created_by_id, created_at, updated_at)"
            " SELECT p, %s, 'online_course', jsonb_build_object('type', 'online_course', 'subject', s, 'hours', h),"
            " s, '年度' || s || '科目学习', '网络学习', '2025-06-01', '2025-06-03', '合格', h, h, 'hour', false,"
            " false, '-', '7(1)', '[]'::jsonb, 'henan-2017-121@2017-08-17', 'person', 'certified', '', now(),"
            " '[]'::jsonb, md5(p::text || s), %s, now(), now()"
            " FROM unnest(%s::bigint[]) p CROSS JOIN (VALUES ('public', 30), ('professional', 62)) AS plan(s, h)",
            [CERTIFIED_YEAR, creator, [p.pk for p in holders]],
        )  # the certified-sums triggers keep records_certifiedyearsum current (ADR 0011)
    for person in holders:
        certificate = issue_annual_certificate(person, CERTIFIED_YEAR, by=None)
        world["certificates"].append({"number": certificate.serial, "name": person.name, "qr": qr_payload(certificate)})
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return world


def _reviewers_for(users: int) -> int:
    """Reviewer accounts a step of ``users`` needs: locust gives 20 % of its users the reviewer class."""
    return math.ceil(users * 0.2) + 1


def _read_stats(prefix: Path) -> dict[str, Any]:
    """Locust's ``*_stats.csv``: the aggregated row and one row per request name."""
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8")))

    def summary(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 2),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
        }

    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {**summary(total), "by_name": {r["Name"]: summary(r) for r in rows if r["Name"] != "Aggregated"}}


def run_step(users: int, seconds: int, spawn_rate: float, host: str, env: dict[str, str], out: Path) -> dict[str, Any]:
    prefix = out / f"step-{users}"
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    with (out / f"step-{users}.log").open("wb") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 90, check=False)  # noqa: S603
    return {"users": users, "seconds": seconds, **_read_stats(prefix)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--steps", default="10,20,40", help="user counts, one locust run each")
    parser.add_argument("--step-seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--argon2-verifications", type=int, default=20)
    parser.add_argument("--argon2-runs", type=int, default=5)
    parser.add_argument("--argon2-only", action="store_true")
    parser.add_argument("--visits", type=int, default=20, help="in-process visits for the CPU per request")
    parser.add_argument("--database", default=DATABASE, help="created afresh on the DATABASE_URL server")
    parser.add_argument(
        "--audit-chains", type=int, help="CECERT_AUDIT_CHAINS of the instances and the worker (default: theirs, 16)"
    )
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",")]

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")
    database_url = urlunparse(urlparse(base)._replace(path=f"/{args.database}"))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    os.environ.setdefault("CECERT_DEBUG", "0")  # the in-process visits: no query log, no template debugging
    if "CECERT_VAR_DIR" not in os.environ:  # (setdefault would make a directory even when it is set)
        os.environ["CECERT_VAR_DIR"] = tempfile.mkdtemp(prefix="rush-var-")
    if args.audit_chains:  # the instances and the task worker inherit this environment
        os.environ["CECERT_AUDIT_CHAINS"] = str(args.audit_chains)
    sys.path.insert(0, str(ROOT))  # tests.deploy.instances, tests.s3_server
    import django

    if args.argon2_only:
        django.setup()
        print(json.dumps(argon2_cost(args.argon2_verifications, args.argon2_runs)), flush=True)
        return
    create_database(base, args.database, fresh=True)  # a fresh world each run
    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Max

    from cecert.audit.models import AuditEntry
    from tests.deploy.instances import two_instances
    from tests.s3_server import moto_server

    print(json.dumps(argon2_cost(args.argon2_verifications, args.argon2_runs)), flush=True)
    out = Path(tempfile.mkdtemp(prefix="rush-"))
    world_file = out / "world.json"
    call_command("migrate", verbosity=0)
    reviewers = sum(_reviewers_for(users) for users in steps)  # fresh accounts for every step (locustfile)
    employers = max(_reviewers_for(users) for users in steps)  # one each for a step's reviewers
    start = time.perf_counter()
    world = build_world(args.people, reviewers, employers, args.certificates)
    world_file.write_text(json.dumps(world, ensure_ascii=False), "utf-8")
    print(json.dumps(visit_cpu(world["professionals"][-(args.visits + 3) :]), ensure_ascii=False), flush=True)
    print(json.dumps({"world_s": round(time.perf_counter() - start, 1), "people": args.people,
                      "reviewers": reviewers, "certificates": len(world["certificates"]), "files": str(out),
                      "audit_chains": settings.CECERT_AUDIT_CHAINS}),
          flush=True)  # fmt: skip
    redis.Redis.from_url(REDIS_URL).flushdb()
    (out / "platform").mkdir()
    with (
        moto_server(out / "moto.log") as s3,
        two_instances(
            out / "platform",
            settings=settings,
            database_url=database_url,
            redis_url=REDIS_URL,
            s3=s3,
            task_worker=True,
        ) as platform,
    ):
        host = f"https://127.0.0.1:{platform['sites']['front']}"
        env = {**os.environ, "RUSH_WORLD": str(world_file), "RUSH_CA": str(platform["tls_cert"])}
        first_reviewer = 0
        for users in steps:
            env["RUSH_FIRST_REVIEWER"] = str(first_reviewer)
            first_reviewer += _reviewers_for(users)
            last = AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0
            step = run_step(users, args.step_seconds, args.spawn_rate, host, env, out)
            # Logins, declarations, uploads, submissions and approvals each append an audit entry.
            entries = AuditEntry.objects.filter(id__gt=last)
            step["audit_entries_per_s"] = round(entries.count() / args.step_seconds, 2)
            step["audit_chains_used"] = entries.values("chain").distinct().count()
            print(json.dumps(step), flush=True)


if __name__ == "__main__":
    main()
