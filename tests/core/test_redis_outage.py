"""With Redis stopped, the public pages, login and the base API still answer (issue 13, item 9).

Each test starts a Redis of its own on a free port (``tests.redis_server``), points the cache at it,
stops it, and requests the pages: they answer, the rate limits count per process instead, and the
outage is logged once, not on every request (ADR 0018).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cecert.catalogs.domain import apiauth
from cecert.certificates.domain import issuance
from cecert.certificates.domain.issuance import revoke_certificate
from cecert.certificates.models import Certificate
from cecert.core import cache as shared_cache
from tests.accounts.test_views import registration_post
from tests.catalogs.conftest import make_base
from tests.catalogs.test_api import Api
from tests.certificates.factories import YEAR, full_year
from tests.factories import PASSWORD, World
from tests.organisations.test_employer_registration import employer_post
from tests.redis_server import Server, redis_cache, throwaway_redis


@pytest.fixture
def redis_server(settings: Any) -> Iterator[Server]:
    """A Redis of the test's own as the shared cache, with the verification page cache on."""
    shared_cache.health.reset()
    shared_cache.local_limits().clear()
    with throwaway_redis() as server:
        settings.CACHES = redis_cache(server.url)
        settings.CECERT_VERIFY_CACHE_SECONDS = 60
        yield server
    shared_cache.health.reset()


@pytest.fixture
def certificate(world: World) -> Certificate:
    full_year(world.people["emp_jinshui"])
    return issuance.issue_annual_certificate(world.people["emp_jinshui"], YEAR, by=None)


def _outage_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "cecert.cache" and r.levelno >= logging.ERROR]


def _every_public_page(world: World, certificate: Certificate) -> dict[str, int]:
    """The status of every page that must answer without Redis (each with a fresh client)."""
    serial, name = certificate.serial, certificate.person.name
    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    credential, secret = apiauth.issue_credential(base, by=admin)
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.7 not really", content_type="application/pdf")
    hours = {"type": "conference", "level": "provincial", "days": 2, "presented": True, "date": "2026-05-01"}
    person = world.people["emp_jinshui"]
    return {
        "verify blank": Client().get("/verify/").status_code,
        "verify by serial": Client().get("/verify/", {"number": serial, "name": name}).status_code,
        "verify by serial (POST)": Client().post("/verify/", {"number": serial, "name": name}).status_code,
        "verify by certificate number": Client()
        .get("/verify/", {"number": person.certificate_number, "name": name})
        .status_code,
        "verify QR": Client().get("/verify/qr", {"p": "not-a-payload"}).status_code,
        "verify upload": Client().post("/verify/upload", {"file": pdf}).status_code,
        "verify keys": Client().get("/verify/keys/").status_code,
        "verify keys.json": Client().get("/verify/keys.json").status_code,
        "calculator": Client().get("/hours/").status_code,
        "calculator (POST)": Client()
        .post("/hours/", {"type": "conference", "a-level": "provincial", "a-days": 2, "a-date": "2026-05-01"})
        .status_code,
        "hours API": Client()
        .post("/api/v1/hours/evaluate", json.dumps(hours), content_type="application/json")
        .status_code,
        "register (person)": Client().post("/accounts/register/", registration_post(world)).status_code,
        "register (employer)": Client().post("/organisations/register/", employer_post(world)).status_code,
        "register (base)": Client().post("/catalogs/bases/apply/", {}).status_code,
        "login page": Client().get("/accounts/login/").status_code,
        "login": Client().post("/accounts/login/", {"username": person.id_number, "password": PASSWORD}).status_code,
        "base API": Api(credential, secret).call("GET", "/api/v1/bases/me").status_code,
    }


EXPECTED = {
    "verify blank": 200,
    "verify by serial": 200,
    "verify by serial (POST)": 200,
    "verify by certificate number": 200,
    "verify QR": 200,
    "verify upload": 200,
    "verify keys": 200,
    "verify keys.json": 200,
    "calculator": 200,
    "calculator (POST)": 200,
    "hours API": 200,
    "register (person)": 200,
    "register (employer)": 200,
    "register (base)": 200,
    "login page": 200,
    "login": 302,
    "base API": 200,
}


def test_with_redis_running_every_page_answers(
    world: World, certificate: Certificate, redis_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """The same requests as below, Redis up: the baseline the outage is compared with."""
    assert _every_public_page(world, certificate) == EXPECTED
    client = shared_cache.client()
    assert client is not None and client.keys("*rl:verify:*")  # counted in Redis
    assert not _outage_logs(caplog)


def test_with_redis_stopped_every_page_still_answers_and_the_outage_is_logged_once(
    world: World,
    certificate: Certificate,
    redis_server: Server,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared_cache, "RETRY_SECONDS", 0.0)  # try Redis again on every request
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="cecert.cache"):
        assert _every_public_page(world, certificate) == EXPECTED
        query = {"number": certificate.serial, "name": certificate.person.name}
        assert [Client().get("/verify/", query).status_code for _ in range(5)] == [200] * 5  # and again
    [logged] = _outage_logs(caplog)  # once, although every request above tried Redis again
    assert "Redis 不可用" in logged.getMessage() and "ConnectionError" in logged.getMessage()


def test_without_redis_the_limit_is_counted_in_this_process(
    certificate: Certificate, redis_server: Server, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (3, 60)}
    redis_server.stop()
    query = {"number": certificate.serial, "name": certificate.person.name}
    statuses = [Client().get("/verify/", query).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    other = Client(REMOTE_ADDR="192.0.2.7").get("/verify/", query)
    assert other.status_code == 200 and 'data-status="genuine"' in other.content.decode()


def test_redis_back_is_used_again_and_logged_once(
    certificate: Certificate,
    redis_server: Server,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared_cache, "RETRY_SECONDS", 0.0)
    query = {"number": certificate.serial, "name": certificate.person.name}
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="cecert.cache"):
        assert Client().get("/verify/", query).status_code == 200
        redis_server.start()  # same port, empty
        for _ in range(3):
            assert Client().get("/verify/", query).status_code == 200
    client = shared_cache.client()
    assert client is not None and int(client.get(client.keys("*rl:verify:*")[0]) or 0) == 3
    back = [r for r in caplog.records if r.name == "cecert.cache" and "Redis 已恢复" in r.getMessage()]
    assert len(back) == 1 and len(_outage_logs(caplog)) == 1


def test_a_revocation_goes_through_with_redis_stopped_and_the_page_says_revoked(
    certificate: Certificate, redis_server: Server
) -> None:
    query = {"number": certificate.serial, "name": certificate.person.name}
    for _ in range(2):
        Client().get("/verify/", query)  # asked twice: the genuine page is cached in Redis
    redis_server.stop()
    revoke_certificate(certificate, "材料不实", by=None)
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert 'data-status="revoked"' in Client().get("/verify/", query).content.decode()


def test_a_redis_that_stops_answering_costs_one_time_out_then_is_left_alone(
    certificate: Certificate, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A server that accepts connections and never answers (a hung or partitioned Redis): the first
    request waits for the time-out, the next ones do not wait at all until the retry time is over."""
    shared_cache.health.reset()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        settings.CACHES = redis_cache(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        settings.CECERT_VERIFY_CACHE_SECONDS = 60
        query = {"number": certificate.serial, "name": certificate.person.name}
        timings = []
        for _ in range(3):
            started = time.monotonic()
            assert Client().get("/verify/", query).status_code == 200
            timings.append(time.monotonic() - started)
    shared_cache.health.reset()
    assert 0.4 < timings[0] < 3 and max(timings[1:]) < 0.3
    assert "TimeoutError" in _outage_logs(caplog)[0].getMessage()
