"""A provincial HR officer drills down province → city → county → employer on the dashboard and exports
the list of people short of the requirement; charts are drawn from the platform's own ECharts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cecert.accounts.models import Person
from cecert.audit.models import AuditEntry
from tests.browser.conftest import enrolled_officer, login
from tests.factories import PASSWORD, World, build_world
from tests.reports.conftest import read_xlsx
from tests.reports.factories import populate


def test_officer_drills_down_to_an_employer_and_exports_shortfall(page: Any, transactional_db: None) -> None:
    world: World = build_world()
    populate(world)
    officer = world.users["hr_province"]
    login(page, officer.username, PASSWORD, enrolled_officer(officer))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.click("header >> text=统计报表")
    page.wait_for_selector("h1:has-text('河南省')")
    page.select_option("#year", "2025")
    with page.expect_navigation():
        page.click("main form.filters button[type=submit]")
    page.wait_for_selector("[data-chart='chart-area'] svg")  # ECharts drew the chart
    page.wait_for_selector("#trend table[data-table='trend']")  # the trend fragment loaded
    assert page.inner_text("[data-figure='people']").strip() == str(Person.objects.filter(state="approved").count())

    with page.expect_navigation():
        page.click("#by-area table >> text=郑州市")
    page.wait_for_selector("h1:has-text('郑州市')")
    with page.expect_navigation():
        page.click("#by-area table >> text=金水区")
    page.wait_for_selector("h1:has-text('金水区')")
    with page.expect_navigation():
        page.click("#by-area table >> text=金水医院")
    page.wait_for_selector("h1:has-text('金水医院')")
    crumbs = page.inner_text("nav.crumbs")
    assert "河南省" in crumbs and "郑州市" in crumbs and "金水区" in crumbs
    # the provincial-direct hospital located in 金水 is not 金水医院's
    assert "省直医院" not in page.inner_text("main")

    with page.expect_download() as download_info:
        page.click("#shortfall >> text=导出Excel")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = read_xlsx(Path(download.path()).read_bytes())
    assert rows[1][:4] == ["姓名", "身份证号码", "证书管理号", "工作单位"]
    assert rows[2:] and {r[3] for r in rows[2:]} == {"金水医院"}
    assert all("********" in r[1] for r in rows[2:])
    assert AuditEntry.objects.filter(action="export.shortfall", actor=officer).exists()
    assert all(not url.startswith(("https://cdn", "http://cdn")) for url in requests)
    assert any(url.endswith("/static/vendor/echarts.js") for url in requests)
