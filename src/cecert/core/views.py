"""The public home page and the server-error page."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from cecert.core.files import FileStoreUnavailable


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


# The database cannot be reached or dropped the connection (server restarted, failover, network):
# the request did nothing, and the next one may well succeed on a new connection.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# What was out of reach, in the words of the 503 page.
_UNAVAILABLE_ZH = ((DATABASE_UNAVAILABLE, "数据库"), ((FileStoreUnavailable,), "文件存储"))


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an uncaught exception. A lost database or file store answers 503 with ``Retry-After``,
    anything else 500; both in Chinese (JSON with English beside it under ``/api/``), never a traceback.

    Rendered without the request's context: the context processors read the user from the database
    that may be the very thing that failed.
    """
    error = sys.exc_info()[1]
    unreachable = next((what for kinds, what in _UNAVAILABLE_ZH if isinstance(error, kinds)), "")
    unavailable = bool(unreachable)
    status = 503 if unavailable else 500
    response: HttpResponse
    if request.path.startswith("/api/"):
        zh, en = (
            ("服务暂时不可用，请稍后重试", "service temporarily unavailable, try again later")
            if unavailable
            else ("服务器内部错误", "internal server error")
        )
        body = {"errors": [{"field": "", "message_zh": zh, "message_en": en}]}
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        page = loader.render_to_string(
            "503.html" if unavailable else "500.html", {"retry_after": RETRY_AFTER_SECONDS, "unreachable": unreachable}
        )
        response = HttpResponse(page, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
