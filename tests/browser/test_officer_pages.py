"""The officers' pages on a phone (390 px) and a desktop (1280 px): the issuing page, its confirmation,
the explanation for those who do not issue, each role's dashboard and the audit page fit the screen
(wide tables scroll inside their box, never the page). Set ``CECERT_SHOTS`` to a directory to keep
screenshots of each."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import enrolled_officer, login, logout, submit
from tests.certificates.factories import YEAR, certified_record, full_year
from tests.factories import PASSWORD, World, build_world, registered_person

WIDTHS = (390, 1280)


def _fits(page: Any, name: str, width: int) -> None:
    shots = os.environ.get("CECERT_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"


@pytest.fixture
def officer_world(transactional_db: None) -> World:
    world = build_world()
    for key in ("emp_jinshui", "emp_zhongyuan"):
        full_year(world.people[key])
    short = registered_person(world.orgs["emp_jinshui"], name="李未达")
    certified_record(short, subject="public", hours=24)
    world.people["short"] = short
    return world


def test_issuing_pages_fit_phone_and_desktop(page: Any, officer_world: World) -> None:
    officer = officer_world.users["hr_zhengzhou"]
    login(page, officer.username, PASSWORD, enrolled_officer(officer))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/certificates/issue/?year={YEAR}&number={officer_world.people['short'].certificate_number}")
        assert page.locator("#eligible tbody tr").count() == 3
        _fits(page, "issuing", width)
        page.goto("/accounts/dashboard/")
        _fits(page, "dashboard-hr", width)
    page.goto(f"/certificates/issue/?year={YEAR}")
    page.check("#eligible input[data-check-all]")  # site.js ticks the page's rows
    assert page.locator("#eligible input[name=people]:checked").count() == 3
    submit(page, "#selection-form button[type=submit]")
    assert "未达到年度要求" in page.inner_text("#not-met-warning")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page, "issue-confirm", width)
    submit(page, "#confirm-form button[type=submit]")
    page.wait_for_selector("#batch-status[data-status=done]")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page, "batch", width)
        page.goto("/certificates/")
        assert page.locator("#certificates tbody tr").count() == 3
        _fits(page, "certificates", width)
        page.go_back()
    logout(page)

    county = officer_world.users["hr_jinshui"]
    login(page, county.username, PASSWORD, enrolled_officer(county))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/certificates/issue/")
        assert "第十二条" in page.inner_text("#who-issues")
        _fits(page, "issuing-explained", width)
    logout(page)


@pytest.mark.parametrize("user_key", ["auditor", "admin_emp_jinshui", "person_jinshui", "sysadmin"])
def test_dashboards_and_audit_page_fit(page: Any, officer_world: World, user_key: str) -> None:
    user = officer_world.users[user_key]
    secret = enrolled_officer(user) if user.is_privileged else None
    login(page, user.username if user_key != "person_jinshui" else officer_world.people["emp_jinshui"].id_number,
          PASSWORD, secret)  # fmt: skip
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/accounts/dashboard/")
        assert page.locator(".worklist li").count() >= 2
        _fits(page, f"dashboard-{user_key}", width)
        if user_key == "auditor":
            page.goto("/audit/")
            assert page.locator("#audit-entries li").count() > 3
            _fits(page, "audit", width)
