"""Audited writes across cores: W reviewer processes approving records, with one audit chain or sixteen.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres PYTHONPATH=src \\
        .venv/bin/python bench/audit/run.py --people 4000 --writers 1,2,4 --chains 1,16 --seconds 30

Issue 17 item 3: every audited change appends to an audit hash chain under a lock on the chain's head
row, held until the change commits (ADR 0006); ADR 0025 split the trail over ``CECERT_AUDIT_CHAINS``
chains so that writes about different entities take different heads. This measures whether that lets
audited writes scale with the writers (cores).

1. **The world** in a fresh database (``--database``, default ``cecert_bench_audit``): the rush's world
   (``bench/rush/run.py`` ``build_world``: the demo's organisations and officers, one employer per
   writer with its own employer admin, professionals by ``INSERT … SELECT generate_series``), then,
   before every measured run, ``--records-per-writer`` fresh *submitted* records for each writer's
   employer (one ``INSERT … SELECT``).
2. **The write**: each writer is a process of its own (``--writer``, started by this script) acting as
   its employer's admin: first review (``submitted`` → ``employer_approved``) of its employer's records
   one after another through ``cecert.review.domain.workflow.transition_record`` — the function the
   review pages and the rush's batch approval call once per record: row lock, permission, write, audit
   entry, notifications to the certifiers, each in its own transaction, so each takes its chain's head
   lock and holds it until commit. Writers of different employers never touch the same record.
3. **The grid**: for every ``--writers`` count W and every ``--chains`` count C (the writers' environment
   has ``CECERT_AUDIT_CHAINS=C``), the W writers start together and write for ``--seconds``; ``--rounds``
   repeats the grid. Writers report each transaction's wall time, the time spent in the head row's
   ``SELECT … FOR UPDATE`` (measured with Django's public ``connection.execute_wrapper``: the wait for
   the head plus one short statement) and how long the head was then held until commit; this script
   samples ``pg_stat_activity`` of the writers' backends every ``--sample-ms`` (waiting on the head, on
   another lock, on WAL, working, or waiting for their writer's Python).
4. **Verification**: ``cecert audit verify`` over the whole trail at the end (every chain intact).

JSON lines out: the world; one line per (round, chains, writers); one line per chain count with the
scaling ratios writes/s(W)/writes/s(W=1) (medians over rounds); the verification.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/, for shared.py

from shared import create_database, load  # noqa: E402

DATABASE = "cecert_bench_audit"
YEAR = 2026  # the records' year: the fresh world sets no deadline, so first review is allowed
WRITER_NAME = "cecert-bench-audit-writer"  # application_name of the writers' connections


def _percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0…1) by the nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# ---------------------------------------------------------------- world


def build_world(people: int, writers: int) -> list[dict[str, Any]]:
    """The rush's world with one employer and one employer admin per writer: [{reviewer, employer}]."""
    from cecert.accounts.models import Membership, Role

    world = load("rush").build_world(people, reviewers=writers, employers=writers, certificates=0)
    admins = Membership.objects.filter(
        user__username__in=[r["username"] for r in world["reviewers"]], role=Role.EMPLOYER_ADMIN
    ).values_list("user__username", "organisation_id")
    employer_of = dict(admins)
    return [{"reviewer": r["username"], "employer": employer_of[r["username"]]} for r in world["reviewers"]]


def add_submitted_records(employers: list[int], per_employer: int) -> int:
    """``per_employer`` submitted records (online courses of ``YEAR``) spread over each employer's people."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT id FROM accounts_user WHERE username = 'base1'")
        creator = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO records_record (person_id, year, activity_type, activity, subject, title, form, start_date,"
            " end_date, assessment, hours, amount, unit, deems_public, deems_professional, explanation, clause,"
            " completes, policy_id, channel, state, state_reason, state_changed_at, submitted_at, provenance,"
            " dedupe_key, created_by_id, created_at, updated_at)"
            " SELECT person_id, %s, 'online_course',"
            " jsonb_build_object('type', 'online_course', 'subject', 'public', 'hours', 6), 'public',"
            " '年终网络课程' || n, '网络学习', '2026-11-20', '2026-11-22', '合格', 6, 6, 'hour', false, false, '-',"
            " '7(1)', '[]'::jsonb, 'henan-2017-121@2017-08-17', 'person', 'submitted', '', now(), now(), '[]'::jsonb,"
            " md5(person_id::text || ':' || n), %s, now(), now()"
            " FROM (SELECT p.id AS person_id, row_number() OVER (PARTITION BY p.employer_id ORDER BY g, p.id) AS n"
            "       FROM accounts_person p CROSS JOIN generate_series(1, %s) g"
            "       WHERE p.employer_id = ANY(%s)) AS spread"
            " WHERE n <= %s",
            [YEAR, creator, per_employer, employers, per_employer],
        )
        added = cur.rowcount
    with connection.cursor() as cur:
        cur.execute("ANALYZE records_record")
    return added


# ---------------------------------------------------------------- one writer (a process of its own)


def writer(reviewer: str, employer: int) -> None:
    """Approve the employer's submitted records one transaction each, between the times read from stdin.

    Prints ``{"ready": pid}`` once warmed up, reads ``start end`` (epoch seconds), writes until ``end``
    and prints its figures as one JSON line.
    """
    from django.db import connection

    from cecert.accounts.models import User
    from cecert.records.enums import RecordState
    from cecert.records.models import Record
    from cecert.review.domain.workflow import transition_record

    by = User.objects.get(username=reviewer)
    queue: Iterator[Record] = iter(
        Record.objects.filter(person__employer_id=employer, state=RecordState.SUBMITTED, year=YEAR).order_by("pk")
    )
    head: dict[str, float] = {}

    def time_head_lock(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if "audit_audithead" not in sql or "FOR UPDATE" not in sql:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            head["locked_at"] = time.perf_counter()
            head["wait"] = head["locked_at"] - started

    def approve(record: Record) -> None:
        transition_record(record, RecordState.EMPLOYER_APPROVED, by=by)

    with connection.cursor() as cur:
        cur.execute("SET application_name = %s", [WRITER_NAME])
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    approve(next(queue))  # warm-up: imports, permission rules, the connection
    print(json.dumps({"ready": pid}), flush=True)
    start, end = (float(t) for t in sys.stdin.readline().split())
    time.sleep(max(0.0, start - time.time()))
    seconds: list[float] = []
    waits: list[float] = []
    holds: list[float] = []
    exhausted = False
    cpu = time.process_time()
    with connection.execute_wrapper(time_head_lock):
        while time.time() < end:
            record = next(queue, None)
            if record is None:
                exhausted = True
                break
            head.clear()
            started = time.perf_counter()
            approve(record)
            done = time.perf_counter()
            seconds.append(done - started)
            if "wait" in head:
                waits.append(head["wait"])
                holds.append(done - head["locked_at"])
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "pid": pid,
                "commits": len(seconds),
                "exhausted": exhausted,
                "cpu_s": round(cpu, 3),
                "seconds": [round(s, 6) for s in seconds],
                "head_wait": [round(s, 6) for s in waits],
                "head_hold": [round(s, 6) for s in holds],
            }
        ),
        flush=True,
    )


# ---------------------------------------------------------------- one measured run


def _sample_backends(dsn: str, pids: list[int], interval: float, end: float, out: dict[str, int]) -> None:
    """Every ``interval``, what each writer's backend is doing: waiting on the audit head row (``Lock: audit
    head``), on another lock, on another wait event (``IO: WALSync``…), working (``active``) or waiting for
    its writer process (``idle in transaction``: Python is running or waiting for a core), until ``end``."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.time() < end:
            rows = conn.execute(
                "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
            ).fetchall()
            out["samples"] += 1
            for state, wait_type, wait_event, query in rows:
                if wait_type == "Lock":
                    what = "Lock: audit head" if "audit_audithead" in (query or "") else f"Lock: {wait_event}"
                elif wait_type and wait_type != "Client":
                    what = f"{wait_type}: {wait_event}"
                else:
                    what = state or "?"
                out[what] = out.get(what, 0) + 1
            out["gone"] = out.get("gone", 0) + len(pids) - len(rows)  # a writer that stopped early
            time.sleep(interval)


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


@contextmanager
def _writers(team: list[dict[str, Any]], chains: int) -> Iterator[list[subprocess.Popen[str]]]:
    env = {**os.environ, "CECERT_AUDIT_CHAINS": str(chains)}
    processes = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--writer", member["reviewer"], "--employer", str(member["employer"])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for member in team
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def measure(team: list[dict[str, Any]], chains: int, seconds: float, dsn: str, sample_ms: float) -> dict[str, Any]:
    """W = len(team) writers with ``CECERT_AUDIT_CHAINS=chains`` writing together for ``seconds``."""
    from django.db.models import Max

    from cecert.audit.models import AuditEntry

    first_entry = (AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    with _writers(team, chains) as processes:
        pids = []
        for process in processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"a writer stopped before it was ready (exit {process.wait()})")
            pids.append(json.loads(line)["ready"])
        start = time.time() + 0.5
        end = start + seconds
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(f"{start} {end}\n")
            process.stdin.flush()
        states = {"samples": 0}
        time.sleep(max(0.0, start - time.time()))
        load, (busy, total) = os.getloadavg()[0], _cpu_times()
        sampler = threading.Thread(
            target=_sample_backends, args=(dsn, pids, sample_ms / 1000, end, states), daemon=True
        )
        sampler.start()
        results = []
        for process in processes:
            assert process.stdout is not None
            out = process.stdout.readline()
            if process.wait() != 0 or not out:
                raise RuntimeError(f"a writer failed (exit {process.returncode})")
            results.append(json.loads(out))
        busy_after, total_after = _cpu_times()
        sampler.join()
    every = [s for r in results for s in r["seconds"]]
    waits = [s for r in results for s in r["head_wait"]]
    holds = [s for r in results for s in r["head_hold"]]
    commits = len(every)
    samples = states.pop("samples")
    writer_samples = max(1, samples * len(team))
    used = AuditEntry.objects.filter(id__gte=first_entry).values("chain").distinct().count()
    return {
        "chains": chains,
        "writers": len(team),
        "seconds": seconds,
        "commits": commits,
        "writes_per_s": round(commits / seconds, 1),
        "per_writer": [r["commits"] for r in results],
        "exhausted": any(r["exhausted"] for r in results),
        "tx_ms_p50": round(_percentile(every, 0.5) * 1000, 2),
        "tx_ms_p95": round(_percentile(every, 0.95) * 1000, 2),
        "head_wait_ms_p50": round(_percentile(waits, 0.5) * 1000, 2),
        "head_wait_ms_p95": round(_percentile(waits, 0.95) * 1000, 2),
        "head_wait_share": round(sum(waits) / sum(every), 3) if every else 0.0,
        "head_hold_ms_p50": round(_percentile(holds, 0.5) * 1000, 2),
        "cpu_ms_per_write": round(sum(r["cpu_s"] for r in results) / commits * 1000, 2) if commits else 0.0,
        "lock_wait_share_head": round(states.get("Lock: audit head", 0) / writer_samples, 3),
        "lock_wait_share_other": round(
            sum(n for what, n in states.items() if what.startswith("Lock: ") and what != "Lock: audit head")
            / writer_samples,
            3,
        ),
        "backend_states": {what: round(n / writer_samples, 3) for what, n in sorted(states.items())},
        "samples": samples,
        "chains_used": used,
        "load_1m_before": round(load, 2),
        "machine_cpu_busy": round((busy_after - busy) / max(1, total_after - total), 3),
    }


def verify() -> dict[str, Any]:
    """``cecert audit verify`` as an operator runs it: its JSON report, and whether it exited cleanly."""
    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        ok = True
    except CommandError:
        ok = False
    return {"verify": json.loads(out.getvalue()), "exit_ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DATABASE, help="created afresh on the DATABASE_URL server")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--writers", default="1,2", help="writer process counts, e.g. 1,2,4")
    parser.add_argument("--chains", default="1,16", help="CECERT_AUDIT_CHAINS values")
    parser.add_argument("--seconds", type=float, default=20, help="each measured run")
    parser.add_argument("--rounds", type=int, default=1, help="repeats of the whole grid")
    parser.add_argument("--records-per-writer", type=int, default=0, help="default: 250 a second of a run")
    parser.add_argument("--sample-ms", type=float, default=20, help="pg_stat_activity sampling interval")
    parser.add_argument("--writer", help=argparse.SUPPRESS)  # a writer process: reviewer's username
    parser.add_argument("--employer", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    os.environ.setdefault("CECERT_DEBUG", "0")  # no query log growing through a run
    import django

    if args.writer:  # DATABASE_URL and CECERT_VAR_DIR come from the parent
        django.setup()
        writer(args.writer, args.employer)
        return

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")
    counts = sorted({int(w) for w in args.writers.split(",")})
    chain_counts = [int(c) for c in args.chains.split(",")]
    per_writer = args.records_per_writer or int(250 * args.seconds)
    database_url = urlunparse(urlparse(base)._replace(path=f"/{args.database}"))
    os.environ["DATABASE_URL"] = database_url
    if "CECERT_VAR_DIR" not in os.environ:  # the writers inherit it: its secrets are the world's
        os.environ["CECERT_VAR_DIR"] = tempfile.mkdtemp(prefix="audit-bench-var-")
    create_database(base, args.database, fresh=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    team = build_world(args.people, max(counts))
    print(json.dumps({"world_s": round(time.perf_counter() - started, 1), "people": args.people,
                      "writers": counts, "chains": chain_counts, "seconds": args.seconds,
                      "records_per_writer": per_writer, "cpus": os.cpu_count()}), flush=True)  # fmt: skip
    connection.close()  # the writers and the sampler open their own
    rates: dict[tuple[int, int], list[float]] = {}
    for round_ in range(1, args.rounds + 1):
        for count in counts:
            for chains in chain_counts:  # one chain count right after the other: the machine's load drifts
                add_submitted_records([m["employer"] for m in team[:count]], per_writer)
                result = measure(team[:count], chains, args.seconds, database_url, args.sample_ms)
                rates.setdefault((chains, count), []).append(result["writes_per_s"])
                print(json.dumps({"round": round_, **result}), flush=True)
    for chains in chain_counts:
        median = {w: round(statistics.median(rates[(chains, w)]), 1) for w in counts}
        one = median[counts[0]]
        print(json.dumps({
            "chains": chains,
            "writes_per_s": {str(w): rate for w, rate in median.items()},
            "scaling": {f"{w}/{counts[0]}": round(median[w] / one, 2) if one else None for w in counts[1:]},
        }), flush=True)  # fmt: skip
    print(json.dumps(verify(), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
