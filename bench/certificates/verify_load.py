"""Public verification (number + name) under concurrent load, against a minimal Django view.

Served the way production serves it: gunicorn (two sync worker processes per core;
``--worker-threads N`` makes them threaded) with persistent
database connections to PostgreSQL, on loopback; ``wrk`` (Debian package) is the
separate load generator. Needs the database left by
``batch_issue.py`` (certificates to look up).

    .venv/bin/python bench/certificates/verify_load.py --duration 15 --connections 32

Three runs against the same server: the minimal view; one certificate verified over and over
(served from the shared Redis cache after the first request, ADR 0012); and every request a
different certificate (``--distinct`` of them, rotated by a wrk Lua script: each one a cache
miss, a database lookup and a rendering). Prints one JSON line with requests/s and p50/p99
latency for each, and both ratios to the minimal view.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _sample(database: str, count: int) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(database.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute(
            "SELECT c.serial, p.name FROM certificates_certificate c JOIN accounts_person p ON p.id = c.person_id "
            "WHERE c.status = 'valid' ORDER BY c.id DESC LIMIT %s",
            [count],
        ).fetchall()
    if not rows:
        sys.exit("no certificates: run bench/certificates/batch_issue.py first")
    return [(r[0], r[1]) for r in rows]


def _rotating_script(paths: list[str], threads: int) -> str:
    """A wrk Lua script requesting ``paths`` in turn, each thread from its own slice (no certificate
    twice in a run of fewer than ``len(paths)`` requests)."""
    items = ",\n".join('"' + p.replace('"', '\\"') + '"' for p in paths)
    return (
        f"local paths = {{\n{items}\n}}\n"
        "local created = 0\n"
        "function setup(thread)\n"
        f"  thread:set('start', created * math.floor(#paths / {threads}))\n"
        "  created = created + 1\n"
        "end\n"
        "function init(args)\n  i = start\nend\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )


def _flush_cache(redis_url: str) -> None:
    """Empty the benchmark's own Redis database: no run may find pages cached by an earlier one."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _services() -> list[str]:
    """PostgreSQL's and Redis's processes on this machine (the postmaster's children inherit its affinity)."""
    found = subprocess.run(["pgrep", "-d", " ", "-x", "postgres|redis-server"], capture_output=True, text=True)  # noqa: S607
    return found.stdout.split()


def _set_affinity(pids: list[str], cpus: str) -> None:
    for pid in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, pid], check=False, capture_output=True)  # noqa: S603,S607


_WRK_PREFIX: list[str] = []


def _wrk(url: str, duration: int, connections: int, threads: int, script: str | None = None) -> dict[str, float]:
    exe = shutil.which("wrk")
    if exe is None:
        sys.exit("wrk not installed: apt-get install wrk")
    extra = ["-s", script] if script else []
    out = subprocess.run(  # noqa: S603 - fixed executable and arguments
        [*_WRK_PREFIX, exe, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": round(rps),
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/cecert_bench")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    # Threaded workers overlap one request's database and Redis waits with another's work: measured,
    # no steady gain in the ratios and a 5-10x worse p99 (bench/README.md), so sync stays the default.
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker (1: sync worker)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--distinct", type=int, default=100_000, help="certificates for the distinct-serials run")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5", help="the benchmark's own database (flushed)")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the server alone on CPU 0; PostgreSQL, Redis and wrk on CPU 1 (a stand-in for separate machines)",
    )
    args = parser.parse_args()
    services = _services() if args.pin else []
    if args.pin:
        _set_affinity(services, "1")
        _WRK_PREFIX[:] = ["taskset", "-c", "1"]
    sample = _sample(args.database, args.distinct)
    serial, name = sample[0]
    paths = ["/verify/?" + urlencode({"number": s, "name": n}) for s, n in sample]
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(_rotating_script(paths, args.threads), encoding="utf-8")
    _flush_cache(args.redis)
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT / 'src'}",
        "CECERT_CONN_MAX_AGE": "600",
        "CECERT_DEBUG": "0",
        "CECERT_LOG_LEVEL": "ERROR",
        # As production: Redis is the shared cache (rate limits, cached verification pages).
        "CECERT_REDIS_URL": args.redis,
    }
    server = subprocess.Popen(  # noqa: S603
        [
            *(["taskset", "-c", "0"] if args.pin else []),
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            *(["-k", "gthread", "--threads", str(args.worker_threads)] if args.worker_threads > 1 else []),
            "-b",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            "cecert.wsgi:application",
        ],
        env=env,
        cwd=str(ROOT),
    )
    base = f"http://127.0.0.1:{args.port}"
    verify_url = f"{base}/verify/?" + urlencode({"number": serial, "name": name})
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/bench/minimal", timeout=1):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        # the distinct run must measure real answers, not "not found" pages: check a spread of them
        for path in [verify_url.removeprefix(base), *paths[:: max(1, len(paths) // 5)]]:
            with urllib.request.urlopen(base + path, timeout=5) as response:  # noqa: S310
                assert b'data-status="genuine"' in response.read(), f"{path} did not answer genuine"
        _flush_cache(args.redis)
        for url in (f"{base}/bench/minimal", verify_url):  # warm every worker
            _wrk(url, 2, args.connections, args.threads)
        minimal = _wrk(f"{base}/bench/minimal", args.duration, args.connections, args.threads)
        verify = _wrk(verify_url, args.duration, args.connections, args.threads)
        # Every request a different certificate: each one a cache miss (one lookup, one rendering).
        _flush_cache(args.redis)
        distinct = _wrk(base, args.duration, args.connections, args.threads, script=str(script))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        script.unlink()
        if args.pin:
            _set_affinity(services, f"0-{(os.cpu_count() or 2) - 1}")
    print(
        json.dumps(
            {
                "server": f"gunicorn {args.workers} workers x {args.worker_threads} threads"
                if args.worker_threads > 1
                else f"gunicorn {args.workers} sync workers",
                "connections": args.connections,
                "duration_s": args.duration,
                "minimal": minimal,
                "verify_same_certificate": verify,
                "ratio": round(verify["rps"] / minimal["rps"], 2),
                "verify_distinct_certificates": {**distinct, "certificates": len(paths)},
                "ratio_distinct": round(distinct["rps"] / minimal["rps"], 2),
                "cpus": os.cpu_count(),
                "pinned": "server on CPU 0; PostgreSQL, Redis, wrk on CPU 1" if args.pin else None,
            }
        )
    )


if __name__ == "__main__":
    main()
