"""Where a ``next`` parameter may send the browser: only to a path on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str = "accounts:dashboard") -> str:
    """``next`` from the form or the query string when it points at this host, else ``default``.

    Django's check refuses other hosts, scheme-relative ``//host`` and ``/\\host`` forms, control
    characters and (on an HTTPS request) a downgrade to http.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)
