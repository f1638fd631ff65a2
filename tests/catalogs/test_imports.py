"""Bulk import: every error kind, thousands of rows with a few bad, re-import, interrupted commits, error sheet, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from cecert.accounts.models import User
from cecert.catalogs.domain import imports as im
from cecert.catalogs.domain.bases import enrol
from cecert.catalogs.domain.imports import reading
from cecert.catalogs.enums import ImportKind, ImportState
from cecert.catalogs.models import Enrolment, ImportRow, ImportRun
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation
from cecert.records.enums import Channel, RecordState
from cecert.records.models import Record
from tests.catalogs.conftest import BaseWorld, csv_bytes, xlsx_bytes
from tests.factories import World, employer_admin_of

COMPLETION_HEADER = [
    "证书管理号或身份证号码 [person]",
    "姓名 [name]",
    "培训项目编号 [program]",
    "考核结果 [assessment]",
]
TRAINING_HEADER = [
    "证书管理号或身份证号码 [person]",
    "姓名",
    "内容（名称） [title]",
    "开始日期 [start_date]",
    "结束日期 [end_date]",
    "形式 [form]",
    "考核结果 [assessment]",
    "科目 [subject]",
    "主办单位 [organizer]",
    "学时 [hours]",
]


def upload(
    org: Organisation,
    user: User,
    content: bytes,
    *,
    kind: str = ImportKind.BASE_COMPLETIONS,
    activity_type: str = "",
    name: str = "f.csv",
) -> tuple[ImportRun, bool]:
    return im.create_import(
        org, kind=kind, filename=name, content=io.BytesIO(content), by=user, activity_type=activity_type
    )


def issues(run: ImportRun) -> list[tuple[int, str, str]]:
    return [(i.row, i.field, i.code) for i in run.issues.order_by("row", "pk")]


def test_templates_name_every_column_of_the_record_type(world: World) -> None:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(im.template_bytes("employer_records", "conference")))
    assert sheet.sheet_names == ["conference", "说明"]
    headers = sheet.get_sheet_by_index(0).to_python()[0]
    assert headers == [
        "证书管理号或身份证号码 [person]",
        "姓名 [name]",
        "内容（名称） [title]",
        "开始日期 [start_date]",
        "结束日期 [end_date]",
        "形式 [form]",
        "考核结果 [assessment]",
        "会议级别 [level]",
        "实际天数 [days]",
        "宣读、报告论文 [presented]",
    ]
    base_headers = (
        CalamineWorkbook.from_filelike(io.BytesIO(im.template_bytes("base_completions")))
        .get_sheet_by_index(0)
        .to_python()[0]
    )
    assert base_headers == COMPLETION_HEADER


def test_each_base_error_kind_is_reported_with_row_column_and_reason_and_nothing_is_written(bw: BaseWorld) -> None:
    people = bw.world.people
    enrolled = people["emp_jinshui"]
    other = people["emp_zhongyuan"]
    enrol(bw.classroom, other.id_number, by=bw.admin)
    Record.objects.all()  # nothing yet
    rows = [
        COMPLETION_HEADER,
        [enrolled.certificate_number, enrolled.name, bw.classroom.pk, "合格"],  # 2 ok
        ["4199990000001", "", bw.classroom.pk, ""],  # 3 unknown certificate number
        [people["emp_luoyang"].certificate_number, "", bw.classroom.pk, ""],  # 4 not enrolled: outside scope
        ["", "", bw.classroom.pk, ""],  # 5 missing person
        [other.id_number, "错名字", bw.classroom.pk, ""],  # 6 name mismatch
        [other.id_number, "", 999999, ""],  # 7 unknown program
        [enrolled.certificate_number, "", bw.classroom.pk, ""],  # 8 duplicate of row 2
        [other.id_number, other.name, "abc", ""],  # 9 unknown program (not a number)
        [other.id_number, other.name, bw.classroom.pk, "优秀"],  # 10 ok (by ID number)
    ]
    run, created = upload(bw.base, bw.admin, csv_bytes(rows))
    assert created
    before = Record.objects.count()
    run = im.check_import(run)
    assert (run.state, run.total_rows, run.accepted_rows, run.rejected_rows) == (ImportState.CHECKED, 9, 2, 7)
    assert issues(run) == [
        (3, "person", im.UNKNOWN_PERSON),
        (4, "person", im.OUTSIDE_SCOPE),
        (5, "person", im.MISSING),
        (6, "name", im.NAME_MISMATCH),
        (7, "program", im.UNKNOWN_PROGRAM),
        (8, "person", im.DUPLICATE_ROW),
        (9, "program", im.UNKNOWN_PROGRAM),
    ]
    first = run.issues.order_by("row").first()
    assert first is not None and first.column == "证书管理号或身份证号码 [person]"
    assert (Record.objects.count(), ImportRow.objects.count()) == (before, 0)
    run = im.commit_import(run, by=bw.admin)
    assert (run.state, run.committed_rows, run.rejected_rows) == (ImportState.COMMITTED, 2, 7)
    records = Record.objects.filter(source=bw.base).order_by("pk")
    assert [(r.person_id, r.channel, r.state, r.assessment) for r in records] == [
        (enrolled.pk, Channel.BASE, RecordState.SUBMITTED, "合格"),
        (other.pk, Channel.BASE, RecordState.SUBMITTED, "优秀"),
    ]
    # A second file with the same completions: duplicates of existing records.
    again, _ = upload(bw.base, bw.admin, csv_bytes([COMPLETION_HEADER, [other.id_number, "", bw.classroom.pk, ""]]))
    assert issues(im.check_import(again)) == [(2, "person", im.DUPLICATE_EXISTING)]


def _training_rows(
    admin_org: Organisation, people: list[Any], count: int, bad: dict[int, list[Any]]
) -> list[list[Any]]:
    rows: list[list[Any]] = [TRAINING_HEADER]
    for n in range(count):
        person = people[n % len(people)]
        step = n // len(people)
        day = dt.date(2026, 1, 1) + dt.timedelta(days=step % 365)
        rows.append(
            [
                person.certificate_number,
                person.name,
                f"培训{n}",
                day.isoformat(),
                day.isoformat(),
                "面授",
                "合格",
                "professional",
                "provincial",
                7.5 + step // 365,
            ]
        )
    for index, row in bad.items():
        rows[index - 1] = row  # sheet row number → list index
    return rows


@pytest.fixture
def staff(world: World) -> tuple[Organisation, User, list[Any]]:
    from tests.factories import registered_person

    employer = world.orgs["emp_jinshui"]
    people = [world.people["emp_jinshui"], *[registered_person(employer, name=f"员工{n}") for n in range(4)]]
    return employer, employer_admin_of(employer), people


def test_thousands_of_rows_with_a_few_bad_dry_run_reports_exactly_those_and_commit_writes_the_rest(
    world: World, staff: tuple[Organisation, User, list[Any]]
) -> None:
    employer, admin, people = staff
    outsider = world.people["emp_luoyang"]
    bad = {
        17: [people[0].certificate_number, "", "缺学时", "2026-01-01", "2026-01-02", "", "", "public", "national", ""],
        450: [
            people[1].certificate_number,
            "",
            "学时错",
            "2026-01-01",
            "2026-01-02",
            "",
            "",
            "public",
            "national",
            "abc",
        ],
        1201: [outsider.certificate_number, "", "外单位", "2026-01-01", "2026-01-02", "", "", "public", "national", 6],
        2500: [people[2].certificate_number, "", "日期错", "2026-02-30", "2026-03-01", "", "", "public", "national", 6],
        2999: [people[3].certificate_number, "", "主办错", "2026-01-01", "2026-01-02", "", "", "public", "county", 6],
    }
    rows = _training_rows(employer, people, 3000, bad)
    content = xlsx_bytes(rows, title="training")
    run, _ = upload(
        employer, admin, content, kind=ImportKind.EMPLOYER_RECORDS, activity_type="training", name="staff.xlsx"
    )
    run = im.check_import(run)
    assert (run.total_rows, run.accepted_rows, run.rejected_rows) == (3000, 2995, 5)
    assert issues(run) == [
        (17, "hours", im.MISSING),
        (450, "hours", im.INVALID),
        (1201, "person", im.OUTSIDE_SCOPE),
        (2500, "start_date", im.INVALID),
        (2999, "organizer", im.INVALID),
    ]
    hours_issue = run.issues.get(row=450)
    assert (hours_issue.column, hours_issue.message_en) == ("学时 [hours]", "wrong type; expected a number")
    assert Record.objects.filter(person__employer=employer).count() == 0
    run = im.commit_import(run, by=admin)
    assert (run.state, run.committed_rows, run.rejected_rows) == (ImportState.COMMITTED, 2995, 5)
    created = Record.objects.filter(person__employer=employer)
    assert created.count() == 2995
    assert set(created.values_list("state", "channel")) == {(RecordState.DRAFT, Channel.EMPLOYER)}
    assert sorted(ImportRow.objects.filter(run=run).values_list("row_number", flat=True)) == [
        n for n in range(2, 3002) if n not in bad
    ]

    # The same file again is the same import and creates nothing new.
    again, created_again = upload(
        employer, admin, content, kind=ImportKind.EMPLOYER_RECORDS, activity_type="training", name="copy.xlsx"
    )
    assert (again.pk, created_again) == (run.pk, False)
    assert im.run_import(again, by=admin, dry_run=False).committed_rows == 2995
    assert Record.objects.filter(person__employer=employer).count() == 2995
    # The same rows in another file (one changed cell makes another hash): every row is a duplicate.
    rows[1][5] = "网络"
    other, _ = upload(
        employer, admin, xlsx_bytes(rows, "training"), kind=ImportKind.EMPLOYER_RECORDS, activity_type="training"
    )
    other = im.check_import(other)
    assert (other.accepted_rows, other.rejected_rows) == (0, 3000)
    assert {c for _, _, c in issues(other)} == {im.DUPLICATE_EXISTING, im.MISSING, im.INVALID, im.OUTSIDE_SCOPE}


def test_an_interrupted_commit_resumes_and_never_writes_a_row_twice(
    world: World, staff: tuple[Organisation, User, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    employer, admin, people = staff
    monkeypatch.setattr(reading, "CHUNK_ROWS", 500)
    rows = _training_rows(
        employer,
        people,
        2000,
        {700: [people[0].certificate_number, "", "x", "2026-01-01", "2026-01-02", "", "", "public", "national", ""]},
    )
    run, _ = upload(employer, admin, csv_bytes(rows), kind=ImportKind.EMPLOYER_RECORDS, activity_type="training")
    im.check_import(run)

    # A crash in the middle of the second chunk: that chunk rolls back entirely.
    calls: list[int] = []

    def crash(current: ImportRun) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        im.commit_import(run, by=admin, progress=crash)
    run.refresh_from_db()
    assert run.state == ImportState.COMMITTING
    # progress runs after a chunk's transaction: two chunks are in.
    assert (run.committed_rows, run.last_row) == (999, 1001)
    assert Record.objects.filter(person__employer=employer).count() == 999

    # Stopped after one more chunk (e.g. a deploy), then resumed to the end.
    run = im.commit_import(run, by=admin, max_chunks=1)
    assert (run.state, Record.objects.filter(person__employer=employer).count()) == (ImportState.COMMITTING, 1499)
    run = im.commit_import(run, by=admin)
    assert (run.state, run.committed_rows, run.rejected_rows) == (ImportState.COMMITTED, 1999, 1)
    assert Record.objects.filter(person__employer=employer).count() == 1999
    assert ImportRow.objects.filter(run=run).count() == 1999
    keys = list(Record.objects.filter(person__employer=employer).values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))


def test_employer_field_errors_name_the_schema_field(world: World, staff: tuple[Organisation, User, list[Any]]) -> None:
    employer, admin, people = staff
    header = [
        "证书管理号或身份证号码 [person]",
        "内容（名称） [title]",
        "开始日期 [start_date]",
        "结束日期 [end_date]",
        "会议级别 [level]",
        "实际天数 [days]",
        "宣读、报告论文 [presented]",
    ]
    number = people[0].certificate_number
    rows = [
        header,
        [number, "学术年会", "2026-04-01", "2026-04-03", "provincial", 3, "是"],
        [number, "学术年会2", "2026-04-05", "2026-04-06", "national", "", "否"],
        [number, "学术年会3", "2026-04-07", "2026-04-06", "national", 1, "否"],
        [number, "", "2026-04-08", "2026-04-09", "national", 1, "否"],
        [number, "学术年会5", "2026-04-10", "2026-04-11", "national", 1, "也许"],
    ]
    run, _ = upload(employer, admin, csv_bytes(rows), kind=ImportKind.EMPLOYER_RECORDS, activity_type="conference")
    run = im.check_import(run)
    assert issues(run) == [
        (3, "days", im.MISSING),
        (4, "end_date", im.INVALID),
        (5, "title", im.MISSING),
        (6, "presented", im.INVALID),
    ]
    run = im.commit_import(run, by=admin)
    record = Record.objects.get(person=people[0], title="学术年会")
    assert (record.hours, record.state, record.activity["presented"]) == (16, RecordState.DRAFT, True)


def test_a_missing_column_fails_the_whole_file(bw: BaseWorld) -> None:
    run, _ = upload(bw.base, bw.admin, csv_bytes([["姓名"], ["张三"]]))
    run = im.check_import(run)
    assert (run.state, issues(run)) == (
        ImportState.FAILED,
        [(1, "person", im.MISSING_COLUMN), (1, "program", im.MISSING_COLUMN)],
    )
    with pytest.raises(DomainError):
        im.commit_import(run, by=bw.admin)


def test_only_the_organisations_admins_import(bw: BaseWorld, world: World) -> None:
    with pytest.raises(DomainError):
        upload(bw.base, bw.other_admin, csv_bytes([COMPLETION_HEADER]))
    with pytest.raises(DomainError):
        upload(
            world.orgs["emp_jinshui"],
            employer_admin_of(world.orgs["emp_luoyang"]),
            b"a,b\n",
            kind=ImportKind.EMPLOYER_RECORDS,
            activity_type="training",
        )


def test_error_sheet_is_the_original_with_errors_marked_in_red(bw: BaseWorld) -> None:
    from openpyxl import load_workbook

    person = bw.world.people["emp_jinshui"]
    rows = [
        COMPLETION_HEADER,
        ["4199990000001", "", bw.classroom.pk, ""],
        [person.certificate_number, "", bw.classroom.pk, ""],
    ]
    run, _ = upload(bw.base, bw.admin, xlsx_bytes(rows), name="c.xlsx")
    im.check_import(run)
    sheet = load_workbook(io.BytesIO(im.error_sheet(run))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [*COMPLETION_HEADER, "错误说明 / errors"]
    assert values[1][-1].startswith("证书管理号或身份证号码 [person]：未找到")
    assert values[2][-1] is None
    assert sheet.cell(row=2, column=1).fill.fgColor.rgb == "FFFFC7CE"
    assert sheet.cell(row=2, column=3).fill.fgColor.rgb != "FFFFC7CE"


def test_cli_prints_the_same_report_as_json(bw: BaseWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    person = bw.world.people["emp_jinshui"]
    path = tmp_path / "completions.csv"
    path.write_bytes(csv_bytes([COMPLETION_HEADER, [person.certificate_number, "", bw.classroom.pk, ""]]))
    call_command("import", "records", str(path), "--dry-run", "--as", bw.admin.username)
    report = json.loads(capsys.readouterr().out)
    assert (report["dry_run"], report["accepted"], report["rejected"], report["errors"]) == (True, 1, 0, [])
    assert Record.objects.filter(source=bw.base).count() == 0
    call_command("import", "records", str(path), "--as", bw.admin.username)
    report = json.loads(capsys.readouterr().out)
    assert (report["dry_run"], report["state"], report["committed"]) == (False, "committed", 1)
    assert Enrolment.objects.get(pk=bw.enrolment.pk).record_id == Record.objects.get(source=bw.base).pk


def test_gb18030_csv_from_excel_is_read(bw: BaseWorld) -> None:
    person = bw.world.people["emp_jinshui"]
    content = "\n".join(
        [",".join(COMPLETION_HEADER), f"{person.certificate_number},{person.name},{bw.classroom.pk},合格"]
    )
    run, _ = upload(bw.base, bw.admin, content.encode("gb18030"))
    assert im.check_import(run).accepted_rows == 1


def test_the_upload_page_runs_the_dry_run_as_a_task_and_commits(bw: BaseWorld) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import logged_in

    person = bw.world.people["emp_jinshui"]
    client = logged_in(bw.admin)
    file = SimpleUploadedFile(
        "c.csv", csv_bytes([COMPLETION_HEADER, [person.certificate_number, "", bw.classroom.pk, ""]])
    )
    response = client.post("/catalogs/imports/", {"kind": "base_completions", "file": file})
    run = ImportRun.objects.get(organisation=bw.base)
    assert (response.status_code, response["Location"], run.state) == (
        302,
        f"/catalogs/imports/{run.pk}/",
        ImportState.CHECKED,
    )
    assert client.post(f"/catalogs/imports/{run.pk}/commit/").status_code == 302
    run.refresh_from_db()
    assert (run.state, run.committed_rows) == (ImportState.COMMITTED, 1)
    assert client.get(f"/catalogs/imports/{run.pk}/").status_code == 200


Builder = Callable[..., Any]
