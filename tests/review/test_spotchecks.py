"""Spot-checks: the same seed and rate redraw the same sample; overturning removes the hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cecert.core.errors import DomainError
from cecert.records.domain.years import certified_hours_by_subject
from cecert.records.enums import RecordState
from cecert.review.domain.spotchecks import decide_item, draw_sample, draw_spot_check
from cecert.review.models import SpotCheckOutcome
from tests.factories import World, logged_in
from tests.records.factories import advanced, declared


def test_draw_sample_is_reproducible_and_sized() -> None:
    ids = list(range(1, 101))
    sample = draw_sample(ids, "2025-henan", Decimal("0.05"))
    assert len(sample) == 5
    assert draw_sample(list(reversed(ids)), "2025-henan", Decimal("0.05")) == sample
    assert draw_sample(ids, "another-seed", Decimal("0.05")) != sample
    assert len(draw_sample(ids, "s", Decimal("0.001"))) == 1  # ceil


def test_spot_check_confirm_and_overturn(world: World) -> None:
    person = world.people["emp_jinshui"]
    records = [advanced(world, declared(person, title=f"培训{i}", end=dt.date(2025, 5, i + 1))) for i in range(4)]
    advanced(world, declared(world.people["emp_luoyang"]))  # outside Zhengzhou: never in the population
    hr = world.users["hr_zhengzhou"]
    check = draw_spot_check(hr=world.orgs["hr_zhengzhou"], year=2025, rate=Decimal("0.5"), by=hr, seed="abc")
    assert check.population_ids == sorted(r.pk for r in records)
    sampled = [item.record_id for item in check.items.all()]
    assert sampled == draw_sample([r.pk for r in records], "abc", Decimal("0.5"))
    first, second = check.items.all()
    decide_item(first, overturn=False, by=hr, reason="材料齐全")
    with pytest.raises(DomainError):
        decide_item(second, overturn=True, by=hr, reason="")
    decide_item(second, overturn=True, by=hr, reason="证书与培训不符")
    second.refresh_from_db()
    second.record.refresh_from_db()
    assert (second.outcome, second.record.state) == (SpotCheckOutcome.OVERTURNED, RecordState.OVERTURNED)
    assert certified_hours_by_subject(person, 2025)["public"] == Decimal(24 * 3)


def test_spot_check_pages_are_limited_to_the_drawing_department(world: World) -> None:
    advanced(world, declared(world.people["emp_jinshui"]))
    hr = world.users["hr_zhengzhou"]
    response = logged_in(hr).post("/review/spot-checks/", {"year": 2025, "rate": "100", "seed": "x"})
    assert response.status_code == 302
    url = response["Location"]
    assert logged_in(hr).get(url).status_code == 200
    assert logged_in(world.users["hr_luoyang"]).get(url).status_code == 404
    assert logged_in(world.users["admin_emp_jinshui"]).get(url).status_code == 404
