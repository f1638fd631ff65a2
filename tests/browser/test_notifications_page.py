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
        assert page.locator("#notifications li.unread").count() == 3  # with the registration's approval
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{width} px: the page is {overflow} px wider than the screen"
        shot(page, f"notifications-{width}.png")
    submit(page, "#notifications li:has-text('已认定') button")
    assert page.url.endswith("/records/")
    page.goto("/notifications/")
    assert page.locator("#notifications li.unread").count() == 2


def test_the_contact_verification_page_on_a_phone_and_a_desktop(page: Any, transactional_db: None) -> None:
    world: World = build_world()
    person = world.people["emp_jinshui"]
    login(page, person.id_number, PASSWORD)
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/accounts/contacts/verify/")
        assert page.locator("#contact-state").inner_text().count("未验证") == 2
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{width} px: the page is {overflow} px wider than the screen"
        shot(page, f"verify-contacts-{width}.png")


def test_registration_ends_on_the_code_entry_page(page: Any, transactional_db: None) -> None:
    from cecert.accounts.idnumbers import parse_id_number
    from tests.factories import id_number_for

    world: World = build_world()
    employer = world.orgs["emp_jinshui"]
    id_number = id_number_for("410105", 4343)
    parsed = parse_id_number(id_number)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/register/")
    for field, value in {
        "#id_id_number": id_number,
        "#id_password": PASSWORD,
        "#id_password_confirm": PASSWORD,
        "#id_name": "王小明",
        "#id_birth_date": parsed.birth_date.isoformat(),
        "#id_phone": "13912345678",
        "#id_email": "wang@example.cn",
        "#id_specialty": "临床医学",
        "#id_title_series": "卫生",
    }.items():
        page.fill(field, value)
    page.select_option("#id_gender", parsed.gender)
    page.select_option("#id_education", "bachelor")
    page.select_option("#id_region", "410105")
    page.wait_for_selector(f"#id_employer option[value='{employer.pk}']", state="attached")
    page.select_option("#id_employer", str(employer.pk))
    submit(page)
    page.wait_for_selector("text=验证手机号码和电子邮箱")
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{width} px: the page is {overflow} px wider than the screen"
        shot(page, f"register-done-{width}.png")
