"""Past years moved in: stored with provenance, and on day one a title check and a completion proof work."""

from __future__ import annotations

from typing import Any

import pytest

from cecert.accounts.models import Person
from cecert.catalogs.domain import imports as im
from cecert.catalogs.enums import ImportKind, ImportState
from cecert.certificates.domain import issuance
from cecert.crediting.evaluation import today_in_henan
from cecert.movein.models import LegacyYear
from cecert.records.domain.years import year_status
from cecert.reports.domain.check_types import check_types
from cecert.reports.domain.checks import run_check
from tests.factories import World
from tests.movein.conftest import dry_run, imported, issues_of, new_id, person_row, year_row

YEARS = ImportKind.MOVEIN_YEARS
LAST = today_in_henan().year - 1
THREE = [LAST - 2, LAST - 1, LAST]


@pytest.fixture(autouse=True)
def _certificates(settings: Any, tmp_path: Any) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True


@pytest.fixture
def moved_in(world: World) -> Person:
    """李四, moved in from the current platform with number 4101050000500 and no records here."""
    imported(
        world.orgs["hr_zhengzhou"],
        ImportKind.MOVEIN_PEOPLE,
        [person_row("李四", new_id(1), "4101050000500", world.orgs["emp_jinshui"])],
        world.users["hr_zhengzhou"],
    )
    return Person.objects.get(certificate_number="4101050000500")


def three_years(world: World, person: Person, *, last_met: str = "是", last_public: str = "30") -> Any:
    issuer = world.orgs["hr_zhengzhou"].name
    rows = [
        year_row(
            person.name,
            new_id(1),
            year,
            "30" if year != LAST else last_public,
            "60.5",
            "是" if year != LAST else last_met,
            年度证书编号=f"{year}-4101-00{year}",
            发证机构=issuer,
            发证日期=f"{year + 1}-03-01",
        )
        for year in THREE
    ]
    return imported(world.orgs["hr_zhengzhou"], YEARS, rows, world.users["hr_zhengzhou"])


def test_three_moved_in_years_are_stored_with_provenance(world: World, moved_in: Person) -> None:
    run = three_years(world, moved_in)
    assert (run.state, run.committed_rows, run.rejected_rows) == (ImportState.COMMITTED, 3, 0)
    rows = LegacyYear.objects.filter(person=moved_in).order_by("year")
    assert [(y.year, y.public_tenths, y.professional_tenths, y.met) for y in rows] == [
        (year, 300, 605, True) for year in THREE
    ]
    first = rows[0]
    assert (first.run, first.row_number, first.source_sha256, first.imported_by) == (
        run,
        2,
        run.sha256,
        world.users["hr_zhengzhou"],
    )
    assert first.issuer == world.orgs["hr_zhengzhou"] and first.issued_on.isoformat() == f"{THREE[0] + 1}-03-01"
    status = year_status(Person.objects.filter(pk=moved_in.pk), LAST).get()
    assert (status.earned_public, status.earned_professional, status.met) == (30, 60.5, True)


def test_a_title_check_and_a_completion_proof_work_on_day_one(world: World, moved_in: Person) -> None:
    three_years(world, moved_in)
    scope = Person.objects.restrict(world.users["hr_zhengzhou"])
    [title] = run_check(scope, [moved_in.certificate_number], THREE[0], LAST, check_types()["title"])
    assert title.all_met and title.years == dict.fromkeys(THREE, True)
    # Article 14: each year's annual certificate, here the ones the current platform issued
    [expert] = run_check(scope, [moved_in.certificate_number], THREE[0], LAST, check_types()["special_allowance"])
    assert expert.all_met and expert.certificates == {year: f"{year}-4101-00{year}" for year in THREE}

    proof = issuance.issue_completion_proof(moved_in, THREE[0], LAST, by=moved_in.user)
    assert proof.snapshot["met"] is True
    assert proof.snapshot["hours"] == {"public": "90", "professional": "181.5", "total": "271.5"}
    years = proof.snapshot["years"]
    assert [(y["year"], y["met"], y["record_ids"]) for y in years] == [(year, True, []) for year in THREE]
    assert years[0]["moved_in"]["source"] == "原平台迁入"
    assert years[0]["moved_in"]["issuer"] == world.orgs["hr_zhengzhou"].name


def test_the_proofs_pdf_marks_the_moved_in_years(world: World, moved_in: Person, tmp_path: Any) -> None:
    import subprocess

    from cecert.certificates.domain.rendering import certificate_pdf

    three_years(world, moved_in)
    proof = issuance.issue_completion_proof(moved_in, THREE[0], LAST, by=moved_in.user)
    path = tmp_path / "proof.pdf"
    path.write_bytes(certificate_pdf(proof).content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout  # noqa: S603, S607
    for year in THREE:
        assert f"{year}（迁入）" in text
    assert "271.5" in text


def test_a_year_the_current_platform_found_short_stays_short(world: World, moved_in: Person) -> None:
    # 20 public hours: short of Article 5's 24 here too (a year found short whose hours reach the
    # requirement is met: tests/records/test_moved_in_year_status.py)
    three_years(world, moved_in, last_met="否", last_public="20")
    scope = Person.objects.restrict(world.users["hr_zhengzhou"])
    [row] = run_check(scope, [moved_in.certificate_number], THREE[0], LAST, check_types()["title"])
    assert not row.all_met and row.years[LAST] is False and row.verdict == "有未达标年度"
    proof = issuance.issue_completion_proof(moved_in, THREE[0], LAST, by=moved_in.user)
    assert proof.snapshot["met"] is False


def test_the_same_years_again_are_reported_not_doubled(world: World, moved_in: Person) -> None:
    three_years(world, moved_in)
    again = dry_run(
        world.orgs["hr_zhengzhou"], YEARS, [year_row("李四", new_id(1), LAST, "1", "1")], world.users["hr_zhengzhou"]
    )
    assert [(r, code) for r, _, code, _ in issues_of(again)] == [(2, im.DUPLICATE_EXISTING)]
    assert LegacyYear.objects.filter(person=moved_in).count() == 3


@pytest.mark.parametrize(
    ("overrides", "column", "code", "words"),
    [
        ({"year": "二〇二四"}, "年度", im.INVALID, "已过年度"),
        ({"year": today_in_henan().year}, "年度", im.INVALID, "已过年度"),
        ({"year": 2016}, "年度", im.INVALID, "已过年度"),
        ({"public": "-3"}, "公需科目学时", im.INVALID, "不小于 0"),
        ({"professional": "12.25"}, "专业科目学时", im.INVALID, "一位小数"),
        ({"professional": "=1+1"}, "专业科目学时", im.INVALID, "一位小数"),
        ({"professional": "100000"}, "专业科目学时", im.INVALID, "1000"),
        ({"met": "也许"}, "是否达标", im.INVALID, "是"),
        ({"public": "0", "professional": "0"}, "是否达标", im.INVALID, "学时为 0"),
        ({"name": "王五"}, "姓名", im.NAME_MISMATCH, "不一致"),
        ({"证书编号": "4101050000999"}, "证书编号", im.INVALID, "不一致"),
        ({"id": "410105197501020000"}, "身份证号", im.INVALID, "校验位"),
        ({"年度证书编号": "X-1", "发证机构": "金水医院", "发证日期": "2025-03-01"}, "发证机构", im.INVALID, "第十二条"),
        ({"年度证书编号": "X-1", "发证日期": "2025-03-01"}, "发证机构", im.MISSING, "必须"),
        ({"年度证书编号": "X-1", "发证机构": "HR", "发证日期": "三月一日"}, "发证日期", im.INVALID, "日期"),
        ({"年度证书编号": "X-1", "发证机构": "HR", "发证日期": "2025-13-45"}, "发证日期", im.INVALID, "日期"),
        ({"年度证书编号": "X-1", "发证机构": "HR", "发证日期": "2001-01-01"}, "发证日期", im.INVALID, "之内或之后"),
        ({"发证机构": "HR"}, "年度证书编号", im.MISSING, "缺少年度证书编号"),
        (
            {"年度证书编号": "=cmd|' /C calc'!A0", "发证机构": "HR", "发证日期": "2025-03-01"},
            "年度证书编号",
            im.INVALID,
            "公式",
        ),
    ],
    ids=[
        "year-in-words",
        "this-year",
        "before-2017",
        "negative-hours",
        "two-decimals",
        "formula-as-hours",
        "absurd-hours",
        "met-neither",
        "met-with-no-hours",
        "name-mismatch",
        "number-mismatch",
        "wrong-id-checksum",
        "issuer-not-an-hr-department",
        "certificate-without-issuer",
        "date-in-words",
        "date-that-does-not-exist",
        "date-before-the-year",
        "issuer-without-certificate",
        "formula-as-serial",
    ],
)
def test_hostile_year_rows(
    world: World, moved_in: Person, overrides: dict[str, Any], column: str, code: str, words: str
) -> None:
    values: dict[str, Any] = {
        "name": "李四",
        "id": new_id(1),
        "year": LAST,
        "public": "30",
        "professional": "60",
        "met": "是",
    }
    extra = {k: v for k, v in overrides.items() if k not in values}
    values.update({k: v for k, v in overrides.items() if k in values})
    extra = {k: (world.orgs["hr_zhengzhou"].name if v == "HR" else v) for k, v in extra.items()}
    row = year_row(
        values["name"], values["id"], values["year"], values["public"], values["professional"], values["met"], **extra
    )
    text_only = any(isinstance(c, str) and c.startswith("=") for c in row)
    run = dry_run(world.orgs["hr_zhengzhou"], YEARS, [row], world.users["hr_zhengzhou"], csv=text_only)
    [(number, shown, found, message)] = issues_of(run)
    assert (number, shown, found) == (2, column, code)
    assert words in message


def test_dates_and_years_written_as_text_are_read(world: World, moved_in: Person) -> None:
    import datetime as dt

    rows = [
        year_row(
            "李四",
            new_id(1),
            f"{LAST}年",
            "30",
            "60",
            "达标",
            年度证书编号="A-1",
            发证机构=world.orgs["hr_zhengzhou"].name,
            发证日期=f"{LAST + 1}年1月5日",
        ),
        year_row(
            "李四",
            new_id(1),
            LAST - 1,
            30,
            60.5,
            "是",
            年度证书编号="A-2",
            发证机构=world.orgs["hr_zhengzhou"].name,
            发证日期=dt.datetime(LAST, 12, 30),
        ),
    ]
    run = imported(world.orgs["hr_zhengzhou"], YEARS, rows, world.users["hr_zhengzhou"])
    assert run.committed_rows == 2, issues_of(run)
    assert LegacyYear.objects.get(year=LAST).issued_on == dt.date(LAST + 1, 1, 5)


def test_duplicate_years_and_serials_in_the_file(world: World, moved_in: Person) -> None:
    issuer = world.orgs["hr_zhengzhou"].name
    rows = [
        year_row(
            "李四", new_id(1), LAST, "30", "60", 年度证书编号="S-1", 发证机构=issuer, 发证日期=f"{LAST + 1}-01-05"
        ),
        year_row("李四", new_id(1), LAST, "30", "60"),
        year_row(
            "李四", new_id(1), LAST - 1, "30", "60", 年度证书编号="S-1", 发证机构=issuer, 发证日期=f"{LAST}-12-31"
        ),
    ]
    run = dry_run(world.orgs["hr_zhengzhou"], YEARS, rows, world.users["hr_zhengzhou"])
    assert [(r, c, code) for r, c, code, _ in issues_of(run)] == [
        (3, "年度", im.DUPLICATE_ROW),
        (4, "年度证书编号", im.DUPLICATE_ROW),
    ]


def test_people_outside_the_department_read_as_not_found(world: World) -> None:
    """洛阳's staff, from 郑州's department: the same answer as someone who does not exist."""
    luoyang = world.people["emp_luoyang"]
    run = dry_run(
        world.orgs["hr_zhengzhou"],
        YEARS,
        [year_row(luoyang.name, luoyang.id_number, LAST, "30", "60")],
        world.users["hr_zhengzhou"],
    )
    nobody = dry_run(
        world.orgs["hr_zhengzhou"], YEARS, [year_row("无名", new_id(99), LAST, "30", "60")], world.users["hr_zhengzhou"]
    )
    assert [i[1:] for i in issues_of(run)] == [i[1:] for i in issues_of(nobody)]
    assert issues_of(run)[0][2] == im.UNKNOWN_PERSON


def test_the_kept_dashboard_figures_follow_moved_in_years_and_people(world: World, moved_in: Person) -> None:
    """A kept year's employer figures (issue 17) are recomputed when past years or people arrive in bulk."""
    from cecert.reports.domain.figures import figure_mismatches, rebuild_year

    for year in THREE:
        rebuild_year(year)
    before = {year: figure_mismatches(year) for year in THREE}
    three_years(world, moved_in)
    assert before == {year: [] for year in THREE}
    assert {year: figure_mismatches(year) for year in THREE} == {year: [] for year in THREE}
    imported(
        world.orgs["hr_zhengzhou"],
        ImportKind.MOVEIN_PEOPLE,
        [person_row("王五", new_id(2), "4101050000501", world.orgs["emp_jinshui"])],
        world.users["hr_zhengzhou"],
    )
    assert {year: figure_mismatches(year) for year in THREE} == {year: [] for year in THREE}
