"""The signed-in navigation: one line on a 1280 px screen; on a 390 px phone a menu (a <details>,
no script) that opens and whose links work. The province statistics table scrolls in its own box
with region names on one line."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import enrolled_officer, login
from tests.factories import PASSWORD, World, build_world
from tests.reports.factories import populate


def line_height(page: Any, selector: str) -> float:
    """The height of one line of ``selector``'s text (its font size times a normal line height)."""
    return 1.5 * float(page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)"))


def test_navigation_is_one_line_at_1280_and_a_menu_at_390(page: Any, transactional_db: None) -> None:
    world: World = build_world()
    officer = world.users["hr_province"]
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, officer.username, PASSWORD, enrolled_officer(officer))

    nav = page.locator("header nav")
    assert nav.is_visible()
    assert not page.locator("header .nav-menu > summary").is_visible()  # no menu button on a desktop
    box = nav.bounding_box()
    assert box is not None and box["height"] < 1.6 * line_height(page, "header nav a"), box
    header = page.locator("header").bounding_box()
    assert header is not None and header["height"] < 60, header
    # every link is in the header, the less used ones under 更多
    assert page.locator("header >> text=统计报表").is_visible()
    assert page.locator("header form button").is_visible()
    assert not page.locator("header .more-links >> text=单位审核").is_visible()
    page.click("header .more > summary")
    with page.expect_navigation():
        page.click("header .more-links >> text=单位审核")
    assert "/organisations/" in page.url or page.locator("h1").count()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/dashboard/")
    assert not page.locator("header >> text=统计报表").is_visible()  # folded away
    page.click("header .nav-menu > summary")
    link = page.locator("header >> text=统计报表")
    assert link.is_visible()
    with page.expect_navigation():
        link.click()
    page.wait_for_selector("h1:has-text('年度继续教育统计')")
    # the menu is closed again on the new page; the logout button is inside it
    assert not page.locator("header form button").is_visible()
    page.click("header .nav-menu > summary")
    assert page.locator("header form button").is_visible()
    # no inline script or inline event handler was added to the header
    assert page.eval_on_selector("header", "el => el.querySelectorAll('script, [onclick], [onchange]').length") == 0


def test_statistics_table_scrolls_in_its_box_with_names_on_one_line(page: Any, transactional_db: None) -> None:
    world: World = build_world()
    populate(world)
    officer = world.users["hr_province"]
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, officer.username, PASSWORD, enrolled_officer(officer))
    page.goto("/reports/?year=2025")
    page.wait_for_selector("[data-chart='chart-area'] svg")
    chart = page.locator("#by-area .chart").bounding_box()
    table = page.locator("#by-area table.report").bounding_box()
    assert chart is not None and table is not None
    assert chart["y"] + chart["height"] <= table["y"]  # the chart above, not beside
    assert chart["width"] > 1000
    # region names never wrap: each name's text lies on one line box
    lines = page.eval_on_selector_all(
        "#by-area table.report tbody td:first-child",
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })",
    )
    assert lines and max(lines) == 1, lines
    # the page itself does not scroll sideways; the table box may
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
