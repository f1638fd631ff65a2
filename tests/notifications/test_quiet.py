"""Quiet hours (Asia/Shanghai) as a pure function."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cecert.notifications.domain.quiet import SHANGHAI, parse_quiet_hours, quiet_until

NIGHT = parse_quiet_hours("21:00-08:00")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (at(6, 20, 59), None),
        (at(6, 21, 0), at(7, 8, 0)),
        (at(6, 23, 30), at(7, 8, 0)),
        (at(7, 0, 0), at(7, 8, 0)),
        (at(7, 7, 59), at(7, 8, 0)),
        (at(7, 8, 0), None),
        (at(7, 12, 0), None),
    ],
)
def test_sms_wait_for_the_end_of_the_night(now: dt.datetime, until: dt.datetime | None) -> None:
    assert quiet_until(now, NIGHT) == until


def test_the_clock_is_shanghai_whatever_the_given_zone() -> None:
    utc_afternoon = dt.datetime(2026, 12, 6, 14, 0, tzinfo=dt.UTC)  # 22:00 in Shanghai
    assert quiet_until(utc_afternoon, NIGHT) == at(7, 8, 0)


def test_a_daytime_span_and_none() -> None:
    lunch = parse_quiet_hours("12:00-13:30")
    assert quiet_until(at(6, 12, 10), lunch) == at(6, 13, 30)
    assert quiet_until(at(6, 14, 0), lunch) is None
    assert parse_quiet_hours("") is None and quiet_until(at(6, 23), None) is None


@pytest.mark.parametrize("text", ["21-08", "21:00", "21:00-21:00", "晚上-早上", "25:00-08:00"])
def test_a_malformed_setting_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="CECERT_QUIET_HOURS"):
        parse_quiet_hours(text)


def test_the_system_check_names_a_bad_setting(settings: Any) -> None:
    from cecert.notifications.apps import check_settings

    settings.CECERT_QUIET_HOURS = "9pm-8am"
    settings.CECERT_SMS_TEMPLATES = {"review.deadline_near": "SMS_1", "reminder.shortfall": "SMS_2"}
    assert [e.id for e in check_settings()] == ["cecert.E022", "cecert.E023"]
    assert "review.deadline_near" in check_settings()[1].msg
    settings.CECERT_QUIET_HOURS = "21:00-08:00"
    settings.CECERT_SMS_TEMPLATES = {"reminder.shortfall": "SMS_2"}
    assert check_settings() == []
