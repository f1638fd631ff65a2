"""The shared cache's Redis client for the public hot paths, and what happens while Redis is away.

Django's cache (``settings.CACHES``) is Django's own ``RedisCache``; redis-py parses replies with
hiredis when it is installed (a dependency). The rate limits and the verification page cache send
their commands as one redis-py pipeline without a transaction, on a ``redis.Redis`` client of our
own built with ``Redis.from_url`` from the same ``LOCATION`` and ``OPTIONS`` (the cache backend's
own client is not part of its public interface). Keys are made by the cache's ``make_key``, so
prefixes and versions are the same as Django's.

**Redis away.** A connection error or time-out is logged once (not on every request) and for
``RETRY_SECONDS`` the callers do without Redis: the rate limits count in this process's memory
(``local_limits``), pages are neither read from nor written to the shared cache. Then the next
request tries Redis again; when it answers, that is logged once too (ADR 0018).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger("cecert.cache")

REDIS_BACKENDS = frozenset({"django.core.cache.backends.redis.RedisCache"})
# Django's RedisCache options that are not connection-pool arguments.
_NOT_POOL_OPTIONS = frozenset({"pool_class", "parser_class", "serializer"})
# What an unreachable, restarting or failed-over Redis raises (not a wrong command: that is a bug).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.ReadOnlyError,
)
RETRY_SECONDS = 5.0

_clients: dict[tuple[str, tuple[tuple[str, Any], ...]], redis.Redis] = {}
_clients_lock = threading.Lock()


def client(alias: str = DEFAULT_CACHE_ALIAS) -> redis.Redis | None:
    """The redis-py client for the cache ``alias`` (its first, writable server), or None when that
    cache is not Redis. One client per URL and options, shared by the process's threads (its
    connection pool hands each command a connection; a forked child opens its own)."""
    config: dict[str, Any] = settings.CACHES[alias]
    if config["BACKEND"] not in REDIS_BACKENDS:
        return None
    location = config["LOCATION"]
    # As Django's RedisCache reads LOCATION: a list, or servers separated by "," or ";"; the first writes.
    url = (location if isinstance(location, str) else location[0]).replace(";", ",").split(",")[0].strip()
    options = tuple(sorted((k, v) for k, v in config.get("OPTIONS", {}).items() if k not in _NOT_POOL_OPTIONS))
    key = (url, options)
    found = _clients.get(key)
    if found is None:
        with _clients_lock:
            found = _clients.get(key) or _clients.setdefault(key, redis.Redis.from_url(url, **dict(options)))
    return found


def backend(alias: str = DEFAULT_CACHE_ALIAS) -> BaseCache:
    return caches[alias]


class _Health:
    """Whether Redis answered lately; logs each change once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.down = False
        self.retry_at = 0.0

    def usable(self) -> bool:
        return not self.down or time.monotonic() >= self.retry_at

    def failed(self, error: BaseException) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            if self.down:
                return
            self.down = True
        logger.error(
            "Redis 不可用，限流改为按进程计数，验证结果页不缓存 / Redis unavailable (%s: %s): rate limits count "
            "per process and verification pages are not cached until it answers again",
            type(error).__name__,
            error,
        )

    def answered(self) -> None:
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
        logger.warning("Redis 已恢复 / Redis answers again: shared rate limits and page cache resumed")


health = _Health()


def usable_client(alias: str = DEFAULT_CACHE_ALIAS) -> redis.Redis | None:
    """``client`` while Redis is not known to be away, else None (see ``shared``)."""
    found = client(alias)
    return found if found is not None and health.usable() else None


def shared(alias: str = DEFAULT_CACHE_ALIAS) -> bool:
    """True when the cache is Redis (shared by every worker), whether or not it answers now."""
    return settings.CACHES[alias]["BACKEND"] in REDIS_BACKENDS


_local = LocMemCache("cecert-local-limits", {"MAX_ENTRIES": 100_000})


def local_limits() -> BaseCache:
    """This process's own counters, standing in for Redis while it is away."""
    return _local


def get(key: str, alias: str = DEFAULT_CACHE_ALIAS) -> bytes | None:
    """The bytes kept under ``key`` (as ``put`` wrote them), or None (also while Redis is away)."""
    if not shared(alias):
        value = backend(alias).get(key)
        return value if isinstance(value, bytes) else None
    found = usable_client(alias)
    if found is None:
        return None
    try:
        value = found.get(backend(alias).make_key(key))
    except UNAVAILABLE_ERRORS as error:
        health.failed(error)
        return None
    health.answered()
    return value if isinstance(value, bytes) else None


def put(key: str, value: bytes, seconds: int, alias: str = DEFAULT_CACHE_ALIAS) -> None:
    """Keep ``value`` under ``key`` for ``seconds``; skipped while Redis is away (a cache, not a store)."""
    if not shared(alias):
        backend(alias).set(key, value, timeout=seconds)
        return
    found = usable_client(alias)
    if found is None:
        return
    try:
        found.set(backend(alias).make_key(key), value, ex=seconds)
    except UNAVAILABLE_ERRORS as error:
        health.failed(error)
    else:
        health.answered()


def forget(keys: Iterable[str], *, bar: str, bar_seconds: int, alias: str = DEFAULT_CACHE_ALIAS) -> bool:
    """Delete ``keys`` and set the marker ``bar`` for ``bar_seconds``, in one pipeline. Tried even while
    Redis is believed away; False (logged as an error) when it could not be done."""
    cache, keys = backend(alias), list(keys)
    if not shared(alias):
        cache.delete_many(keys)
        cache.set(bar, 1, timeout=bar_seconds)
        return True
    found = client(alias)
    assert found is not None
    pipe = found.pipeline(transaction=False)
    if keys:
        pipe.delete(*(cache.make_key(k) for k in keys))
    pipe.set(cache.make_key(bar), 1, ex=bar_seconds)
    try:
        pipe.execute()
    except UNAVAILABLE_ERRORS as error:
        health.failed(error)
        logger.error("Redis 不可用，未能清除缓存 %s / could not clear cached entries: %s", bar, error)
        return False
    health.answered()
    return True
