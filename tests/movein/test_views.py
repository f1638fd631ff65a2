"""Pages: upload, dry-run report, commit, marked-up sheet, templates — and 404 for everyone outside."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cecert.accounts.models import Person
from cecert.catalogs.domain.imports import check_import
from cecert.catalogs.domain.imports.reading import STORE_DOWN_CHECK
from cecert.catalogs.enums import ImportKind, ImportState
from cecert.catalogs.models import ImportRun
from tests.factories import World, logged_in
from tests.files import broken_stores
from tests.movein.conftest import PEOPLE_HEADER, dry_run, new_id, person_row, upload, xlsx_bytes

PEOPLE = ImportKind.MOVEIN_PEOPLE


def post_file(client, rows: list[list] | bytes, kind: str = PEOPLE):  # type: ignore[no-untyped-def]
    content = rows if isinstance(rows, bytes) else xlsx_bytes([PEOPLE_HEADER, *rows])
    return client.post(
        reverse("movein:imports"),
        {"kind": kind, "file": SimpleUploadedFile("原平台导出.xlsx", content)},
    )


def chinese_only(html: str) -> None:
    main = html.split("<main", 1)[1]
    text = re.sub(r"<[^>]+>", " ", main)
    for code in ("movein_people", "movein_years", "staff_people", "checked", "committed", "[name]", "id_number"):
        assert code not in text


def test_upload_dry_run_report_and_commit(world: World) -> None:
    client = logged_in(world.users["hr_zhengzhou"])
    page = client.get(reverse("movein:imports"))
    assert page.status_code == 200 and "迁入与批量注册" in page.content.decode()
    emp = world.orgs["emp_jinshui"]
    # (built once: an .xlsx written again a second later differs in its timestamps, so it is another file)
    content = xlsx_bytes(
        [PEOPLE_HEADER, person_row("李四", new_id(1), "4101050000500", emp), person_row("王五", "123", "", emp)]
    )
    response = post_file(client, content)
    run = ImportRun.objects.get(kind=PEOPLE)
    assert response.status_code == 302 and response["Location"] == reverse("movein:import", args=[run.pk])
    report = client.get(response["Location"]).content.decode()
    assert run.state == ImportState.CHECKED or ImportRun.objects.get(pk=run.pk).state == ImportState.CHECKED
    assert "尚未写入任何数据" in report and "身份证号码应为18位" in report and "确认导入无误的行" in report
    chinese_only(report)
    assert not Person.objects.filter(certificate_number="4101050000500").exists()
    client.post(reverse("movein:import_commit", args=[run.pk]))
    assert Person.objects.filter(certificate_number="4101050000500").exists()
    done = client.get(reverse("movein:import", args=[run.pk])).content.decode()
    assert "人员已注册并审核通过" in done
    chinese_only(done)
    sheet = client.get(reverse("movein:import_errors", args=[run.pk]))
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert "身份证号码应为18位" in str(rows[2][-1])
    # the same file again: no second import
    again = post_file(client, content)
    assert again["Location"] == reverse("movein:import", args=[run.pk]) and ImportRun.objects.count() == 1


def test_templates_download_in_chinese(world: World) -> None:
    from openpyxl import load_workbook

    client = logged_in(world.users["hr_zhengzhou"])
    for kind in (PEOPLE, ImportKind.MOVEIN_YEARS):
        response = client.get(reverse("movein:template", args=[kind]))
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        header = [c.value for c in workbook.worksheets[0][1]]
        assert "身份证号" in header and all("[" not in h for h in header)
    employer = logged_in(world.users["admin_emp_jinshui"])
    assert employer.get(reverse("movein:template", args=[PEOPLE])).status_code == 404
    assert employer.get(reverse("movein:template", args=[ImportKind.STAFF_PEOPLE])).status_code == 200


@pytest.mark.parametrize(
    "outsider", ["hr_luoyang", "hr_province", "hr_jinshui", "admin_emp_jinshui", "health", "person_jinshui", "sysadmin"]
)
def test_another_departments_import_is_404(world: World, outsider: str) -> None:
    run = dry_run(
        world.orgs["hr_zhengzhou"],
        PEOPLE,
        [person_row("李四", new_id(1), "", world.orgs["emp_jinshui"])],
        world.users["hr_zhengzhou"],
    )
    client = logged_in(world.users[outsider])
    for name in ("movein:import", "movein:import_errors"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    assert client.post(reverse("movein:import_commit", args=[run.pk])).status_code == 404
    assert ImportRun.objects.get(pk=run.pk).state == ImportState.CHECKED
    listing = client.get(reverse("movein:imports"))
    assert listing.status_code == 404 or run.filename not in listing.content.decode()


@pytest.mark.parametrize("outsider", ["person_jinshui", "sysadmin", "auditor", "health"])
def test_the_pages_are_404_for_roles_that_do_not_import(world: World, outsider: str) -> None:
    client = logged_in(world.users[outsider])
    assert client.get(reverse("movein:imports")).status_code == 404
    assert client.get(reverse("movein:template", args=[PEOPLE])).status_code == 404


def test_a_district_hr_officer_is_told_who_moves_people_in(world: World) -> None:
    client = logged_in(world.users["hr_jinshui"])
    page = client.get(reverse("movein:imports")).content.decode()
    assert (
        "只有省、省辖市、省直管县（市）人力资源社会保障部门可以迁入" in page
        and '<form method="post" enctype' not in page
    )
    refused = post_file(client, [person_row("李四", new_id(1), "", world.orgs["emp_jinshui"])])
    assert refused.status_code == 200 and not ImportRun.objects.exists()


def test_an_employer_admin_sees_only_its_own_staff_lists(world: World) -> None:
    mine = logged_in(world.users["admin_emp_jinshui"])
    post_file(mine, [person_row("李四", new_id(1))], kind=ImportKind.STAFF_PEOPLE)
    run = ImportRun.objects.get(kind=ImportKind.STAFF_PEOPLE)
    assert mine.get(reverse("movein:import", args=[run.pk])).status_code == 200
    other = logged_in(world.users["admin_emp_zhongyuan"])
    assert other.get(reverse("movein:import", args=[run.pk])).status_code == 404
    # an employer admin cannot choose a department's kind
    post_file(mine, [person_row("王五", new_id(2))], kind=PEOPLE)
    assert not ImportRun.objects.filter(kind=PEOPLE).exists()


def test_the_record_import_pages_do_not_offer_moving_in(world: World) -> None:
    client = logged_in(world.users["admin_emp_jinshui"])
    for kind in (PEOPLE, ImportKind.MOVEIN_YEARS, ImportKind.STAFF_PEOPLE):
        assert client.get(reverse("catalogs:template", args=[kind])).status_code == 404
    assert client.get(reverse("catalogs:template", args=["employer_records"]) + "?type=training").status_code == 200
    assert "原平台人员迁入" not in client.get(reverse("catalogs:imports")).content.decode()


def test_a_file_store_outage_fails_the_dry_run_saying_so_and_check_again_runs_it(
    world: World, settings: Any, tmp_path: Path
) -> None:
    hr = world.users["hr_zhengzhou"]
    client = logged_in(hr)
    row = person_row("李四", new_id(1), "4101050000500", world.orgs["emp_jinshui"])
    run = upload(world.orgs["hr_zhengzhou"], PEOPLE, xlsx_bytes([PEOPLE_HEADER, row]), hr)
    working = dict(settings.STORAGES)
    settings.STORAGES = {**working, **broken_stores("filesystem", tmp_path)}

    run = check_import(run)
    assert (run.state, run.message) == (ImportState.FAILED, STORE_DOWN_CHECK)
    page = client.get(reverse("movein:import", args=[run.pk])).content.decode()
    assert STORE_DOWN_CHECK in page and 'id="check-import"' in page and 'id="commit-import"' not in page
    client.post(reverse("movein:import_commit", args=[run.pk]))  # not offered: nothing queued
    assert ImportRun.objects.get(pk=run.pk).state == ImportState.FAILED

    settings.STORAGES = working
    assert client.post(reverse("movein:import_check", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert (run.state, run.accepted_rows, run.message) == (ImportState.CHECKED, 1, "")
    client.post(reverse("movein:import_commit", args=[run.pk]))
    assert Person.objects.filter(certificate_number="4101050000500").exists()
