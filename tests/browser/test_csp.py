"""What used to be inline event handlers works from cecert/site.js under the CSP (no inline script).

The ``page`` fixture fails any test whose pages the browser reports as refused by the policy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.browser.conftest import enrolled_officer, login, logout
from tests.factories import PASSWORD, build_world
from tests.records.factories import advanced, declared


def test_calculator_type_switch_progress_year_and_review_check_all(page: Any, transactional_db: None) -> None:
    # The calculator: changing the activity type swaps its fields in (htmx; the fallback only without htmx).
    page.goto("/hours/")
    page.select_option("#type", "conference")
    page.wait_for_url("**type=conference**")
    page.wait_for_selector("[name=a-days]")

    world = build_world()
    person = world.people["emp_zhongyuan"]
    records = [declared(person, title=f"培训{n}", end=dt.date(2025, 6, 30 - n)) for n in range(2)]
    for record in records:
        advanced(world, record, to="submitted")

    # The progress page: choosing a year submits the form.
    login(page, person.id_number, PASSWORD)
    page.goto("/records/progress/")
    with page.expect_navigation():
        page.select_option("#year", "2025")
    assert "year=2025" in page.url
    logout(page)

    # The review queue: the header box ticks every record, and clears them again.
    admin = world.users["admin_emp_zhongyuan"]
    login(page, admin.username, PASSWORD, enrolled_officer(admin))
    page.goto("/review/queue/")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 2
    page.check("input[data-check-all]")
    assert all(boxes.nth(i).is_checked() for i in range(2))
    page.uncheck("input[data-check-all]")
    assert not any(boxes.nth(i).is_checked() for i in range(2))


def test_api_docs_render_under_the_policy(page: Any, transactional_db: None) -> None:
    """Swagger UI from our own static files (ninja is an installed app), with no violation reported."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs", timeout=60_000)  # a 1.5 MB bundle through the test server
    page.wait_for_selector(".swagger-ui .title", timeout=60_000)
    assert page.inner_text(".swagger-ui .title").startswith("河南省专业技术人员继续教育证书管理平台 API")
    assert all(url.startswith(page.url.split("/api/")[0]) for url in requests), requests
