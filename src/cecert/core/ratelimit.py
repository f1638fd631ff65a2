"""Fixed-window rate limits kept in the cache (Redis in production).

``over_limit`` counts per client address (public pages); ``hit`` counts per any key
(e.g. a training base calling the API) and says when the window refills.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.http import HttpRequest


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
    return _count(bucket, key, now=now, fetch=None)[0]


def _count(bucket: str, key: str, *, now: float | None, fetch: str | None) -> tuple[Hit, Any]:
    """``hit``, and ``cache.get(fetch)`` when asked, in one Redis round trip."""
    limit, window = settings.CECERT_RATE_LIMITS[bucket]
    now = time.time() if now is None else now
    cache_key = f"rl:{bucket}:{key}:{int(now // window)}"
    retry_after = max(1, window - int(now % window))
    client = _redis_client()
    if client is not None:
        # One round trip instead of Django's add + exists + incr (three), on every public request.
        # SET NX EX creates the window's counter with its expiry (any Redis ≥ 2.6.12; EXPIRE NX needs 7).
        # No MULTI/EXEC: INCR is atomic by itself, and the key cannot expire between the two commands
        # (it names its window and lives window + 1 seconds from its first request in that window).
        full_key = cache.make_and_validate_key(cache_key)
        pipe = client.pipeline(transaction=False)
        pipe.set(full_key, 0, ex=window + 1, nx=True)
        pipe.incr(full_key)
        if fetch is not None:
            pipe.get(cache.make_and_validate_key(fetch))
        replies = pipe.execute()
        fetched = None
        if fetch is not None and replies[2] is not None:
            fetched = cache._cache._serializer.loads(replies[2])  # type: ignore[attr-defined]  # the backend's own
        return Hit(int(replies[1]), limit, window, retry_after), fetched
    fetched = cache.get(fetch) if fetch is not None else None
    if cache.add(cache_key, 1, timeout=window + 1):
        return Hit(1, limit, window, retry_after), fetched
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        count = 1
    return Hit(count, limit, window, retry_after), fetched


def _redis_client() -> Any:
    """The redis-py client behind the Redis cache backend, or None for any other backend."""
    inner = getattr(cache, "_cache", None)
    return inner.get_client(write=True) if isinstance(inner, RedisCacheClient) else None


def over_limit(request: HttpRequest, bucket: str) -> bool:
    """Count this request; True when the client has exceeded the bucket's limit."""
    return hit(bucket, _client_address(request)).exceeded


def over_limit_and_get(request: HttpRequest, bucket: str, cache_key: str) -> tuple[bool, Any]:
    """``over_limit`` and the cached value of ``cache_key`` (None when absent), in one Redis round trip:
    the public verification page needs both on every request."""
    counted, fetched = _count(bucket, _client_address(request), now=None, fetch=cache_key)
    return counted.exceeded, fetched


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")
