"""Year-end reminders to people short of their requirement, set-based and in chunks on the task queue.

The campaign (``start_shortfall_campaign``) makes sure every approved person has the year's
requirement row, then splits the approved people into primary-key ranges of ``CHUNK`` and queues
one task per range. Each chunk task selects, in one SQL query over the maintained certified sums
(``records.domain.years.year_status``), the people of its range who are short, and notifies them;
a person is reminded once per year and campaign (the notification's ``once_key``), so a chunk
that runs twice, or a campaign started twice, sends nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from cecert.accounts.models import Person, RegistrationState
from cecert.crediting.decimals import format_decimal
from cecert.notifications.domain.sending import Item, notify_each
from cecert.records.domain.years import ensure_person_years, year_status

CHUNK = 2000
EVENT = "reminder.shortfall"


def _approved() -> Any:
    return Person.objects.filter(state=RegistrationState.APPROVED)


def campaign_key(year: int, campaign: str, user_id: int) -> str:
    return f"shortfall:{year}:{campaign}:{user_id}"


def start_shortfall_campaign(year: int | None = None, campaign: str = "", *, chunk: int = CHUNK) -> dict[str, int]:
    """Queue the chunk tasks of one campaign (by default this year's, named by today's date)."""
    from cecert.notifications.tasks import shortfall_chunk_task

    today = timezone.localdate()
    year = year or today.year
    campaign = campaign or today.isoformat()
    ensure_person_years(_approved(), year)
    chunks, last = 0, 0
    while True:
        ids = list(_approved().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        shortfall_chunk_task.enqueue(year, campaign, ids[0], ids[-1])
        chunks, last = chunks + 1, ids[-1]
    return {"year": year, "chunks": chunks}


def remind_chunk(year: int, campaign: str, first_person: int, last_person: int) -> int:
    """Remind the people of one primary-key range who are short in ``year``; returns how many."""
    short = (
        year_status(_approved().filter(pk__gte=first_person, pk__lte=last_person), year, ensure=False)
        .filter(met=False, required_total__isnull=False)
        .order_by("pk")
        .values_list(
            "user_id", "name", "unit", "required_total", "shortfall_total", "shortfall_public", "shortfall_professional"
        )
    )
    items: list[Item] = [
        (
            user_id,
            {
                "name": name,
                "year": year,
                "unit": "学分" if unit == "credit" else "学时",
                "required_total": required,
                "shortfall_total": format_decimal(total),
                "shortfall_public": format_decimal(public),
                "shortfall_professional": format_decimal(professional),
            },
            campaign_key(year, campaign, user_id),
        )
        for user_id, name, unit, required, total, public, professional in short
    ]
    return notify_each(EVENT, items, url=reverse("records:progress"))
