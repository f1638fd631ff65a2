"""The fixed-window rate limit: per client address (``over_limit``) and per any key (``hit``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from cecert.core.ratelimit import hit, over_limit

T0 = 1_800_000_000.0  # the start of a 60-second window (a multiple of 60)


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
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
