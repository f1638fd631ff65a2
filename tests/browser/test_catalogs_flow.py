"""HR recognises a training base; the base publishes a program, enrols a professional, imports the completions
(dry run, then commit); the professional's progress shows the hours."""

from __future__ import annotations

import csv
import io
from typing import Any

from cecert.catalogs.domain.bases import BaseApplication, apply_for_recognition
from cecert.catalogs.models import Program
from cecert.records.models import Record
from tests.browser.conftest import enrolled_officer, login, logout, submit
from tests.factories import PASSWORD, build_world, region


def test_recognise_publish_import_and_progress(page: Any, transactional_db: None) -> None:
    world = build_world()
    person = world.people["emp_zhongyuan"]  # education: counted in hours
    base = apply_for_recognition(
        BaseApplication(
            name="河南专技培训基地",
            region=region("410105"),
            scope="公需科目",
            admin_username="browser_base",
            admin_name="王基地",
            admin_phone="13800000009",
            admin_password=PASSWORD,
        )
    )

    # HR of the base's district recognises it; its completions still pass the whole Article 11 chain.
    hr = world.users["hr_jinshui"]
    login(page, hr.username, PASSWORD, enrolled_officer(hr))
    page.goto(f"/catalogs/bases/{base.pk}/")
    page.wait_for_selector("#recognition-state:has-text('待备案')")
    assert page.locator("input[name=skips_certification]").count() == 0
    submit(page, "button[value=recognised]")
    page.wait_for_selector("#recognition-state:has-text('已备案认可')")
    logout(page)

    # The base publishes a program and enrols the professional by certificate number.
    from cecert.accounts.models import User

    admin = User.objects.get(username="browser_base")
    login(page, admin.username, PASSWORD, enrolled_officer(admin))
    page.goto(f"/catalogs/bases/{base.pk}/programs/new/")
    page.fill("#id_title", "2026年度公需科目集中培训")
    page.select_option("#id_subject", "public")
    page.select_option("#id_form", "classroom")
    page.fill("#id_hours", "24")
    page.fill("#id_start_date", "2026-11-01")
    page.fill("#id_end_date", "2026-11-03")
    page.fill("#id_capacity", "50")
    submit(page)
    page.wait_for_selector("#program-number")
    program = Program.objects.get(base=base)
    page.fill("#id_person", person.certificate_number)
    submit(page, "main form.filters button[type=submit]")
    page.wait_for_selector(f"#enrolments:has-text('{person.certificate_number}')")

    # It imports the completions: the dry run reports, then the commit writes.
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["证书管理号或身份证号码 [person]", "姓名 [name]", "培训项目编号 [program]"],
            [person.certificate_number, person.name, program.pk],
            ["4199990000001", "", program.pk],
        ]
    )
    page.goto("/catalogs/imports/")
    page.select_option("#id_kind", "base_completions")
    page.set_input_files(
        "#id_file", files=[{"name": "结业名单.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}]
    )
    submit(page)
    page.wait_for_selector("#import-state:has-text('已检查')")
    assert page.inner_text("#accepted-rows") == "1"
    assert "未找到该证书管理号或身份证号码对应的已注册人员" in page.inner_text("#import-errors")
    assert Record.objects.filter(person=person).count() == 0
    submit(page, "#commit-import")
    page.wait_for_selector("#import-state:has-text('已导入')")
    assert page.inner_text("#committed-rows") == "1"
    logout(page)

    # Article 11: the employer's first review (batch approval), then HR certifies the public subject.
    for key in ("admin_emp_zhongyuan", "hr_zhengzhou"):
        reviewer = world.users[key]
        login(page, reviewer.username, PASSWORD, enrolled_officer(reviewer))
        page.goto("/review/queue/")
        page.check("input[name=ids]")
        submit(page, "#bulk-approve")
        logout(page)

    # The professional's progress counts the 24 certified public-subject hours.
    login(page, person.id_number, PASSWORD)
    page.goto("/records/progress/?year=2026")
    page.wait_for_selector("#certified-public")
    assert page.inner_text("#certified-public").strip() in ("24", "24.0")
    assert "2026年度公需科目集中培训" in page.inner_text("#certified-records")
