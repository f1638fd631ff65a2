"""``bench/audit/run.py`` run tiny: every (chains, writers) cell reported, and every chain intact afterwards.

Speed is the benchmark's business (bench/README.md); this only checks that it runs and reports what it
says, so that a change to the review workflow or the audit trail cannot silently break it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def bench_database() -> Iterator[tuple[str, str]]:
    """(server URL, name) of a database of the benchmark's own beside the configured one, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs concurrent writer processes on PostgreSQL (SQLite serialises writers)")
    configured = urlparse(os.environ["DATABASE_URL"])
    server = urlunparse(configured._replace(path="/postgres"))  # the configured database need not exist
    name = f"{configured.path.lstrip('/')}_bench_audit"
    yield server, name
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.postgres
def test_a_tiny_run_reports_every_cell_and_leaves_every_chain_intact(
    bench_database: tuple[str, str], tmp_path: Path
) -> None:
    base, name = bench_database
    command = [sys.executable, str(REPO / "bench" / "audit" / "run.py"), "--database", name, "--people", "60"]
    command += ["--writers", "1,2", "--chains", "1,16", "--seconds", "1", "--records-per-writer", "300"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "DATABASE_URL": base, "CECERT_VAR_DIR": str(tmp_path)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    world, runs, scaling, verified = lines[0], lines[1:5], lines[5:7], lines[7]
    assert len(lines) == 8 and world["writers"] == [1, 2] and world["chains"] == [1, 16]

    assert {(r["chains"], r["writers"]) for r in runs} == {(1, 1), (16, 1), (1, 2), (16, 2)}
    for run in runs:
        assert run["commits"] > 0 and run["writes_per_s"] == round(run["commits"] / 1, 1)
        assert len(run["per_writer"]) == run["writers"] and all(n > 0 for n in run["per_writer"])
        assert 0 < run["tx_ms_p50"] <= run["tx_ms_p95"] and 0 <= run["head_wait_ms_p50"] <= run["head_wait_ms_p95"]
        assert 0 <= run["head_wait_share"] < 1 and run["head_hold_ms_p50"] > 0
        assert run["samples"] > 0 and 0.99 <= sum(run["backend_states"].values()) <= 1.01
        assert not run["exhausted"]
        # The writers' environment reached them: one chain means every entry in chain 1.
        assert (run["chains_used"] == 1) == (run["chains"] == 1)

    assert [s["chains"] for s in scaling] == [1, 16]
    for line in scaling:
        cells = {r["writers"]: r["writes_per_s"] for r in runs if r["chains"] == line["chains"]}
        assert line["scaling"] == {"2/1": round(cells[2] / cells[1], 2)}

    assert verified["exit_ok"] is True and verified["verify"]["intact"] is True
    assert verified["verify"]["entries"] >= sum(r["commits"] for r in runs)
    assert verified["verify"]["chains"] >= max(r["chains_used"] for r in runs) > 1
