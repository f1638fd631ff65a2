"""Dashboards, exports and title checks read a real streaming replica; writes stay on the primary (ADR 0026).

The replica is a second PostgreSQL cluster the test run makes from the local server with
``pg_basebackup`` (``tests/replica_cluster.py``). The tests are transactional: only committed rows
reach a replica.
"""

from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from cecert.accounts.models import Person
from cecert.audit.models import AuditEntry
from cecert.core.replica import REPLICA_ALIAS, check_replica, forget_check
from cecert.records.domain.years import ensure_person_years
from tests.factories import World, build_world, logged_in
from tests.replica_cluster import Replica, ReplicaUnavailable, replica_of
from tests.reports.factories import populate, record_row

WAIT = 60  # seconds: a bound for the replica to catch up, never a measurement
YEAR = 2025


@pytest.fixture(scope="module")
def replica_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[Replica]:
    """The replica, configured as the ``replica`` database (as DATABASE_REPLICA_URL does) for this module.

    Module-scoped so that the alias exists before each test's database set-up, which lets the tests
    name it in ``databases`` (the test database itself reaches the replica by streaming replication).
    """
    primary = connections.settings["default"]
    if primary["ENGINE"] != settings.POSTGRESQL_ENGINE:
        pytest.skip("a streaming replica is PostgreSQL's")
    try:
        with replica_of(primary["HOST"] or "127.0.0.1", int(primary["PORT"] or 5432)) as replica:
            connections.settings[REPLICA_ALIAS] = {
                **copy.deepcopy(primary),
                "HOST": "127.0.0.1",
                "PORT": str(replica.port),
                "OPTIONS": {"connect_timeout": 3},
                "TEST": {"MIRROR": "default"},  # never created, flushed or migrated by the test run
            }
            try:
                yield replica
            finally:
                with contextlib.suppress(AttributeError):
                    connections[REPLICA_ALIAS].close()
                    del connections[REPLICA_ALIAS]
                del connections.settings[REPLICA_ALIAS]
                forget_check()
    except ReplicaUnavailable as exc:
        pytest.skip(f"no replica can be made here: {exc}")


@pytest.fixture
def replica(replica_server: Replica, settings: Any) -> Replica:
    settings.CECERT_REPLICA_CHECK_SECONDS = 0
    forget_check()
    return replica_server


def _until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def caught_up() -> bool:
    return check_replica().replica and not check_replica().lag_seconds


def world_on_the_replica() -> World:
    world = build_world()
    populate(world)
    ensure_person_years(Person.objects.all(), YEAR)  # the year opened, as `cecert years open` does
    assert _until(caught_up), "the replica did not catch up"
    return world


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(?:<a [^>]*>)?([^<]*)<', html)
    assert found is not None, name
    return found.group(1)


def source_state(html: str) -> str:
    found = re.search(r'data-read-source="(\w+)">([^<]*)<', html)
    assert found is not None
    return found.group(1)


def grouped(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])
def test_dashboards_exports_and_checks_read_the_replica_and_write_the_primary(replica: Replica) -> None:
    world = world_on_the_replica()
    client = logged_in(world.users["hr_province"])
    with (
        CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get(f"/reports/?year={YEAR}")
    html = page.content.decode()
    assert page.status_code == 200 and source_state(html) == "replica" and "数据来自统计副本" in html
    assert figure(html, "people") == str(Person.objects.filter(state="approved").count())
    assert grouped(on_replica) and not grouped(on_primary)  # the figures were read on the replica

    audited = AuditEntry.objects.filter(action="export.shortfall").count()
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        export = client.get(f"/reports/export/shortfall/?year={YEAR}")
        body = b"".join(export.streaming_content)
    assert export.status_code == 200 and body
    assert any("shortfall_total" in q["sql"] for q in on_replica.captured_queries)  # streamed from the replica
    assert AuditEntry.objects.filter(action="export.shortfall").count() == audited + 1  # the audit on the primary

    number = world.people["emp_jinshui"].certificate_number
    checked = client.post(
        "/reports/check/", {"type": "special_allowance", "numbers": number, "year_from": "2024", "year_to": "2025"}
    )
    assert checked.status_code == 200 and source_state(checked.content.decode()) == "replica"
    assert AuditEntry.objects.filter(action="report.check").exists()

    # Outside the jurisdiction is still 404 with the replica in use.
    assert logged_in(world.users["hr_zhengzhou"]).get("/reports/?region=410300").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])
def test_a_lagging_replica_is_read_within_the_bound_and_skipped_beyond_it(replica: Replica, settings: Any) -> None:
    world = world_on_the_replica()
    client = logged_in(world.users["hr_province"])
    before = figure(client.get(f"/reports/?year={YEAR}").content.decode(), "earned_total")
    replica.execute("SELECT pg_wal_replay_pause()")
    try:
        record_row(world.people["emp_jinshui"], YEAR, "public", 12)  # committed on the primary only
        settings.CECERT_REPLICA_MAX_LAG_SECONDS = 3600
        stale = client.get(f"/reports/?year={YEAR}").content.decode()
        assert source_state(stale) == "replica" and "延迟约" in stale
        assert figure(stale, "earned_total") == before  # the replica's (older) figures, and the page says so

        settings.CECERT_REPLICA_MAX_LAG_SECONDS = 0
        live = client.get(f"/reports/?year={YEAR}").content.decode()
        assert source_state(live) == "lagging" and "数据为实时数据" in live
        assert float(figure(live, "earned_total")) == float(before) + 12
    finally:
        replica.execute("SELECT pg_wal_replay_resume()")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])
def test_a_replica_that_is_down_falls_back_to_the_primary(replica: Replica) -> None:
    world = world_on_the_replica()
    client = logged_in(world.users["hr_province"])
    replica.stop()
    try:
        forget_check()
        page = client.get(f"/reports/?year={YEAR}")
        html = page.content.decode()
        assert page.status_code == 200 and source_state(html) == "down"
        assert "统计副本暂不可用" in html and "数据为实时数据" in html
        assert figure(html, "people") == str(Person.objects.filter(state="approved").count())
        export = client.get(f"/reports/export/shortfall/?year={YEAR}")
        assert export.status_code == 200 and b"".join(export.streaming_content)
    finally:
        replica.start()
