"""The shared cache: Django's own Redis backend, hiredis parsing, and our redis-py client beside it."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.core.cache import cache

from cecert.core import cache as shared_cache
from tests.redis_server import REDIS, redis_cache, redis_up


@pytest.fixture
def on_redis(settings: Any) -> None:
    if not redis_up():
        pytest.skip(f"Redis is not running at {REDIS}")
    redis.Redis.from_url(REDIS).flushdb()
    settings.CACHES = redis_cache(REDIS, socket_timeout=0.7)


def test_the_settings_use_djangos_own_redis_backend_with_hiredis() -> None:
    from cecert import settings as configured

    assert configured.CACHES["default"]["BACKEND"] in (
        "django.core.cache.backends.redis.RedisCache",  # CECERT_REDIS_URL set
        "django.core.cache.backends.locmem.LocMemCache",
    )
    import redis.connection
    import redis.utils

    assert redis.utils.HIREDIS_AVAILABLE and redis.connection.DefaultParser.__name__ == "_HiredisParser"


def test_our_client_is_built_from_the_caches_url_and_options(on_redis: None) -> None:
    client = shared_cache.client()
    assert client is not None and shared_cache.client() is client  # one per process
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["socket_timeout"]) == (6379, int(REDIS.rsplit("/", 1)[1]), 0.7)


def test_djangos_backend_and_our_client_share_keys(on_redis: None) -> None:
    shared_cache.put("k", b"\r\n\x00\xff", 5)  # bytes as they are, CR LF inside included
    assert shared_cache.get("k") == b"\r\n\x00\xff"
    cache.set("n", 1, 5)  # written by Django's backend under its prefix and version
    client = shared_cache.client()
    assert client is not None and client.get(cache.make_key("n")) == b"1"
    assert shared_cache.forget(["k"], bar="n:changed", bar_seconds=5)
    assert shared_cache.get("k") is None and cache.get("n:changed") == 1


@pytest.mark.parametrize("protocol", [2, 3])
def test_both_protocols(settings: Any, protocol: int) -> None:
    """redis 8's default RESP3 (push frames and all) is the library's business: both work."""
    if not redis_up():
        pytest.skip(f"Redis is not running at {REDIS}")
    settings.CACHES = redis_cache(REDIS, protocol=protocol)
    shared_cache.put("p", b"x", 5)
    assert shared_cache.get("p") == b"x"
    client = shared_cache.client()
    assert client is not None and client.connection_pool.connection_kwargs["protocol"] == protocol
