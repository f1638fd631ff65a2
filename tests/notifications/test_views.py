"""The notification list: one's own only, Chinese, local times; another's notification answers 404."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from cecert.notifications.domain.sending import notify
from cecert.notifications.models import ChannelPreference, Notification
from tests.factories import World, logged_in


def test_the_list_shows_ones_own_notifications_in_local_time(world: World) -> None:
    owner, other = world.users["person_jinshui"], world.users["admin_emp_jinshui"]
    notify([owner], "task", {"message": "您的记录待补充材料"}, url="/records/")
    notify([other], "task", {"message": "别人的通知"})
    Notification.objects.filter(user=owner).update(created_at=dt.datetime(2026, 12, 6, 1, 30, tzinfo=dt.UTC))
    page = logged_in(owner).get("/notifications/").content.decode()
    assert "您的记录待补充材料" in page and "别人的通知" not in page
    assert "2026年12月6日 09:30" in page  # 01:30 UTC is 09:30 in Asia/Shanghai
    assert "未读" in page


def test_opening_marks_read_and_follows_the_link(world: World) -> None:
    owner = world.users["person_jinshui"]
    notify([owner], "task", {"message": "去看看"}, url="/records/")
    mine = Notification.objects.get(user=owner, message="去看看")
    response = logged_in(owner).post(f"/notifications/{mine.pk}/open/")
    assert response.status_code == 302 and response.url == "/records/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_another_users_notification_is_404_and_stays_unread(world: World) -> None:
    owner, outsider = world.users["person_jinshui"], world.users["hr_province"]
    notify([owner], "task", {"message": "私人通知"}, url="/records/")
    mine = Notification.objects.get(user=owner, message="私人通知")
    assert logged_in(outsider).post(f"/notifications/{mine.pk}/open/").status_code == 404
    assert Client().post(f"/notifications/{mine.pk}/open/").status_code == 302  # to the login page
    mine.refresh_from_db()
    assert mine.read_at is None


def test_an_outside_link_is_not_followed(world: World) -> None:
    owner = world.users["person_jinshui"]
    notify([owner], "task", {"message": "外链"}, url="https://evil.example/")
    mine = Notification.objects.get(user=owner, message="外链")
    assert logged_in(owner).post(f"/notifications/{mine.pk}/open/").url == "/notifications/"


def test_mark_all_read_touches_only_ones_own(world: World) -> None:
    owner, other = world.users["person_jinshui"], world.users["admin_emp_jinshui"]
    notify([owner, other], "task", {"message": "两人都有"})
    logged_in(owner).post("/notifications/read/")
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()


def test_channel_preferences_are_ones_own(world: World) -> None:
    owner = world.users["person_jinshui"]
    logged_in(owner).post("/notifications/preferences/", {"email": "on"})
    assert dict(ChannelPreference.objects.filter(user=owner).values_list("channel", "enabled")) == {
        "email": True,
        "sms": False,
    }
    assert not ChannelPreference.objects.exclude(user=owner).exists()
    assert logged_in(owner).get("/notifications/preferences/").status_code == 405
