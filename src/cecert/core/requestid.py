"""A request id on every request, its response and every log line written while it runs.

The reverse proxy (nginx ``$request_id``) sends ``X-Request-ID``; it is kept only when the request
comes from one of ``CECERT_TRUSTED_PROXIES`` and looks like an id, so a client cannot write what
ends up in our logs. Otherwise the application makes one.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cecert.core.network import is_trusted_proxy

_current: contextvars.ContextVar[str] = contextvars.ContextVar("cecert_request_id", default="-")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    """The id of the request this thread is serving ("-" outside a request: commands, tasks)."""
    return _current.get()


def request_id_for(request: HttpRequest) -> str:
    offered = str(request.META.get("HTTP_X_REQUEST_ID", ""))
    if offered and _WELL_FORMED.match(offered) and is_trusted_proxy(str(request.META.get("REMOTE_ADDR", ""))):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so the JSON formatter writes it on every line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
