"""``notify``: rendered per event and channel, to verified contacts only, SMS deferred at night, once per key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.template import TemplateDoesNotExist
from django.utils import timezone

from cecert.accounts.models import User
from cecert.core import sms
from cecert.notifications.domain.delivery import deliver, due_deliveries
from cecert.notifications.domain.preferences import set_channel_choices
from cecert.notifications.domain.quiet import SHANGHAI
from cecert.notifications.domain.sending import notify, notify_each, render
from cecert.notifications.events import EVENTS, SMS
from cecert.notifications.models import Delivery, DeliveryState, Notification
from tests.factories import World


@pytest.fixture
def people(world: World, settings: Any) -> list[User]:
    settings.CECERT_QUIET_HOURS = ""
    users = [world.people[k].user for k in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang")]
    now = timezone.now()
    User.objects.filter(pk=users[0].pk).update(email_verified_at=now, phone_verified_at=now)
    User.objects.filter(pk=users[1].pk).update(email_verified_at=now)  # phone not verified
    return users  # users[2]: nothing verified


SAMPLE = {
    "message": "一条待办",
    "name": "张三",
    "certificate_number": "4101052017001",
    "reason": "证明材料不清晰",
    "title": "公需科目培训",
    "hours": "24",
    "kind": "年度继续教育证书",
    "serial": "NJ2025410105000001",
    "count": 3,
    "days": 15,
    "near_days": 3,
    "year": 2026,
    "unit": "学时",
    "required_total": 90,
    "shortfall_total": "30",
    "shortfall_public": "10",
    "shortfall_professional": "20",
    "code": "123456",
}


@pytest.mark.parametrize("code", sorted(EVENTS))
def test_every_event_renders_chinese_for_each_of_its_channels(code: str) -> None:
    spec = EVENTS[code]
    parts = (["inapp"] if spec.in_app else []) + [
        part for channel in spec.channels for part in (["email_subject", "email"] if channel == "email" else ["sms"])
    ]
    for part in parts:
        text = render(code, part, SAMPLE)
        assert text and "{{" not in text and "{%" not in text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (code, part, text)
    if SMS in spec.channels:
        assert set(spec.sms_params) <= set(SAMPLE)
        assert render(code, "sms", SAMPLE).startswith("【河南省继续教育证书平台】")


def test_text_is_not_html_escaped() -> None:
    assert render("task", "inapp", {"message": "A&B <单位>"}) == "A&B <单位>"


def test_an_unknown_event_or_missing_template_fails_loudly(people: list[User]) -> None:
    with pytest.raises(ValueError, match="unknown notification event"):
        notify(people, "record.vanished", {})
    with pytest.raises(TemplateDoesNotExist):
        render("task", "sms", {})


def test_in_app_for_everyone_mail_and_sms_only_to_verified_contacts(people: list[User]) -> None:
    assert notify(people, "record.certified", SAMPLE) == 3
    inapp = Notification.objects.filter(event="record.certified")
    assert sorted(inapp.values_list("user_id", flat=True)) == sorted(u.pk for u in people)
    assert inapp.first().message == "记录“公需科目培训”已认定，计 24 学时"  # type: ignore[union-attr]
    sent = sorted(Delivery.objects.values_list("user_id", "channel", "state"))
    assert sent == sorted(
        [(people[0].pk, "email", "sent"), (people[0].pk, "sms", "sent"), (people[1].pk, "email", "sent")]
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people[0].email, people[1].email])
    assert [m.to for m in sms.outbox] == [people[0].phone]


def test_a_channel_turned_off_is_not_used(people: list[User]) -> None:
    set_channel_choices(people[0], {"sms": False, "email": True})
    notify([people[0]], "record.certified", SAMPLE)
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]


def test_sms_notices_wait_out_the_night_but_codes_do_not(people: list[User], settings: Any) -> None:
    settings.CECERT_QUIET_HOURS = "00:00-23:59"  # it is always night for this test
    notify([people[0]], "record.certified", SAMPLE)
    waiting = Delivery.objects.get(channel="sms")
    assert waiting.state == DeliveryState.QUEUED and waiting.attempts == 0 and not sms.outbox
    assert waiting.not_before.astimezone(SHANGHAI).time() == dt.time(23, 59)
    assert Delivery.objects.get(channel="email").state == DeliveryState.SENT  # e-mail is not held
    assert waiting.pk not in due_deliveries()
    Delivery.objects.filter(pk=waiting.pk).update(not_before=timezone.now())  # morning comes
    assert waiting.pk in due_deliveries()
    deliver([waiting.pk])
    waiting.refresh_from_db()
    assert waiting.state == DeliveryState.SENT and len(sms.outbox) == 1


def test_a_contact_changed_before_sending_is_skipped(people: list[User], settings: Any) -> None:
    settings.CECERT_QUIET_HOURS = "00:00-23:59"
    notify([people[0]], "record.certified", SAMPLE)
    User.objects.filter(pk=people[0].pk).update(phone="13911112222", phone_verified_at=None)
    Delivery.objects.filter(channel="sms").update(not_before=timezone.now())
    deliver(due_deliveries())
    skipped = Delivery.objects.get(channel="sms")
    assert skipped.state == DeliveryState.SKIPPED and skipped.last_error == "联系方式已变更或未验证"
    assert not sms.outbox


def test_a_once_key_is_notified_once(people: list[User]) -> None:
    items = [(people[0].pk, SAMPLE, "shortfall:2026:c1:1"), (people[1].pk, SAMPLE, "shortfall:2026:c1:2")]
    assert notify_each("reminder.shortfall", items) == 2
    assert notify_each("reminder.shortfall", items) == 0
    assert Notification.objects.filter(event="reminder.shortfall").count() == 2
    assert Delivery.objects.filter(event="reminder.shortfall").count() == 3


def test_a_delivery_is_sent_once_however_often_it_is_handed_over(people: list[User]) -> None:
    notify([people[0]], "record.certified", SAMPLE)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert deliver(ids)["sent"] == 0  # already sent when queued (immediate tasks in tests)
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1
