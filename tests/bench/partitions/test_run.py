"""bench/partitions/run.py, tiny: it runs to the end, says what it measured in the promised shape, and
leaves the records partitioned by year with the certified sums equal to the records (PostgreSQL only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from django.db import connection

from cecert.records.domain.sums import MISMATCH_SQL

REPO = Path(__file__).resolve().parents[3]
YEARS = list(range(2018, 2026))
QUERIES = ("year_sums", "pk_get", "pk_in", "person_year", "sums_check")

pytestmark = pytest.mark.postgres


@pytest.fixture
def bench_url() -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("the partitions benchmark measures PostgreSQL's partitions; SQLite has none")
    base = urlparse(os.environ["DATABASE_URL"])
    name = f"{base.path.lstrip('/')}_bench_partitions_smoke"  # not the bench's own default database
    yield urlunparse(base._replace(path=f"/{name}"))
    with psycopg.connect(urlunparse(base._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_bench(url: str) -> list[dict[str, Any]]:
    parsed = urlparse(url)
    env = {**os.environ, "DATABASE_URL": urlunparse(parsed._replace(path="/postgres"))}
    tiny = ["--people", "300", "--years", "2018-2025", "--runs", "3", "--lookups", "200"]
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/partitions/run.py", *tiny, "--database", parsed.path.lstrip("/")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_bench_measures_both_layouts_and_leaves_the_records_partitioned_and_consistent(bench_url: str) -> None:
    lines = run_bench(bench_url)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_name.setdefault(line["measurement"], []).append(line)

    world = by_name["world"][0]
    assert (world["people"], world["records"], world["years"]) == (300, 3000, YEARS)
    assert world["audit_entries"] == 3000
    for query in QUERIES:
        plain, fresh, partitioned = by_name[query]
        assert [line["layout"] for line in by_name[query]] == ["plain", "partitioned_before_vacuum", "partitioned"]
        assert len(fresh["runs"]) == 1
        for line in (plain, partitioned):
            assert len(line["runs"]) == 3
            assert line["seconds"] == sorted(line["runs"])[1]  # the median
    # Same data, same answers, before and after the conversion.
    for query, field in (("year_sums", "groups"), ("pk_in", "found"), ("person_year", "rows")):
        assert len({line[field] for line in by_name[query]}) == 1
        assert by_name[query][0][field] > 0
    assert by_name["pk_in"][0]["found"] == 200
    assert [line["mismatches"] for line in by_name["sums_check"]] == [0, 0, 0]
    # Certified and set back in each layout, through the sums triggers (the run checks the sums between).
    assert [line["state"] for line in by_name["set_state"]] == ["certified", "submitted"] * 3
    assert len({line["records"] for line in by_name["set_state"]}) == 1
    assert by_name["set_state"][0]["records"] > 0

    for conversion in by_name["partition_by_year"]:
        assert conversion["rows"] == 3000 and conversion["seconds"] > 0 and conversion["rows_per_s"] > 0
    assert {line["table"] for line in by_name["partition_by_year"]} == {"records_record", "audit_auditentry"}
    sizes = {(line["table"], line["layout"]): line for line in by_name["size"]}
    for table in ("records_record", "audit_auditentry"):
        assert sizes[table, "plain"]["tables"] == 1
        # 2018 … two years after this one, and the default partition.
        assert sizes[table, "partitioned"]["tables"] > len(YEARS)
    for size in sizes.values():
        assert size["total_bytes"] >= size["table_bytes"] + size["index_bytes"] > 0
    assert by_name["detach_year"][0]["year"] == by_name["attach_year"][0]["year"] == 2018
    assert by_name["detach_year"][0]["rows"] == by_name["attach_year"][0]["rows"] > 0
    assert len(by_name["ensure_years"][0]["years"]) == 1
    moving = by_name["ensure_years_moving"][0]
    assert (moving["table"], len(moving["years"]), moving["rows"]) == ("audit_auditentry", 1, 370)  # 300 // 8 × 10
    assert by_name["done"] == [{"measurement": "done", "partitioned": True, "records": 3000}]

    with psycopg.connect(bench_url) as conn:
        kinds = conn.execute(
            "SELECT relname, relkind FROM pg_class WHERE relname IN ('records_record', 'audit_auditentry')"
        ).fetchall()
        assert sorted(kinds) == [("audit_auditentry", "p"), ("records_record", "p")]
        per_partition: dict[str, int] = dict(
            conn.execute("SELECT tableoid::regclass::text, count(*) FROM records_record GROUP BY 1").fetchall()
        )
        assert sorted(per_partition) == [f"records_record_y{year}" for year in YEARS]  # none in the default
        assert sum(per_partition.values()) == 3000
        assert conn.execute("SELECT count(*) FROM records_certifiedyearsum").fetchall()[0][0] > 0
        # Every year attached again, so the check covers every record.
        mismatches = conn.execute(MISMATCH_SQL.format(live="", live_and="")).fetchall()
        assert mismatches == []
