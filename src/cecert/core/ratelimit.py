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
    limit, window = settings.CECERT_RATE_LIMITS[bucket]
    now = time.time() if now is None else now
    cache_key = f"rl:{bucket}:{key}:{int(now // window)}"
    retry_after = max(1, window - int(now % window))
    client = _redis_client()
    if client is not None:
        # One round trip instead of Django's add + exists + incr (three), on every public request.
        # SET NX EX creates the window's counter with its expiry (any Redis ≥ 2.6.12; EXPIRE NX needs 7).
        full_key = cache.make_and_validate_key(cache_key)
        pipe = client.pipeline()
        pipe.set(full_key, 0, ex=window + 1, nx=True)
        pipe.incr(full_key)
        _, count = pipe.execute()
        return Hit(int(count), limit, window, retry_after)
    if cache.add(cache_key, 1, timeout=window + 1):
        return Hit(1, limit, window, retry_after)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        count = 1
    return Hit(count, limit, window, retry_after)


def _redis_client() -> Any:
    """The redis-py client behind the Redis cache backend, or None for any other backend."""
    inner = getattr(cache, "_cache", None)
    return inner.get_client(write=True) if isinstance(inner, RedisCacheClient) else None


def over_limit(request: HttpRequest, bucket: str) -> bool:
    """Count this request; True when the client has exceeded the bucket's limit."""
    return hit(bucket, request.META.get("REMOTE_ADDR", "unknown")).exceeded
