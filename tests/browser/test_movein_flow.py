"""A city's HR officer moves people in from the current platform through the pages: upload, the dry-run
report, commit; at 390 and 1280 px wide (screenshots under ``CECERT_SHOTS`` when set, else the test's tmp)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cecert.accounts.models import Person
from tests.browser.conftest import enrolled_officer, login, submit
from tests.factories import PASSWORD, build_world
from tests.movein.conftest import PEOPLE_HEADER, new_id, person_row, xlsx_bytes


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def shots(page: Any, folder: Path, name: str) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width} px"


def test_move_people_in_through_the_pages(page: Any, transactional_db: None, tmp_path: Path) -> None:
    folder = Path(os.environ.get("CECERT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    world = build_world()
    emp = world.orgs["emp_jinshui"]
    content = xlsx_bytes(
        [
            PEOPLE_HEADER,
            person_row("李四", new_id(1), "4101050000500", emp),
            person_row("王五", new_id(2)[:-1] + "0" if new_id(2)[-1] != "0" else new_id(2)[:-1] + "1", "", emp),
            person_row("赵六", new_id(3), "4201050000001", emp),
        ]
    )
    officer = world.users["hr_zhengzhou"]
    login(page, officer.username, PASSWORD, enrolled_officer(officer))
    page.goto("/movein/")
    shots(page, folder, "movein-upload")
    page.select_option("#id_kind", "movein_people")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "原平台人员导出.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": content,
            }
        ],
    )
    submit(page)
    page.wait_for_selector("#import-state:has-text('已检查')")
    assert page.inner_text("#accepted-rows") == "1"
    errors = page.inner_text("#import-errors")
    assert "校验位" in errors and "41（河南）" in errors
    shots(page, folder, "movein-dry-run")
    assert not Person.objects.filter(certificate_number="4101050000500").exists()
    submit(page, "#commit-import")
    page.wait_for_selector("#import-state:has-text('已导入')")
    assert page.inner_text("#committed-rows") == "1"
    shots(page, folder, "movein-result")
    assert Person.objects.get(certificate_number="4101050000500").name == "李四"


def test_a_moved_in_certificate_is_looked_up_and_says_it_carries_no_signature_of_ours(
    page: Any, transactional_db: None, tmp_path: Path
) -> None:
    """The public page for an old platform's serial: the register entry, and plainly not "genuine"."""
    from cecert.crediting.evaluation import today_in_henan
    from tests.movein.conftest import moved_in_with_a_year

    folder = Path(os.environ.get("CECERT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    year = today_in_henan().year - 1
    moved_in_with_a_year(build_world(), year, "30", "60", "是", serial=f"ZZ-{year}-000500")
    page.goto("/verify/")
    page.fill("input[name=number]", f"ZZ-{year}-000500")
    page.fill("input[name=name]", "李四")
    page.locator("form button[type=submit]").first.click()
    result = page.locator("#verify-result")
    result.wait_for()
    assert "原平台发放的证书（迁入记录）" in result.inner_text()
    assert "没有本平台的数字签名" in result.inner_text()
    assert "李*" in result.inner_text() or "*四" in result.inner_text()  # the holder masked
    assert "真" not in result.locator("h2").inner_text()  # never headed as genuine
    shots(page, folder, "verify-moved-in")
