"""Review deadlines: each reviewer is told once a day how many waiting records are near or past it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cecert.notifications.domain.deadlines import notify_review_deadlines
from cecert.notifications.models import Notification
from cecert.records.enums import RecordState
from cecert.records.models import Record
from tests.factories import World
from tests.records.factories import advanced, declared


def aged(record: Record, days: int) -> None:
    Record.objects.filter(pk=record.pk).update(state_changed_at=timezone.now() - dt.timedelta(days=days))


def test_first_reviewers_and_certifiers_hear_of_their_late_and_nearly_late_records(world: World, settings: Any) -> None:
    settings.CECERT_REVIEW_DEADLINE_DAYS = 15
    person = world.people["emp_jinshui"]
    late = advanced(world, declared(person, title="逾期待初审"), RecordState.SUBMITTED)
    aged(late, 20)
    near = advanced(world, declared(person, title="将到期待认定"), RecordState.EMPLOYER_APPROVED)
    aged(near, 13)
    fresh = advanced(world, declared(person, title="刚提交"), RecordState.SUBMITTED)
    aged(fresh, 1)
    Notification.objects.all().delete()

    assert notify_review_deadlines() == {"passed": 1, "near": 3}
    passed = Notification.objects.get(event="review.deadline_passed")
    assert passed.user == world.users["admin_emp_jinshui"]
    assert passed.message == "您有 1 条记录已超过 15 天的审核期限，请尽快处理。"
    assert passed.url == "/review/queue/"
    near_users = set(Notification.objects.filter(event="review.deadline_near").values_list("user_id", flat=True))
    assert near_users == {world.users[k].pk for k in ("hr_province", "hr_zhengzhou", "hr_jinshui")}

    assert notify_review_deadlines() == {"passed": 0, "near": 0}  # once a day
