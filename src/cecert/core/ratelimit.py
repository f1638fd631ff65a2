"""A fixed-window rate limit per client address, kept in the cache (Redis in production)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def over_limit(request: HttpRequest, bucket: str) -> bool:
    """Count this request; True when the client has exceeded the bucket's limit."""
    limit, window = settings.CECERT_RATE_LIMITS[bucket]
    address = request.META.get("REMOTE_ADDR", "unknown")
    key = f"rl:{bucket}:{address}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window + 1):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return False
    return count > limit
