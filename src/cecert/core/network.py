"""Who the client is, behind the platform's own reverse proxies.

In production a TLS-terminating proxy (nginx) sits in front of the application server, so
``REMOTE_ADDR`` is the proxy's address: counted by that, every verifier in the province would
share one rate-limit bucket. The proxies listed in ``CECERT_TRUSTED_PROXIES`` (addresses or
networks) append the address they saw to ``X-Forwarded-For``; reading that header from the right,
the first address that is not one of ours is the client. Anything further left was written by the
client and is ignored. Without trusted proxies the header is never read (it could be forged).

The same holds for the scheme: Django believes ``X-Forwarded-Proto: https`` (``SECURE_PROXY_SSL_HEADER``)
only because ``TrustedProxyMiddleware`` has removed that header from every request whose peer is not
one of the trusted proxies.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())
    except ValueError as error:
        raise ImproperlyConfigured(
            f"CECERT_TRUSTED_PROXIES 须为 IP 地址或网段 / must list IP addresses or networks: {error}"
        ) from error


def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A proxy list that cannot be read must stop the deployment, not fail every request."""
    try:
        _networks(tuple(settings.CECERT_TRUSTED_PROXIES))
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="core.E001")]
    return []


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def is_trusted_proxy(address: str) -> bool:
    """Whether ``address`` is one of the platform's own reverse proxies (never true without any configured)."""
    proxies = settings.CECERT_TRUSTED_PROXIES
    return bool(proxies) and _trusted(address, _networks(tuple(proxies)))


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ("" when the server gave none)."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.CECERT_TRUSTED_PROXIES
    if not proxies:
        return peer
    networks = _networks(tuple(proxies))
    if not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed(hops):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            break  # not written by one of our proxies: stop at the last one that did
        if not _trusted(address, networks):
            return address
        peer = address
    return peer


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the peer of this connection is one of ``CECERT_TRUSTED_PROXIES``."""
    proxies = settings.CECERT_TRUSTED_PROXIES
    if not proxies:
        return False
    return _trusted(str(request.META.get("REMOTE_ADDR", "")), _networks(tuple(proxies)))


class TrustedProxyMiddleware:
    """Drop the proxy's scheme header unless a trusted proxy sent the request (first in the stack).

    ``request.is_secure()`` reads ``SECURE_PROXY_SSL_HEADER`` from any request; anyone who reaches the
    application server directly could otherwise claim HTTPS (and, e.g., be spared the redirect).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        header = settings.SECURE_PROXY_SSL_HEADER
        if header and header[0] in request.META and not from_trusted_proxy(request):
            del request.META[header[0]]
        return self.get_response(request)
