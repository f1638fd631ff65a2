"""Article 14: the named expert applications as check types — every year met and, for each year checked,
a valid annual certificate that shows the year's requirement met; 市（厅）级专家 only for the bodies named."""

from __future__ import annotations

import io
from typing import Any

import pytest

from cecert.accounts.models import Person, Role
from cecert.certificates.domain import issuance
from cecert.reports.domain.check_types import check_types, may_run
from cecert.reports.domain.checks import run_check
from tests.certificates.factories import full_year
from tests.factories import World, industry_authority, logged_in, user_with_role
from tests.reports.conftest import read_xlsx

EXPERTS = ["special_allowance", "bqw_national", "provincial_leader", "vocational_teaching_expert", "municipal_expert"]


@pytest.fixture(autouse=True)
def _certificate_keys(settings: Any) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True


@pytest.fixture
def people(world: World) -> dict[str, Person]:
    """``both``: met 2024 and 2025 with both certificates; ``no_cert``: met both years, 2025 uncertified;
    ``short``: 2025 not met (its certificate says so)."""
    both, no_cert, short = (world.people[k] for k in ("emp_jinshui", "emp_zhongyuan", "emp_provincial"))
    for person in (both, no_cert, short):
        full_year(person, 2024)
        issuance.issue_annual_certificate(person, 2024, by=None)
    full_year(both, 2025)
    issuance.issue_annual_certificate(both, 2025, by=None)
    full_year(no_cert, 2025)
    from tests.certificates.factories import certified_record

    certified_record(short, hours=24, year=2025)
    issuance.issue_annual_certificate(short, 2025, by=None)
    return {"both": both, "no_cert": no_cert, "short": short}


def test_every_named_application_is_a_check_type() -> None:
    labels = {t.label for t in check_types().values()}
    assert {
        "享受政府特殊津贴人员",
        "百千万人才工程国家级人选",
        "省级学术技术带头人",
        "省职业教育教学专家",
        "市（厅）级专家",
    } <= labels
    for code in EXPERTS:
        t = check_types()[code]
        assert t.certificate_each_year and t.years >= 1 and t.clause.startswith("第十四条")
    assert not check_types()["title"].certificate_each_year


@pytest.mark.parametrize("code", EXPERTS)
def test_expert_checks_need_each_years_certificate(world: World, people: dict[str, Person], code: str) -> None:
    scope = Person.objects.all()
    numbers = [people[k].certificate_number or "" for k in ("both", "no_cert", "short")]
    rows = run_check(scope, numbers, 2024, 2025, check_types()[code])
    both, no_cert, short = rows
    assert both.all_met and both.verdict.startswith("符合") and set(both.certificates) == {2024, 2025}
    assert not no_cert.all_met and no_cert.missing_certificates == [2025] and "2025年度无" in no_cert.verdict
    assert not short.all_met and short.verdict == "有未达标年度"
    # The title evaluation (Article 3) needs no certificate: the uncertified year still passes there.
    title = run_check(scope, numbers, 2024, 2025, check_types()["title"])
    assert [r.all_met for r in title] == [True, True, False]


def test_the_page_and_the_batch_file(world: World, people: dict[str, Person]) -> None:
    client = logged_in(world.users["hr_province"])
    page = client.get("/reports/check/?type=special_allowance").content.decode()
    assert "享受政府特殊津贴人员" in page and "显示已达标的有效年度《证书》" in page
    csv_file = io.BytesIO(("证书管理号\n" + "\n".join(p.certificate_number or "" for p in people.values())).encode())
    csv_file.name = "名单.csv"
    data = {"type": "special_allowance", "numbers": "", "year_from": "2024", "year_to": "2025", "file": csv_file}
    html = client.post("/reports/check/", data).content.decode()
    assert "符合享受政府特殊津贴人员申报的继续教育条件" in html and "2025年度无显示达标的有效《证书》" in html
    csv_file.seek(0)
    export = client.post("/reports/check/", {**data, "export": "1"})
    rows = read_xlsx(b"".join(export.streaming_content))
    assert "享受政府特殊津贴人员" in rows[0][0]
    assert rows[1][-3:] == ["各年度《证书》", "核查结论", "完成情况证明"]
    assert rows[2][-2].startswith("符合")
    assert client.post("/reports/check/", {**data, "type": "nonsense"}).status_code == 400


def test_municipal_experts_are_checked_by_the_bodies_article_14_names(world: World) -> None:
    municipal = check_types()["municipal_expert"]
    assert may_run(municipal, world.users["hr_zhengzhou"])  # 省辖市
    assert may_run(municipal, world.users["hr_gongyi"])  # 省直管县（市）
    assert may_run(municipal, world.users["health"])  # 省业务主管部门
    assert not may_run(municipal, world.users["hr_jinshui"])  # a district
    assert not may_run(municipal, world.users["hr_province"])
    city_authority = user_with_role(Role.INDUSTRY_OFFICER, industry_authority("410100", "health"))
    assert not may_run(municipal, city_authority)
    response = logged_in(world.users["hr_jinshui"]).get("/reports/check/?type=municipal_expert")
    assert response.status_code == 400 and "市（厅）级专家" not in response.content.decode()
