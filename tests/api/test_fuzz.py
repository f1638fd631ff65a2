"""The JSON API fuzzed from the OpenAPI document it serves (schemathesis): no input gets a 5xx.

Every operation of ``/api/v1/openapi.json`` is exercised by schemathesis' coverage phase (boundary
and just-outside values of every parameter: ``offset=-1``, huge integers, ``year=0`` ...) and by a
few deterministic fuzzing examples, valid and invalid; each generated request is sent anonymously and
as a provincial HR officer (a session with the second factor done), and must not answer 5xx.

Bounded to run in the ordinary suite: a handful of examples per operation, derandomised, no example
database. The calculator's two operations are fuzzed without the coverage phase: their bodies are a
union of every activity type and the phase enumerates hundreds of them (minutes on a slow machine);
their boundaries are the crediting tests' business (``tests/crediting``, hypothesis). The training
bases' operations need a signed request (``catalogs.domain.apiauth``), so here they are reached
unsigned only (401), their own tests sign.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from cecert.accounts.models import Role
from tests.factories import employer, hr_department, industry_authority, logged_in, registered_person, user_with_role

EXAMPLES = 5

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}, "coverage": {"unexpected-methods": []}},
        "operations": [{"include-tag": "hours", "phases": {"coverage": {"enabled": False}}}],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """The requests go through the real WSGI handler, whose signals would close the test's database
    connection (and its transaction) after each request: detach them, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def officer_cookies(db: None, keep_test_connection: None) -> dict[str, str]:
    """A provincial HR officer's session (sees every person) and one registered person to be seen."""
    health = industry_authority("410000", "health")
    registered_person(employer("410105", health, name="金水医院"))
    officer = user_with_role(Role.HR_OFFICER, hr_department("410000"), username="hr_province")
    client = logged_in(officer)
    return {django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_no_server_error(case: schemathesis.Case, officer_cookies: dict[str, str]) -> None:
    for cookies in ({}, officer_cookies):
        response = case.call(cookies=cookies)
        case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])
