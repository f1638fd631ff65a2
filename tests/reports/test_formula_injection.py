"""No export carries a formula: hostile names come out of every .xlsx and CSV export as inert text.

Names such as ``=1+2`` or ``+cmd|'/c calc'!A0`` would run in Excel if written as
formulas or raw CSV fields (OWASP CSV injection). Each export is read back:
the .xlsx cell must be a string (openpyxl ``data_type == "s"``) starting with
``'``, the CSV field must start with ``'``; numbers, negative ones included,
stay numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from cecert.accounts.models import Person, RegistrationState
from cecert.core.cells import inert
from cecert.reports.exports import csv_lines, write_xlsx
from cecert.reports.tables import Table
from tests.factories import World, logged_in

HOSTILE = ["=1+2", "+cmd|'/c calc'!A0", "@SUM(1)", "-2+3", "\t=1", "\r=1"]


def _cells(content: bytes) -> list[list[Any]]:
    """Every cell object of the first sheet (not read-only: keeps ``data_type``)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def _assert_inert_xlsx(content: bytes, names: list[str]) -> int:
    found = 0
    for row in _cells(content):
        for cell in row:
            if cell.value is None:
                continue
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
            for name in names:
                if isinstance(cell.value, str) and name in cell.value:
                    assert cell.value.startswith("'"), cell.value
                    found += 1
    return found


@pytest.fixture
def hostile_world(world: World) -> World:
    from tests.reports.factories import populate

    populate(world)
    people = list(Person.objects.filter(state=RegistrationState.APPROVED).order_by("pk"))
    for index, person in enumerate(people):
        Person.objects.filter(pk=person.pk).update(name=HOSTILE[index % len(HOSTILE)])
    return world


def test_inert_prefixes_formula_texts_and_leaves_numbers() -> None:
    assert [inert(n) for n in HOSTILE] == ["'" + n for n in HOSTILE]
    assert [inert(v) for v in (-5, Decimal("-2.5"), -0.5, 0, "张三", "", None)] == [
        -5,
        Decimal("-2.5"),
        -0.5,
        0,
        "张三",
        "",
        None,
    ]


def test_table_exporter_xlsx_and_csv_keep_negative_numbers_as_numbers() -> None:
    table = Table("t", "=标题", ["=表头", "数"], [[name, -index - 1] for index, name in enumerate(HOSTILE)])
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    rows = _cells(buffer.getvalue())
    assert rows[0][0].value == "'=标题" and rows[1][0].value == "'=表头"
    for row, name in zip(rows[2:], HOSTILE, strict=True):
        assert (row[0].value, row[0].data_type) == ("'" + name, "s")
        assert row[1].data_type == "n" and row[1].value < 0
    table = Table("t", "标题", ["=表头", "数"], [[name, Decimal(-1)] for name in HOSTILE])
    text = "".join(csv_lines(table))
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["'=表头", "数"]
    assert parsed[1:] == [["'" + name, "-1"] for name in HOSTILE]


@pytest.mark.parametrize(
    "url",
    ["/reports/export/shortfall/?year=2025", "/reports/export/backlog_records/"],
)
def test_report_exports_write_hostile_names_as_text(hostile_world: World, url: str) -> None:
    client = logged_in(hostile_world.users["hr_province"])
    content = b"".join(client.get(url).streaming_content)  # type: ignore[attr-defined]
    assert _assert_inert_xlsx(content, HOSTILE) > 0


def test_person_history_export_title_is_inert(hostile_world: World) -> None:
    person = Person.objects.get(pk=hostile_world.people["emp_jinshui"].pk)
    client = logged_in(hostile_world.users["hr_province"])
    content = b"".join(client.get(f"/reports/people/{person.pk}/export/").streaming_content)  # type: ignore[attr-defined]
    assert _assert_inert_xlsx(content, [person.name]) == 1


def test_title_check_export_is_inert(hostile_world: World) -> None:
    client = logged_in(hostile_world.users["hr_province"])
    numbers = "\n".join(
        Person.objects.exclude(certificate_number=None).values_list("certificate_number", flat=True)[:12]
    )
    response = client.post(
        "/reports/check/", {"numbers": numbers, "year_from": "2024", "year_to": "2025", "export": "1"}
    )
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert _assert_inert_xlsx(content, HOSTILE) >= len(HOSTILE)


def test_year_status_csv_streams_through_the_table_exporter_and_prefixes_names(hostile_world: World) -> None:
    client = logged_in(hostile_world.users["hr_province"])
    response = client.get("/records/status/?format=csv&year=2025")
    assert response.streaming  # type: ignore[attr-defined]
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["证书管理号", "姓名", "工作单位"]
    names = {row[1] for row in rows[1:]}
    assert names == {"'" + name for name in HOSTILE}
    for row in rows[1:]:
        assert not any(field.startswith(("=", "+", "-", "@", "\t", "\r")) for field in row), row
        assert row[3].isdigit()  # requirements stay numbers


def test_import_error_sheet_neutralises_the_uploaded_cells(world: World) -> None:
    from cecert.catalogs.domain import imports as im
    from tests.catalogs.conftest import csv_bytes, make_base, program
    from tests.catalogs.test_imports import COMPLETION_HEADER, upload

    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    classroom = program(base, admin)
    rows: list[list[Any]] = [COMPLETION_HEADER]
    rows += [[name, name, classroom.pk, name] for name in HOSTILE]
    run, _ = upload(base, admin, csv_bytes(rows))
    im.check_import(run)
    content = im.error_sheet(run)
    # (leading tabs and carriage returns are trimmed on import; the rest come back prefixed, never as formulas)
    assert _assert_inert_xlsx(content, HOSTILE) >= 3 * 4
    assert [c.value for c in _cells(content)[1][:2]] == ["'=1+2", "'=1+2"]
