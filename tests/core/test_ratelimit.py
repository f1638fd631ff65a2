"""The fixed-window rate limit: per client address (``over_limit``) and per any key (``hit``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from cecert.core.ratelimit import hit, over_limit, over_limit_and_look

T0 = 1_800_000_000.0  # the start of a 60-second window (a multiple of 60)


REDIS = "redis://127.0.0.1:6379/9"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def _limits(request: pytest.FixtureRequest, settings: Any) -> None:
    """Every test runs against the per-process cache and against Redis (one round trip per hit)."""
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        settings.CACHES = {"default": {"BACKEND": "cecert.core.cache.RedisCache", "LOCATION": REDIS}}
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "test": (2, 60), "test_hourly": (2, 3600)}


def test_a_key_is_refused_over_its_limit_and_told_when_the_window_ends() -> None:
    hits = [hit("test", "a", now=T0 + 15) for _ in range(4)]
    assert [h.count for h in hits] == [1, 2, 3, 4]
    assert [h.exceeded for h in hits] == [False, False, True, True]
    assert [h.first_refusal for h in hits] == [False, False, True, False]
    assert {h.retry_after for h in hits} == {45}


def test_keys_are_counted_apart() -> None:
    for _ in range(3):
        hit("test", "a", now=T0)
    assert not hit("test", "b", now=T0).exceeded
    assert hit("test", "a", now=T0).exceeded


def test_the_next_window_refills_the_budget() -> None:
    for _ in range(3):
        last = hit("test", "a", now=T0 + 59.5)
    assert last.exceeded and last.retry_after == 1
    fresh = hit("test", "a", now=T0 + 60)
    assert (fresh.count, fresh.exceeded, fresh.retry_after) == (1, False, 60)


def test_over_limit_still_counts_per_client_address() -> None:
    factory = RequestFactory()
    first = factory.get("/", REMOTE_ADDR="10.0.0.1")
    assert [over_limit(first, "test_hourly") for _ in range(3)] == [False, False, True]
    assert over_limit(factory.get("/", REMOTE_ADDR="10.0.0.2"), "test_hourly") is False


def test_redis_counters_expire_with_their_window() -> None:
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCacheClient

    inner = getattr(cache, "_cache", None)
    if not isinstance(inner, RedisCacheClient):
        pytest.skip("the Redis path only")
    hit("test", "ttl")
    client = inner.get_client()
    keys = client.keys("*rl:test:ttl:*")
    assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= 61


def test_over_limit_and_look_counts_reads_and_remembers_the_key() -> None:
    from django.core.cache import cache

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.3")
    first = over_limit_and_look(request, "test_hourly", "page", remember_seconds=60, barred_by="bar")
    assert (first.exceeded, first.value, first.asked_before) == (False, None, False)
    cache.set("page", ("名字", b"<html>"), 60)
    again = [
        over_limit_and_look(request, "test_hourly", "page", remember_seconds=60, barred_by="bar") for _ in range(2)
    ]
    assert [(x.exceeded, x.value, x.asked_before) for x in again] == [
        (False, ("名字", b"<html>"), True),
        (True, ("名字", b"<html>"), True),
    ]
    cache.set("bar", 1, 60)  # the data behind "page" just changed
    barred = over_limit_and_look(
        RequestFactory().get("/", REMOTE_ADDR="10.0.0.5"), "test_hourly", "page", remember_seconds=60, barred_by="bar"
    )
    assert (barred.exceeded, barred.value, barred.asked_before) == (False, None, False)
    other = over_limit_and_look(
        RequestFactory().get("/", REMOTE_ADDR="10.0.0.4"),
        "test_hourly",
        "other",
        remember_seconds=60,
        barred_by="other-bar",
    )
    assert (other.exceeded, other.value, other.asked_before) == (False, None, False)


def _redis_path_only() -> Any:
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCacheClient

    inner = getattr(cache, "_cache", None)
    if not isinstance(inner, RedisCacheClient):
        pytest.skip("the Redis path only")
    return inner.get_client(write=True)


def test_a_connection_the_server_dropped_is_replaced() -> None:
    import redis

    from cecert.core.cache import round_trip

    client = _redis_path_only()
    hit("test", "drop")
    [ours] = round_trip(client, [("CLIENT", "ID")])  # the connection the counters go by
    redis.Redis.from_url(REDIS).client_kill_filter(_id=ours)
    assert hit("test", "drop").count == 2  # counted once: the killed connection never delivered it
    assert round_trip(client, [("CLIENT", "ID")]) != [ours]


def test_a_command_lost_on_the_way_is_sent_once_more() -> None:
    import socket

    from cecert.core.cache import _link, round_trip

    client = _redis_path_only()
    assert hit("test", "lost").count == 1
    [before] = round_trip(client, [("CLIENT", "ID")])
    _link.connection._sock.shutdown(socket.SHUT_WR)  # the next write fails: broken pipe
    assert hit("test", "lost").count == 2
    assert round_trip(client, [("CLIENT", "ID")]) != [before]
