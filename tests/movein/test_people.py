"""Moving people in: kept certificate numbers, counters past them, conflicts, dry run, idempotent re-runs."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.hashers import is_password_usable

from cecert.accounts.models import CertificateNumberSequence, Person, RegistrationState
from cecert.audit.models import AuditEntry
from cecert.catalogs.domain import imports as im
from cecert.catalogs.domain.imports import reading
from cecert.catalogs.enums import ImportKind, ImportState
from cecert.core.errors import DomainError
from cecert.movein.models import MovedInPerson
from tests.factories import World, registered_person
from tests.movein.conftest import (
    PEOPLE_HEADER,
    dry_run,
    imported,
    issues_of,
    new_id,
    person_row,
    upload,
    xlsx_bytes,
)

PEOPLE = ImportKind.MOVEIN_PEOPLE


def test_the_dry_run_writes_nothing_and_the_commit_registers_people_with_their_numbers(world: World) -> None:
    hr, officer = world.orgs["hr_zhengzhou"], world.users["hr_zhengzhou"]
    rows = [
        person_row("李四", new_id(1), "4101050000500", world.orgs["emp_jinshui"]),
        person_row("王五", new_id(2), "4101020000042", world.orgs["emp_zhongyuan"], 学历="硕士研究生"),
    ]
    people_before = Person.objects.count()
    run = dry_run(hr, PEOPLE, rows, officer)
    assert (run.state, run.total_rows, run.accepted_rows, run.rejected_rows) == (ImportState.CHECKED, 2, 2, 0)
    assert Person.objects.count() == people_before and not MovedInPerson.objects.exists()

    run = im.commit_import(run, by=officer)
    assert (run.state, run.committed_rows) == (ImportState.COMMITTED, 2)
    li = Person.objects.select_related("user").get(certificate_number="4101050000500")
    assert (li.name, li.employer, li.state) == ("李四", world.orgs["emp_jinshui"], RegistrationState.APPROVED)
    assert li.id_number == new_id(1) and li.id_number_masked == new_id(1)[:6] + "********" + new_id(1)[-4:]
    assert li.user.is_active and not is_password_usable(li.user.password)  # set through the phone code
    assert Person.objects.get(certificate_number="4101020000042").education == "master"
    provenance = MovedInPerson.objects.get(person=li)
    assert (provenance.run, provenance.row_number, provenance.source_sha256, provenance.imported_by) == (
        run,
        2,
        run.sha256,
        officer,
    )
    assert provenance.kept_number
    entry = AuditEntry.objects.get(action="movein.people_registered")
    assert entry.after["count"] == 2 and entry.after["kept_numbers"] == 2


def test_counters_move_past_kept_numbers_so_new_registrations_never_collide(world: World) -> None:
    hr, officer = world.orgs["hr_zhengzhou"], world.users["hr_zhengzhou"]
    imported(
        hr,
        PEOPLE,
        [
            person_row("李四", new_id(1), "4101050000500", world.orgs["emp_jinshui"]),
            # a row without a number, in the same chunk: allocated after the counter moved past 500
            person_row("赵六", new_id(3), "", world.orgs["emp_jinshui"]),
        ],
        officer,
    )
    assert CertificateNumberSequence.objects.get(prefix="410105").last_serial == 501
    assert Person.objects.get(name="赵六").certificate_number == "4101050000501"
    assert not MovedInPerson.objects.get(person__name="赵六").kept_number
    later = registered_person(world.orgs["emp_jinshui"], name="孙七")
    assert later.certificate_number == "4101050000502"
    # a kept number below the counter leaves it where it is
    imported(hr, PEOPLE, [person_row("周八", new_id(4), "4101050000007", world.orgs["emp_jinshui"])], officer)
    assert CertificateNumberSequence.objects.get(prefix="410105").last_serial == 502


def test_the_same_file_twice_creates_nothing_new(world: World) -> None:
    hr, officer = world.orgs["hr_zhengzhou"], world.users["hr_zhengzhou"]
    content = xlsx_bytes([PEOPLE_HEADER, person_row("李四", new_id(1), "4101050000500", world.orgs["emp_jinshui"])])
    first = upload(hr, PEOPLE, content, officer)
    im.commit_import(im.check_import(first), by=officer)
    again, created = im.create_import(hr, kind=PEOPLE, filename="again.xlsx", content=io.BytesIO(content), by=officer)
    assert not created and again.pk == first.pk
    assert im.commit_import(again, by=officer).committed_rows == 1
    assert Person.objects.filter(certificate_number="4101050000500").count() == 1
    # the same people in another file: reported, not registered twice
    other = dry_run(
        hr, PEOPLE, [person_row("李四", new_id(1), "4101050000500", world.orgs["emp_jinshui"]), []], officer
    )
    assert [(row, code) for row, _, code, _ in issues_of(other)] == [(2, im.DUPLICATE_EXISTING)]
    assert MovedInPerson.objects.count() == 1


def test_an_interrupted_commit_resumes_without_writing_a_row_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "CHUNK_ROWS", 2)
    hr, officer = world.orgs["hr_zhengzhou"], world.users["hr_zhengzhou"]
    rows = [person_row(f"人员{n}", new_id(n), f"41010500001{n:02d}", world.orgs["emp_jinshui"]) for n in range(10, 15)]
    run = dry_run(hr, PEOPLE, rows, officer)
    run = im.commit_import(run, by=officer, max_chunks=1)
    assert run.state == ImportState.COMMITTING and MovedInPerson.objects.count() == 2
    run = im.commit_import(run, by=officer)
    assert run.state == ImportState.COMMITTED and run.committed_rows == 5
    assert sorted(MovedInPerson.objects.values_list("row_number", flat=True)) == [2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("row", "column", "code", "words"),
    [
        (
            lambda w: person_row(
                "李四", new_id(1)[:-1] + ("0" if new_id(1)[-1] != "0" else "1"), "", w.orgs["emp_jinshui"]
            ),
            "身份证号",
            im.INVALID,
            "校验位",
        ),
        (
            lambda w: person_row("李四", 410105198001010017, "", w.orgs["emp_jinshui"]),
            "身份证号",
            im.INVALID,
            "文本格式",
        ),
        (
            lambda w: person_row("李四", new_id(1), "4201050000001", w.orgs["emp_jinshui"]),
            "证书编号",
            im.INVALID,
            "41（河南）",
        ),
        (
            lambda w: person_row("李四", new_id(1), "4199050000001", w.orgs["emp_jinshui"]),
            "证书编号",
            im.INVALID,
            "第 3—6 位",
        ),
        (
            lambda w: person_row("李四", new_id(1), "41010500001", w.orgs["emp_jinshui"]),
            "证书编号",
            im.INVALID,
            "13 位",
        ),
        (
            lambda w: person_row("李四", new_id(1), w.people["emp_luoyang"].certificate_number, w.orgs["emp_jinshui"]),
            "证书编号",
            "conflict",
            "其他人员",
        ),
        (
            lambda w: person_row('=HYPERLINK("http://x","点我")', new_id(1), "", w.orgs["emp_jinshui"]),
            "姓名",
            im.INVALID,
            "公式",
        ),
        (
            lambda w: person_row("李四", new_id(1), "", w.orgs["emp_jinshui"], 专业技术职务="@SUM(A1)"),
            "专业技术职务",
            im.INVALID,
            "公式",
        ),
        (lambda w: person_row("李四", new_id(1), "", w.orgs["emp_luoyang"]), "工作单位", im.INVALID, "本辖区"),
        (lambda w: person_row("李四", new_id(1), "", w.orgs["emp_provincial"]), "工作单位", im.INVALID, "本辖区"),
        (lambda w: person_row("李四", new_id(1), "", "91410100MA00000000"), "工作单位", im.INVALID, "校验位"),
        (
            lambda w: person_row("李四", new_id(1), "", w.orgs["emp_jinshui"], 工作单位名称="别的医院"),
            "工作单位名称",
            im.INVALID,
            "金水医院",
        ),
        (
            lambda w: person_row("李四", new_id(1), "", w.orgs["emp_jinshui"], 学历="本科毕业"),
            "学历",
            im.INVALID,
            "学历应为",
        ),
        (
            lambda w: person_row("李四", new_id(1), "", w.orgs["emp_jinshui"], 手机="0371-1234"),
            "手机",
            im.INVALID,
            "11 位",
        ),
        (
            lambda w: person_row("李四", w.people["emp_jinshui"].id_number, "", w.orgs["emp_jinshui"]),
            "身份证号",
            im.DUPLICATE_EXISTING,
            "已在平台注册",
        ),
        (lambda w: person_row("", new_id(1), "", w.orgs["emp_jinshui"]), "姓名", im.MISSING, "必填"),
    ],
    ids=[
        "wrong-id-checksum",
        "id-as-number-cell",
        "number-of-another-province",
        "number-of-no-henan-region",
        "number-too-short",
        "number-already-taken",
        "formula-in-name",
        "formula-in-title",
        "employer-of-another-city",
        "provincial-direct-employer-for-a-city",
        "employer-code-checksum",
        "employer-name-mismatch",
        "unknown-education",
        "bad-phone",
        "already-registered",
        "missing-name",
    ],
)
def test_hostile_rows_are_refused_naming_row_and_column(world: World, row, column: str, code: str, words: str) -> None:  # type: ignore[no-untyped-def]
    cells = row(world)
    text_only = any(isinstance(c, str) and c.startswith(("=", "@")) for c in cells)
    run = dry_run(world.orgs["hr_zhengzhou"], PEOPLE, [cells], world.users["hr_zhengzhou"], csv=text_only)
    assert run.state == ImportState.CHECKED and run.accepted_rows == 0
    [(number, shown, found, message)] = issues_of(run)
    assert (number, shown, found) == (2, column, code)
    assert words in message
    assert "[" not in shown  # the column as the sheet shows it, no internal field name


def test_duplicate_rows_within_the_file(world: World) -> None:
    emp = world.orgs["emp_jinshui"]
    run = dry_run(
        world.orgs["hr_zhengzhou"],
        PEOPLE,
        [
            person_row("李四", new_id(1), "4101050000500", emp),
            person_row("李四", new_id(1), "4101050000501", emp),
            person_row("王五", new_id(2), "4101050000500", emp),
        ],
        world.users["hr_zhengzhou"],
    )
    assert [(r, c, code) for r, c, code, _ in issues_of(run)] == [
        (3, "身份证号", im.DUPLICATE_ROW),
        (4, "证书编号", im.DUPLICATE_ROW),
    ]
    assert "第 2 行" in issues_of(run)[0][3]


def test_a_number_of_another_henan_region_is_kept(world: World) -> None:
    """Article 13's number names where the person first registered; moving employer or city keeps it."""
    run = imported(
        world.orgs["hr_zhengzhou"],
        PEOPLE,
        [person_row("李四", new_id(1), "4103020000077", world.orgs["emp_jinshui"])],
        world.users["hr_zhengzhou"],
    )
    assert run.committed_rows == 1
    assert CertificateNumberSequence.objects.get(prefix="410302").last_serial >= 77


def test_wrong_headers_fail_the_file_naming_the_missing_column(world: World) -> None:
    header = [h if h != "身份证号" else "证件号码" for h in PEOPLE_HEADER]
    run = dry_run(
        world.orgs["hr_zhengzhou"], PEOPLE, [person_row("李四", new_id(1))], world.users["hr_zhengzhou"], header
    )
    assert run.state == ImportState.FAILED
    assert "身份证号" in run.message
    with pytest.raises(DomainError):
        im.commit_import(run, by=world.users["hr_zhengzhou"])


def test_a_zip_bomb_is_refused_at_upload(world: World) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", "<worksheet>" + " " * (300 * 1024 * 1024 // 100 * 2) + "</worksheet>"
        )
    with pytest.raises(DomainError) as refused:
        upload(world.orgs["hr_zhengzhou"], PEOPLE, buffer.getvalue(), world.users["hr_zhengzhou"])
    assert "压缩" in refused.value.message_zh


def test_an_oversized_sheet_is_refused_before_it_is_read(world: World) -> None:
    from cecert.catalogs import sheets

    rows = [PEOPLE_HEADER, *([["x"]] * 3), ["x"] + [None] * (sheets.MAX_COLUMNS + 1) + ["far"]]
    with pytest.raises(DomainError) as refused:
        upload(world.orgs["hr_zhengzhou"], PEOPLE, xlsx_bytes(rows), world.users["hr_zhengzhou"])
    assert "列" in refused.value.message_zh


def test_an_employer_registers_its_own_staff_in_bulk(world: World) -> None:
    emp, admin = world.orgs["emp_jinshui"], world.users["admin_emp_jinshui"]
    run = dry_run(
        emp,
        ImportKind.STAFF_PEOPLE,
        [
            person_row("李四", new_id(1)),  # the unit left out: its own
            person_row("王五", new_id(2), "", emp),
            person_row("赵六", new_id(3), "", world.orgs["emp_zhongyuan"]),  # someone else's staff
        ],
        admin,
    )
    assert [(r, c) for r, c, _, _ in issues_of(run)] == [(4, "工作单位")]
    assert "本单位" in issues_of(run)[0][3]
    run = im.commit_import(run, by=admin)
    staff = Person.objects.filter(moved_in__run=run).order_by("name")
    assert {p.employer_id for p in staff} == {emp.pk} and all(p.certificate_number.startswith("410105") for p in staff)


@pytest.mark.parametrize(
    ("importer", "kind", "user", "allowed"),
    [
        ("hr_zhengzhou", PEOPLE, "hr_zhengzhou", True),
        ("hr_province", PEOPLE, "hr_province", True),
        ("hr_gongyi", PEOPLE, "hr_gongyi", True),  # a province-administered county issues (Article 12)
        ("hr_jinshui", PEOPLE, "hr_jinshui", False),  # a district does not
        ("hr_zhengzhou", PEOPLE, "hr_luoyang", False),
        ("hr_zhengzhou", PEOPLE, "admin_emp_jinshui", False),
        ("hr_zhengzhou", ImportKind.MOVEIN_YEARS, "hr_zhengzhou", True),
        ("emp_jinshui", ImportKind.MOVEIN_YEARS, "admin_emp_jinshui", False),
        ("emp_jinshui", ImportKind.STAFF_PEOPLE, "admin_emp_jinshui", True),
        ("emp_jinshui", ImportKind.STAFF_PEOPLE, "admin_emp_luoyang", False),
        ("emp_jinshui", ImportKind.STAFF_PEOPLE, "hr_zhengzhou", False),
        ("emp_jinshui", PEOPLE, "admin_emp_jinshui", False),
    ],
)
def test_who_may_import(world: World, importer: str, kind: str, user: str, allowed: bool) -> None:
    content = xlsx_bytes([PEOPLE_HEADER, person_row("李四", new_id(1))])
    if allowed:
        assert upload(world.orgs[importer], kind, content, world.users[user]).kind == kind
    else:
        with pytest.raises(DomainError):
            upload(world.orgs[importer], kind, content, world.users[user])
