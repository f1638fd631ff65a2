"""Fixed-window rate limits kept in the cache (Redis in production).

``over_limit`` counts per client address (public pages); ``hit`` counts per any key
(e.g. a training base calling the API) and says when the window refills.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCacheClient
from django.http import HttpRequest

from cecert.core.cache import round_trip
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
    also: Sequence[tuple[Any, ...]] = (),
    backend: BaseCache | None = None,
) -> tuple[Hit, list[Any] | None]:
    """``hit``; on Redis also the commands ``also`` in the same round trip (their raw replies, or
    None when the cache is not Redis and the caller must do their work itself)."""
    cache = backend or caches[DEFAULT_CACHE_ALIAS]
    limit, window = settings.CECERT_RATE_LIMITS[bucket]
    now = time.time() if now is None else now
    cache_key = f"rl:{bucket}:{key}:{int(now // window)}"
    retry_after = max(1, window - int(now % window))
    client = _redis_client(cache)
    if client is not None:
        # One round trip instead of Django's add + exists + incr (three), on every public request.
        # SET NX EX creates the window's counter with its expiry (any Redis ≥ 2.6.12; EXPIRE NX needs 7).
        # No MULTI/EXEC: INCR is atomic by itself, and the key cannot expire between the two commands
        # (it names its window and lives window + 1 seconds from its first request in that window).
        full_key = cache.make_key(cache_key)
        replies = round_trip(client, [("SET", full_key, 0, "EX", window + 1, "NX"), ("INCR", full_key), *also])
        return Hit(int(replies[1]), limit, window, retry_after), replies[2:]
    if cache.add(cache_key, 1, timeout=window + 1):
        return Hit(1, limit, window, retry_after), None
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        count = 1
    return Hit(count, limit, window, retry_after), None


def _redis_client(cache: BaseCache) -> Any:
    """The redis-py client behind the Redis cache backend, or None for any other backend."""
    inner = getattr(cache, "_cache", None)
    return inner.get_client(write=True) if isinstance(inner, RedisCacheClient) else None


def over_limit(request: HttpRequest, bucket: str) -> bool:
    """Count this request; True when the client has exceeded the bucket's limit."""
    return hit(bucket, _client_address(request)).exceeded


@dataclass(frozen=True)
class Looked:
    """``over_limit_and_look``: the limit, the cached value (None when absent), and whether the same
    key was looked up before within the remembered time."""

    exceeded: bool
    value: Any
    asked_before: bool


def over_limit_and_look(
    request: HttpRequest, bucket: str, cache_key: str, *, remember_seconds: int, barred_by: str
) -> Looked:
    """``over_limit``, the cached value of ``cache_key``, and whether it was asked for before (a marker
    beside it, kept ``remember_seconds``), in one Redis round trip: the public verification page
    needs all three on every request, and caches a page only when it is asked for a second time.

    While the key ``barred_by`` exists the cached value is neither used nor to be replaced (answered
    as absent and never asked before): a value written by a request that read the data just before
    it changed cannot be served.
    """
    # One look-up of the thread's cache backend: each access through ``django.core.cache.cache`` is a
    # context-local look-up, measured at several microseconds apiece on the public verification path.
    cache = caches[DEFAULT_CACHE_ALIAS]
    full_key = cache.make_key(cache_key)
    asked_key = cache.make_key(f"{cache_key}:asked")
    counted, replies = _count(
        bucket,
        _client_address(request),
        also=[
            ("GET", full_key),
            ("SET", asked_key, 1, "EX", remember_seconds, "NX"),
            ("EXISTS", cache.make_key(barred_by)),
        ],
        backend=cache,
    )
    if replies is None:
        first = cache.add(f"{cache_key}:asked", 1, timeout=remember_seconds)
        if cache.get(barred_by) is not None:
            return Looked(counted.exceeded, None, asked_before=False)
        return Looked(counted.exceeded, cache.get(cache_key), asked_before=not first)
    if replies[2]:
        return Looked(counted.exceeded, None, asked_before=False)
    value = None if replies[0] is None else cache._cache._serializer.loads(replies[0])  # type: ignore[attr-defined]
    return Looked(counted.exceeded, value, asked_before=replies[1] is None)


def _client_address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"
