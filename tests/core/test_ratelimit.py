"""The fixed-window rate limit: per client address (``over_limit``) and per any key (``hit``)."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.test import RequestFactory

from cecert.core import cache as shared_cache
from cecert.core.ratelimit import hit, over_limit, over_limit_and_look
from tests.redis_server import REDIS, redis_cache, redis_up

T0 = 1_800_000_000.0  # the start of a 60-second window (a multiple of 60)


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def _limits(request: pytest.FixtureRequest, settings: Any) -> None:
    """Every test runs against the per-process cache and against Redis (one pipeline per hit)."""
    if request.param == "redis":
        if not redis_up():
            pytest.skip(f"Redis is not running at {REDIS}")
        redis.Redis.from_url(REDIS).flushdb()
        settings.CACHES = redis_cache(REDIS)
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


def _redis_path_only() -> redis.Redis:
    client = shared_cache.client()
    if client is None:
        pytest.skip("the Redis path only")
    return client


def test_redis_counters_expire_with_their_window() -> None:
    client = _redis_path_only()
    hit("test", "ttl")
    keys = client.keys("*rl:test:ttl:*")
    assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= 61


def test_over_limit_and_look_counts_reads_and_remembers_the_key() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.3")
    first = over_limit_and_look(request, "test_hourly", "page", remember_seconds=60, barred_by="bar")
    assert (first.exceeded, first.value, first.asked_before) == (False, None, False)
    shared_cache.put("page", "名字\n<html>".encode(), 60)
    again = [
        over_limit_and_look(request, "test_hourly", "page", remember_seconds=60, barred_by="bar") for _ in range(2)
    ]
    assert [(x.exceeded, x.value, x.asked_before) for x in again] == [
        (False, "名字\n<html>".encode(), True),
        (True, "名字\n<html>".encode(), True),
    ]
    assert shared_cache.forget([], bar="bar", bar_seconds=60)  # the data behind "page" just changed
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


def test_forget_deletes_every_key_and_bars_for_its_time() -> None:
    shared_cache.put("a", b"1", 60)
    shared_cache.put("b", b"2", 60)
    assert shared_cache.forget(["a", "b"], bar="a:bar", bar_seconds=30)
    assert (shared_cache.get("a"), shared_cache.get("b")) == (None, None)
    client = shared_cache.client()
    if client is not None:
        [bar] = client.keys("*a:bar")
        assert 0 < client.ttl(bar) <= 30


def test_a_connection_the_server_dropped_is_replaced() -> None:
    """redis-py's own retry: a pooled connection the server closed is reconnected, the count not lost."""
    client = _redis_path_only()
    hit("test", "drop")
    ours = client.client_id()  # the pooled connection the counters go by (one thread: one connection)
    assert redis.Redis.from_url(REDIS).client_kill_filter(_id=ours) == 1
    assert hit("test", "drop").count == 2
    assert client.client_id() != ours
    assert shared_cache.health.usable() and not shared_cache.health.down
    assert client.ping()
