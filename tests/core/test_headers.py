"""Production headers: the Content-Security-Policy, HSTS, and the proxy's scheme believed only from our proxies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import cecert

PROXY = "10.20.0.5"
STRANGER = "203.0.113.9"
TEMPLATES = Path(cecert.__file__).parent


def _csp(response: Any) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/verify/", "/hours/", "/accounts/login/", "/api/v1/docs"])
def test_every_page_carries_a_policy_without_inline_script(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]


@pytest.mark.django_db
def test_api_docs_are_served_from_our_own_static_files(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/static/") for s in sources), sources


def test_templates_hold_no_inline_script_or_event_handler() -> None:
    """Every template under src/cecert: a <script> either loads a file or is JSON data; no on*= attribute."""
    offences = []
    for template in TEMPLATES.rglob("templates/**/*.html"):
        text = template.read_text("utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in tag and "application/json" not in tag:
                offences.append(f"{template}: {tag}")
        for handler in re.findall(r"<[a-z][^>]*\son[a-z]+\s*=\s*[\"']", text, flags=re.IGNORECASE):
            offences.append(f"{template}: {handler}")
        if "javascript:" in text.lower():
            offences.append(f"{template}: javascript: URL")
    assert not offences, offences


@pytest.mark.django_db
def test_forwarded_https_is_believed_from_a_trusted_proxy(client: Client, settings: Any) -> None:
    settings.CECERT_TRUSTED_PROXIES = ["10.20.0.0/24"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # the same proxy forwarding plain HTTP is sent to HTTPS
    response = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [[], ["10.20.0.0/24"]])
def test_forged_forwarded_https_from_anyone_else_is_ignored(client: Client, settings: Any, trusted: list[str]) -> None:
    settings.CECERT_TRUSTED_PROXIES = trusted
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301  # still plain HTTP to the application: redirected, not served
    assert response["Location"] == "https://testserver/"
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_request_is_secure_only_from_a_trusted_proxy(settings: Any, rf: Any) -> None:
    from cecert.core.network import TrustedProxyMiddleware

    settings.CECERT_TRUSTED_PROXIES = ["10.20.0.0/24"]
    seen = []
    middleware = TrustedProxyMiddleware(lambda request: seen.append(request.is_secure()))  # type: ignore[arg-type,func-returns-value]
    for remote in (PROXY, STRANGER, "10.20.1.5", "not-an-address"):
        middleware(rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https"))
    assert seen == [True, False, False, False]
