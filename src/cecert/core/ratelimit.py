"""Fixed-window rate limits kept in the cache (Redis in production).

``over_limit`` counts per client address (public pages); ``hit`` counts per any key
(e.g. a training base calling the API) and says when the window refills. On Redis each count is
one redis-py pipeline without a transaction (``cecert.core.cache.client``); while Redis is away
the counts are kept in this process's memory instead (``cecert.core.cache.local_limits``): the
pages still answer, each worker limiting on its own (ADR 0018).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from cecert.core import cache as shared_cache
from cecert.core.network import client_address


@dataclass(frozen=True)
class Hit:
    """One counted request: its number in the current window, the bucket's limit and window (seconds),
    and the seconds until the window ends."""

    count: int
    limit: int
    window: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def first_refusal(self) -> bool:
        """The first request over the limit in this window (exactly one per key and window)."""
        return self.count == self.limit + 1


def hit(bucket: str, key: str, *, now: float | None = None) -> Hit:
    """Count one request of ``key`` in ``bucket`` (``settings.CECERT_RATE_LIMITS[bucket]`` = (limit, window))."""
    return _count(bucket, key, now=now)[0]


def _count(
    bucket: str,
    key: str,
    *,
    now: float | None = None,
    also: Callable[[Any, BaseCache], None] | None = None,
) -> tuple[Hit, list[Any] | None]:
    """``hit``; on Redis also the commands that ``also`` adds to the same pipeline (their replies; None
    when the cache is not Redis or Redis is away, and the caller must do without)."""
    cache = caches[DEFAULT_CACHE_ALIAS]
    limit, window = settings.CECERT_RATE_LIMITS[bucket]
    now = time.time() if now is None else now
    cache_key = f"rl:{bucket}:{key}:{int(now // window)}"
    retry_after = max(1, window - int(now % window))
    client = shared_cache.usable_client()
    if client is not None:
        # One round trip instead of Django's add + exists + incr (three), on every public request.
        # SET NX EX creates the window's counter with its expiry (any Redis >= 2.6.12; EXPIRE NX needs 7).
        # No MULTI/EXEC: INCR is atomic by itself, and the key cannot expire between the two commands
        # (it names its window and lives window + 1 seconds from its first request in that window).
        full_key = cache.make_key(cache_key)
        pipe = client.pipeline(transaction=False)
        pipe.set(full_key, 0, ex=window + 1, nx=True)
        pipe.incr(full_key)
        if also is not None:
            also(pipe, cache)
        try:
            replies = pipe.execute()
        except shared_cache.UNAVAILABLE_ERRORS as error:
            shared_cache.health.failed(error)
        else:
            shared_cache.health.answered()
            return Hit(int(replies[1]), limit, window, retry_after), replies[2:]
    counters = shared_cache.local_limits() if shared_cache.shared() else cache
    if counters.add(cache_key, 1, timeout=window + 1):
        return Hit(1, limit, window, retry_after), None
    try:
        count = counters.incr(cache_key)
    except ValueError:  # expired between add and incr
        counters.add(cache_key, 1, timeout=window + 1)
        count = 1
    return Hit(count, limit, window, retry_after), None


def over_limit(request: HttpRequest, bucket: str) -> bool:
    """Count this request; True when the client has exceeded the bucket's limit."""
    return hit(bucket, _client_address(request)).exceeded


@dataclass(frozen=True)
class Looked:
    """``over_limit_and_look``: the limit, the cached value (None when absent), and whether the same
    key was looked up before within the remembered time."""

    exceeded: bool
    value: bytes | None
    asked_before: bool


def over_limit_and_look(
    request: HttpRequest, bucket: str, cache_key: str, *, remember_seconds: int, barred_by: str
) -> Looked:
    """``over_limit``, the bytes cached under ``cache_key`` (written by ``cecert.core.cache.put``), and
    whether it was asked for before (a marker beside it, kept ``remember_seconds``), in one Redis
    pipeline: the public verification page needs all three on every request, and caches a page only
    when it is asked for a second time.

    While the key ``barred_by`` exists the cached value is neither used nor to be replaced (answered
    as absent and never asked before): a value written by a request that read the data just before
    it changed cannot be served. While Redis is away: absent and never asked before.
    """

    def look(pipe: Any, cache: BaseCache) -> None:
        pipe.get(cache.make_key(cache_key))
        pipe.set(cache.make_key(f"{cache_key}:asked"), 1, ex=remember_seconds, nx=True)
        pipe.exists(cache.make_key(barred_by))

    counted, replies = _count(bucket, _client_address(request), also=look)
    if replies is None:
        if shared_cache.shared():  # Redis is away
            return Looked(counted.exceeded, None, asked_before=False)
        cache = caches[DEFAULT_CACHE_ALIAS]
        first = cache.add(f"{cache_key}:asked", 1, timeout=remember_seconds)
        if cache.get(barred_by) is not None:
            return Looked(counted.exceeded, None, asked_before=False)
        value = cache.get(cache_key)
        return Looked(counted.exceeded, value if isinstance(value, bytes) else None, asked_before=not first)
    value, first, barred = replies
    if barred:
        return Looked(counted.exceeded, None, asked_before=False)
    return Looked(counted.exceeded, value, asked_before=not first)


def _client_address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"
