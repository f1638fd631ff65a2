"""Liveness and readiness for the load balancer and the process supervisor.

``/healthz`` says the process answers (no database, no cache: a dead database must not get every
worker restarted). ``/readyz`` says whether this instance can serve: the database answers, the
shared cache answers when one is configured, and each file store the platform writes to (proofs,
imports, the certificate cache: directories or an object store, ADR 0021) takes a write and gives it
back. The task queue's lag is reported beside them but does not take an instance out of service: a
stuck worker is not cured by sending no traffic to the web servers (it is alerted on through the
metrics instead).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from cecert.core.files import FILE_STORES, probe
from cecert.core.metrics import queue_lag


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"cecert:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    # A cache that degrades quietly (returns nothing instead of raising) must still count as down.
    if cache.get(key) != "1":
        raise RuntimeError("cache did not keep a value")
    cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    **{f"storage:{alias}": partial(probe, alias) for alias in FILE_STORES},
}


def _run(check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure makes the instance not ready; the class tells the operator which
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = {name: _run(check) for name, check in CHECKS.items()}
    try:
        lag = queue_lag()
        results["task_queue"] = {
            "ok": True,
            "lag_seconds": round(lag, 1),
            "lagging": lag > settings.CECERT_QUEUE_LAG_WARN,
        }
    except Exception as error:  # reported, not fatal: see the module docstring
        results["task_queue"] = {"ok": False, "error": type(error).__name__}
    ready = all(results[name]["ok"] for name in CHECKS)
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
