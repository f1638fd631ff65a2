"""The Redis cache backend keeps one client per pool and behaves as Django's."""

from __future__ import annotations

from typing import Any

import pytest

from cecert.core.cache import RedisCache, _link, round_trip
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


@pytest.fixture
def client() -> Any:
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    return RedisCache(REDIS, {"KEY_PREFIX": "cecert-test-rt"})._cache.get_client(write=True)


def test_round_trip_sends_every_command_and_reads_every_kind_of_reply(client: Any) -> None:
    replies = round_trip(
        client,
        [
            ("SET", "rt:a", "值", "EX", 60, "NX"),  # +OK
            ("SET", "rt:a", 1, "EX", 60, "NX"),  # null: already there
            ("INCR", "rt:n"),  # integer
            ("GET", "rt:a"),  # bulk string, UTF-8 as sent
            ("GET", "rt:missing"),  # null
            ("EXISTS", "rt:a", "rt:missing"),
            ("SET", "rt:bin", b"\r\n\x00\xff"),  # bulk strings are length-prefixed: CR LF inside is data
            ("GET", "rt:bin"),
        ],
    )
    assert replies == [b"OK", None, 1, "值".encode(), None, 1, b"OK", b"\r\n\x00\xff"]


def test_an_error_reply_raises_after_reading_every_reply(client: Any) -> None:
    import redis

    [before] = round_trip(client, [("CLIENT", "ID")])
    with pytest.raises(redis.ResponseError, match="not an integer"):
        round_trip(client, [("SET", "rt:s", "x"), ("INCR", "rt:s"), ("SET", "rt:after", 1)])
    assert round_trip(client, [("GET", "rt:after"), ("CLIENT", "ID")]) == [b"1", before]  # same connection, in step


def test_round_trip_speaks_resp2_too() -> None:
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    resp2 = RedisCache(REDIS + "?protocol=2", {})._cache.get_client(write=True)
    assert resp2.connection_pool.connection_kwargs["protocol"] == 2
    assert round_trip(resp2, [("GET", "rt:none"), ("SET", "rt:x", 1), ("INCR", "rt:x")]) == [None, b"OK", 2]


def test_a_connection_inherited_through_fork_is_left_to_the_parent(client: Any) -> None:
    [parent] = round_trip(client, [("CLIENT", "ID")])
    inherited = _link.connection
    _link.pid = -1  # as a forked child sees it: another process opened it
    [child] = round_trip(client, [("CLIENT", "ID")])
    assert child != parent
    assert inherited._sock is not None  # not closed: the parent still uses it
    inherited.disconnect()


def test_arguments_of_other_types_are_refused(client: Any) -> None:
    with pytest.raises(TypeError):
        round_trip(client, [("SET", "rt:x", None)])
