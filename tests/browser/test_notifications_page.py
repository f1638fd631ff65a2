"""The notification list at 390 px and 1280 px: readable, nothing wider than the screen; opening a
notification marks it read and goes where it points. Screenshots go to ``CECERT_SHOTS`` when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cecert.notifications.domain.sending import notify
from tests.browser.conftest import login, submit
from tests.factories import PASSWORD, World, build_world


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("CECERT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_the_notification_list_on_a_phone_and_a_desktop(page: Any, transactional_db: None) -> None:
    world: World = build_world()
    person = world.people["emp_jinshui"]
    notify(
        [person.user],
        "record.certified",
        {"title": "2025年度公需科目：法治建设专题培训", "hours": "24", "name": "张三"},
        url="/records/",
    )
    notify(
        [person.user],
        "reminder.shortfall",
        {
            "year": 2025,
            "unit": "学时",
            "shortfall_total": "66",
            "shortfall_public": "0",
            "shortfall_professional": "66",
            "name": "张三",
            "required_total": 90,
        },
        url="/records/progress/",
    )
    login(page, person.id_number, PASSWORD)
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/notifications/")
        assert page.locator("h1").inner_text() == "通知"
        assert page.locator("#notifications li.unread").count() == 2
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{width} px: the page is {overflow} px wider than the screen"
        shot(page, f"notifications-{width}.png")
    submit(page, "#notifications li:last-child button")
    assert page.url.endswith("/records/")
    page.goto("/notifications/")
    assert page.locator("#notifications li.unread").count() == 1
