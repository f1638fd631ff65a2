"""Prepared one-row reads (PostgreSQL) and their fall back to a cursor everywhere else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from cecert.core import prepared
from cecert.regions.models import Region

pytestmark = pytest.mark.django_db

SQL = (
    "SELECT code, name, parent_id, TIMESTAMPTZ '2025-12-01 08:00:00.123+08', jsonb_build_object('时', 1) "
    "FROM regions_region WHERE code = $1"
)


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared reads are PostgreSQL's")


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_elsewhere_the_caller_is_told_to_use_a_cursor(settings: Any) -> None:
    if connection.vendor == "postgresql":
        settings.CECERT_PREPARED_READS = False  # as behind PgBouncer in transaction mode
    assert prepared.fetch_one("t_region", SQL, ["410000"]) is prepared.UNAVAILABLE


def test_a_row_reads_as_text_and_no_row_as_none() -> None:
    _postgres_only()
    Region.objects.create(code="419901", name="测试市", level="city", path="419901")
    row = prepared.fetch_one("t_region", SQL, ["419901"])
    assert row is not None and not isinstance(row, prepared.Unavailable)
    code, name, parent_id, stamp, document = row
    assert (code, name, parent_id, document) == ("419901", "测试市", None, '{"时": 1}')
    assert stamp is not None
    assert parse_datetime(stamp) == dt.datetime(2025, 12, 1, 0, 0, 0, 123000, tzinfo=dt.UTC)
    assert prepared.fetch_one("t_region", SQL, ["000000"]) is None


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request: close() lets a new one open
def test_a_statement_is_prepared_once_per_connection_and_again_on_a_new_one() -> None:
    _postgres_only()
    Region.objects.create(code="419902", name="测试市二", level="city", path="419902")
    assert prepared.fetch_one("t_region_once", SQL, ["419902"]) is not None
    assert "t_region_once" in _prepared_names()
    assert prepared.fetch_one("t_region_once", SQL, ["419902"]) is not None  # not prepared twice: no error
    connection.close()  # a reconnect (CONN_MAX_AGE, a lost connection) brings a session without it
    assert prepared.fetch_one("t_region_once", SQL, ["000000"]) is None
    assert "t_region_once" in _prepared_names()


def test_errors_are_djangos_database_errors() -> None:
    _postgres_only()
    with pytest.raises(DatabaseError, match="no_such_table"):
        prepared.fetch_one("t_broken", "SELECT 1 FROM no_such_table WHERE x = $1", ["1"])


def test_reads_are_recorded_where_django_records_queries() -> None:
    _postgres_only()
    with CaptureQueriesContext(connection) as captured:
        prepared.fetch_one("t_region", SQL, ["419903"])
    assert len(captured) == 1 and "t_region" in captured[0]["sql"] and "419903" in captured[0]["sql"]


def test_execute_wrappers_see_the_read_through_a_cursor() -> None:
    _postgres_only()
    seen: list[str] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        assert prepared.fetch_one("t_region", SQL, ["419904"]) is prepared.UNAVAILABLE
