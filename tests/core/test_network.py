"""The client's address: X-Forwarded-For is believed only as far as our own proxies wrote it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from cecert.core.network import client_address

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::1"]


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        ([], "203.0.113.7", "", "203.0.113.7"),
        ([], "10.0.0.1", "198.51.100.1", "10.0.0.1"),  # no proxies configured: the header is never read
        (PROXIES, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not from our proxy: a forgery
        (PROXIES, "10.0.0.1", "203.0.113.7", "203.0.113.7"),
        (PROXIES, "10.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client's own entry is ignored
        (PROXIES, "10.0.0.1", "203.0.113.7, 10.0.0.2", "203.0.113.7"),  # two proxies of ours
        (PROXIES, "10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),  # only our own addresses: the farthest
        (PROXIES, "10.0.0.1", "", "10.0.0.1"),
        (PROXIES, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (PROXIES, "10.0.0.1", "203.0.113.7, garbage, 10.0.0.2", "10.0.0.2"),
        (PROXIES, "2001:db8:ffff::1", "2001:DB8::7", "2001:db8::7"),  # IPv6, written canonically
        (PROXIES, "", "203.0.113.7", ""),
    ],
)
def test_client_address(settings: Any, trusted: list[str], remote: str, forwarded: str, client: str) -> None:
    settings.CECERT_TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    request = RequestFactory().get("/", **meta)
    if not remote:
        del request.META["REMOTE_ADDR"]
    assert client_address(request) == client


@pytest.mark.django_db
def test_the_audit_trail_records_the_client_not_the_proxy(settings: Any) -> None:
    from cecert.audit.domain import record

    settings.CECERT_TRUSTED_PROXIES = PROXIES
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert record("test.proxy", request=request).source_ip == "203.0.113.7"
    assert record("test.none").source_ip == ""


def test_a_proxy_list_that_cannot_be_read_is_refused_by_name(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from cecert.core.network import check_trusted_proxies

    settings.CECERT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert check_trusted_proxies() == []
    settings.CECERT_TRUSTED_PROXIES = ["10.0.0.0/8", "nginx.internal"]
    [error] = check_trusted_proxies()
    assert error.id == "core.E001" and "CECERT_TRUSTED_PROXIES" in error.msg and "nginx.internal" in error.msg
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    with pytest.raises(ImproperlyConfigured, match="CECERT_TRUSTED_PROXIES"):
        client_address(request)
