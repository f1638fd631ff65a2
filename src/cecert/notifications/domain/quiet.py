"""Quiet hours: no SMS at night (Asia/Shanghai); one waiting out the quiet hours goes at their end."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_SPAN = re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}")


def parse_quiet_hours(text: str) -> tuple[dt.time, dt.time] | None:
    """``"21:00-08:00"`` → (21:00, 08:00); ``""`` → no quiet hours. Anything else is a configuration error."""
    if not text.strip():
        return None
    if not _SPAN.fullmatch(text.strip()):
        raise ValueError(f"CECERT_QUIET_HOURS must look like 21:00-08:00, not {text!r}")
    try:
        start, end = (dt.time.fromisoformat(part) for part in text.strip().split("-"))
    except ValueError:
        raise ValueError(f"CECERT_QUIET_HOURS must look like 21:00-08:00, not {text!r}") from None
    if start == end:
        raise ValueError("CECERT_QUIET_HOURS: start and end are the same time")
    return start, end


def quiet_until(now: dt.datetime, hours: tuple[dt.time, dt.time] | None) -> dt.datetime | None:
    """When the quiet period that ``now`` falls in ends (an aware datetime), or None outside one."""
    if hours is None:
        return None
    start, end = hours
    local = now.astimezone(SHANGHAI)
    clock = local.time().replace(tzinfo=None)
    spans_midnight = start > end
    inside = (clock >= start or clock < end) if spans_midnight else (start <= clock < end)
    if not inside:
        return None
    day = local.date()
    if spans_midnight and clock >= start:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=SHANGHAI)
