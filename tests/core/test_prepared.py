"""One-row reads: prepared by psycopg on PostgreSQL, an ordinary cursor elsewhere, Django's wrappers on both."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from cecert.core import prepared
from cecert.regions.models import Region

pytestmark = pytest.mark.django_db

SQL = "SELECT code, name, parent_id, {stamp} FROM regions_region WHERE code = %s"


def _sql() -> str:
    if connection.vendor == "postgresql":
        return SQL.format(stamp="TIMESTAMPTZ '2025-12-01 08:00:00.123+08'")
    return SQL.format(stamp="'2025-12-01 00:00:00.123'")


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_row_and_no_row() -> None:
    Region.objects.create(code="419901", name="测试市", level="city", path="419901")
    row = prepared.fetch_one(_sql(), ["419901"])
    assert row is not None and row[:3] == ("419901", "测试市", None)
    if connection.vendor == "postgresql":  # typed by psycopg's loaders, in UTC as Django's connection sets it
        assert row[3] == dt.datetime(2025, 12, 1, 0, 0, 0, 123000, tzinfo=dt.UTC)
    assert prepared.fetch_one(_sql(), ["000000"]) is None


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request: close() lets a new one open
def test_the_statement_is_prepared_on_the_connection_once_and_again_on_a_new_one() -> None:
    _postgres_only()
    Region.objects.create(code="419902", name="测试市二", level="city", path="419902")
    assert prepared.fetch_one(_sql(), ["419902"]) is not None
    mine = [s for s in _prepared_statements() if "FROM regions_region WHERE code = $1" in s]
    assert len(mine) == 1  # psycopg's own prepared statement, at the first execution
    assert prepared.fetch_one(_sql(), ["419902"]) is not None
    assert len([s for s in _prepared_statements() if "FROM regions_region WHERE code = $1" in s]) == 1
    connection.close()  # a reconnect (CONN_MAX_AGE, a lost connection) brings a session without it
    assert prepared.fetch_one(_sql(), ["000000"]) is None
    assert len([s for s in _prepared_statements() if "FROM regions_region WHERE code = $1" in s]) == 1


@pytest.mark.django_db(transaction=True)
def test_switched_off_the_read_goes_through_djangos_ordinary_cursor(settings: Any) -> None:
    _postgres_only()
    settings.CECERT_PREPARED_READS = False  # as behind a pooler that does not keep prepared statements
    connection.close()
    assert prepared.fetch_one(_sql(), ["000000"]) is None
    assert not [s for s in _prepared_statements() if "FROM regions_region WHERE code = $1" in s]


def test_errors_are_djangos_database_errors() -> None:
    with pytest.raises(DatabaseError, match="no_such_table"):
        prepared.fetch_one("SELECT 1 FROM no_such_table WHERE x = %s", ["1"])


def test_reads_are_recorded_where_django_records_queries() -> None:
    with CaptureQueriesContext(connection) as captured:
        prepared.fetch_one(_sql(), ["419903"])
    assert len(captured) == 1 and "regions_region" in captured[0]["sql"] and "419903" in captured[0]["sql"]


def test_execute_wrappers_see_the_read() -> None:
    seen: list[tuple[str, Any]] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        assert prepared.fetch_one(_sql(), ["419904"]) is None
    assert seen == [(_sql(), ["419904"])]
