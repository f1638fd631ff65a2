"""A lost database gives a clean 503 (Chinese page, JSON under /api/, Retry-After), never a traceback.

The failures are real: the server side closes the connection (``pg_terminate_backend``), the
connection points at a port where nothing listens, or the SQLite driver itself raises.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client

PAGE = "/catalogs/guide/"  # public, reads the database
API = "/api/v1/regions"  # public, reads the database

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL server to lose")


def assert_clean_503(page: Any, api: Any) -> None:
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "服务暂时不可用" in html and "30 秒后" in html
    assert "Traceback" not in html and "OperationalError" not in html and "psycopg" not in html
    assert "Content-Security-Policy" in page  # the outer middleware still ran
    assert api.status_code == 503
    assert api["Retry-After"] == "30"
    assert api.json() == {
        "errors": [
            {
                "field": "",
                "message_zh": "服务暂时不可用，请稍后重试",
                "message_en": "service temporarily unavailable, try again later",
            }
        ]
    }


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)  # as a real server: the handler answers


@pytest.fixture
def reconnect() -> Iterator[None]:
    yield
    # What Django does at the end of every real request (close_old_connections); the test client skips it.
    connection.close_if_unusable_or_obsolete()
    connection.ensure_connection()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_connection_closed_by_the_server(browser: Client, reconnect: None) -> None:
    assert browser.get(PAGE).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"],
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        password=params.get("password"),
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert_clean_503(browser.get(PAGE), browser.get(API))
    connection.close_if_unusable_or_obsolete()
    assert browser.get(PAGE).status_code == 200  # the next request connects again


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_database_at_a_dead_port(browser: Client, reconnect: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(dead_port))
    try:
        assert_clean_503(browser.get(PAGE), browser.get(API))
    finally:
        connection.close()
        connection.settings_dict.update(HOST=saved["HOST"], PORT=saved["PORT"])


@pytest.mark.django_db
def test_driver_errors_answer_without_a_traceback(browser: Client) -> None:
    """A table gone (inside the test's transaction): SQLite's driver raises OperationalError → 503;
    PostgreSQL's raises ProgrammingError, a fault of ours → the Chinese 500 page, also without a traceback."""
    assert browser.get(PAGE).status_code == 200
    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE catalogs_publicguide{cascade}")
        cursor.execute(f"DROP TABLE regions_region{cascade}")
    page, api = browser.get(PAGE), browser.get(API)
    if connection.vendor == "sqlite":
        assert_clean_503(page, api)
    else:
        assert (page.status_code, api.status_code) == (500, 500)
        assert "服务器内部错误" in page.content.decode() and "Traceback" not in page.content.decode()
        assert "Retry-After" not in page
        assert api.json()["errors"][0]["message_zh"] == "服务器内部错误"
