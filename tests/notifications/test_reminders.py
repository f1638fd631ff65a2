"""Year-end shortfall reminders: only approved people short of their requirement, selected in SQL from the
maintained sums, in chunks on the task queue, once per person, year and campaign."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cecert.accounts.models import User
from cecert.notifications.domain.reminders import remind_chunk, start_shortfall_campaign
from cecert.notifications.models import Delivery, Notification
from cecert.records.models import PersonYear
from tests.certificates.factories import YEAR, certified_record, full_year
from tests.factories import World, registered_person

SHORT = ("emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial")


@pytest.fixture
def year(world: World, settings: Any) -> int:
    settings.CECERT_QUIET_HOURS = ""
    full_year(world.people["emp_jinshui"])  # met
    certified_record(world.people["emp_zhongyuan"], subject="public", hours=24)  # part done
    registered_person(world.orgs["emp_luoyang"], approved=False, phone="13900000002")  # not approved: never reminded
    User.objects.update(phone_verified_at=timezone.now(), email_verified_at=timezone.now())
    return YEAR


def reminded() -> dict[int, str]:
    return dict(Notification.objects.filter(event="reminder.shortfall").values_list("user_id", "message"))


def test_only_people_short_of_their_requirement_are_reminded(world: World, year: int) -> None:
    result = start_shortfall_campaign(year, "2025-11-01", chunk=2)
    assert result == {"year": year, "chunks": 3}  # five approved people in ranges of two
    assert set(reminded()) == {world.people[k].user_id for k in SHORT}

    zhongyuan = world.people["emp_zhongyuan"]
    required = PersonYear.objects.get(person=zhongyuan, year=year).required_total
    assert reminded()[zhongyuan.user_id].startswith(f"{year} 年度继续教育尚差 {required - 24} 学时")
    assert Delivery.objects.filter(event="reminder.shortfall", channel="sms").count() == len(SHORT)
    email = Delivery.objects.get(event="reminder.shortfall", channel="email", user=zhongyuan.user)
    assert "张三，您好" in email.body and f"应完成继续教育 {required} 学时" in email.body


def test_a_campaign_reminds_each_person_once(world: World, year: int) -> None:
    start_shortfall_campaign(year, "2025-11-01")
    start_shortfall_campaign(year, "2025-11-01")  # started twice: nothing new
    first = world.people["emp_luoyang"]
    assert remind_chunk(year, "2025-11-01", first.pk, first.pk) == 0  # a chunk run twice: nothing new
    assert Notification.objects.filter(event="reminder.shortfall").count() == len(SHORT)
    assert Delivery.objects.filter(event="reminder.shortfall").count() == 2 * len(SHORT)
    start_shortfall_campaign(year, "2025-12-01")  # the next campaign reminds again
    assert Notification.objects.filter(event="reminder.shortfall").count() == 2 * len(SHORT)


def test_a_chunk_costs_the_same_queries_however_many_people_it_reminds(
    world: World, year: int, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, not run here
    ids = sorted(p.pk for p in world.people.values())
    first = world.people["emp_luoyang"].pk
    start_shortfall_campaign(year, "warm-up")  # requirement rows exist from here on
    with django_assert_max_num_queries(20) as one:
        assert remind_chunk(year, "one", first, first) == 1
    with django_assert_max_num_queries(len(one)) as all_short:
        assert remind_chunk(year, "all", ids[0], ids[-1]) == len(SHORT)
    assert len(all_short) == len(one)
