"""Every catalogs page answers 404 to someone outside, and 200 inside (like tests/accounts/test_jurisdiction.py)."""

from __future__ import annotations

import io

import pytest

from cecert.catalogs.domain import imports as im
from cecert.catalogs.domain.catalogs import add_catalog_item, create_catalog
from cecert.catalogs.models import Enrolment, ImportRun
from tests.catalogs.conftest import BaseWorld, csv_bytes
from tests.factories import logged_in

USERS = [
    "base_admin",
    "other_base_admin",
    "hr_jinshui",
    "hr_zhengzhou",
    "hr_province",
    "hr_luoyang",
    "health",
    "education",
    "admin_emp_jinshui",
    "person_jinshui",
    "sysadmin",
    "auditor",
]
BASE_VIEWERS = {"base_admin", "hr_jinshui", "hr_zhengzhou", "hr_province"}


def _user(bw: BaseWorld, key: str):  # type: ignore[no-untyped-def]
    return {"base_admin": bw.admin, "other_base_admin": bw.other_admin}.get(key) or bw.world.users[key]


@pytest.fixture
def run(bw: BaseWorld) -> ImportRun:
    created, _ = im.create_import(
        bw.base,
        kind="base_completions",
        filename="c.csv",
        by=bw.admin,
        content=io.BytesIO(csv_bytes([["证书管理号或身份证号码 [person]", "培训项目编号 [program]"]])),
    )
    return im.check_import(created)


@pytest.mark.parametrize("user_key", USERS)
def test_base_program_and_import_pages_inside_200_outside_404(bw: BaseWorld, run: ImportRun, user_key: str) -> None:
    client = logged_in(_user(bw, user_key))
    sees_base = user_key in BASE_VIEWERS
    assert client.get(f"/catalogs/bases/{bw.base.pk}/").status_code == (200 if sees_base else 404)
    assert client.get(f"/catalogs/programs/{bw.classroom.pk}/").status_code == (200 if sees_base else 404)
    own_import = user_key == "base_admin"
    for path in (
        f"/catalogs/imports/{run.pk}/",
        f"/catalogs/imports/{run.pk}/report.json",
        f"/catalogs/imports/{run.pk}/errors.xlsx",
    ):
        assert client.get(path).status_code == (200 if own_import else 404), path
    bases_list = client.get("/catalogs/bases/")
    if user_key in BASE_VIEWERS | {"other_base_admin", "hr_luoyang"}:
        assert (f"/catalogs/bases/{bw.base.pk}/" in bases_list.content.decode()) is sees_base
    else:
        assert bases_list.status_code == 404


@pytest.mark.parametrize("user_key", USERS)
def test_writes_from_outside_answer_404_and_change_nothing(bw: BaseWorld, run: ImportRun, user_key: str) -> None:
    if user_key == "base_admin":
        return
    client = logged_in(_user(bw, user_key))
    person = bw.world.people["emp_zhongyuan"]
    assert (
        client.post(f"/catalogs/programs/{bw.classroom.pk}/enrol/", {"person": person.certificate_number}).status_code
        == 404
    )
    assert client.post(f"/catalogs/enrolments/{bw.enrolment.pk}/complete/").status_code == 404
    assert client.post(f"/catalogs/imports/{run.pk}/commit/").status_code == 404
    assert client.post(f"/catalogs/bases/{bw.base.pk}/credentials/").status_code == 404
    expected_decide = 302 if user_key in ("hr_jinshui", "hr_zhengzhou", "hr_province") else 404
    assert (
        client.post(f"/catalogs/bases/{bw.base.pk}/decide/", {"decision": "suspended"}).status_code == expected_decide
    )
    assert not Enrolment.objects.filter(person=person).exists()
    assert Enrolment.objects.get(pk=bw.enrolment.pk).record_id is None
    assert ImportRun.objects.get(pk=run.pk).state == "checked"


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("health", 200),
        ("education", 404),
        ("hr_province", 404),
        ("hr_zhengzhou", 404),
        ("base_admin", 404),
    ],
)
def test_a_draft_catalog_is_seen_only_by_its_authority(bw: BaseWorld, user_key: str, status: int) -> None:
    catalog = create_catalog(
        authority=bw.world.orgs["health"], kind="plan", year=2026, title="卫生培训计划", by=bw.world.users["health"]
    )
    add_catalog_item(catalog, code="P1", title="院感防控", hours="8", by=bw.world.users["health"])
    assert logged_in(_user(bw, user_key)).get(f"/catalogs/catalogs/{catalog.pk}/").status_code == status


@pytest.mark.parametrize("user_key", ["hr_jinshui", "health", "admin_emp_jinshui", "person_jinshui", "base_admin"])
def test_the_guide_manager_is_only_for_provincial_hr(bw: BaseWorld, user_key: str) -> None:
    assert logged_in(_user(bw, user_key)).get("/catalogs/guide/2026/manage/").status_code == 404
    assert logged_in(bw.world.users["hr_province"]).get("/catalogs/guide/2026/manage/").status_code == 200


def test_a_person_sees_only_their_own_training(bw: BaseWorld) -> None:
    own = logged_in(bw.world.users["person_jinshui"]).get("/catalogs/me/")
    assert own.status_code == 200 and "公需科目培训班" in own.content.decode()
    assert logged_in(bw.world.users["hr_jinshui"]).get("/catalogs/me/").status_code == 404
