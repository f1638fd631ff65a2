"""The Redis cache backend keeps one client per pool and behaves as Django's."""

from __future__ import annotations

import pytest

from cecert.core.cache import RedisCache
from tests.core.test_ratelimit import REDIS, _redis_up


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_one_client_serves_every_operation() -> None:
    cache = RedisCache(REDIS, {"KEY_PREFIX": "cecert-test-cache"})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client  # one server: reads and writes share the pool
    cache.set("k", {"a": 1}, 5)
    assert cache.get("k") == {"a": 1}
    assert cache.add("k2", 1, 5) and cache.incr("k2") == 2 and cache.get("k2") == 2
    cache.delete_many(["k", "k2"])
    assert cache.get("k") is None
