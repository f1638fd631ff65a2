"""Imports are bounded: bombs and non-spreadsheets are refused before any parser builds them, through every entry.

The corpus is generated here: a zip whose sheet compresses 500:1, a sheet whose two cells far apart make
calamine build a grid of millions of cells, a shared string copied into every cell, a file that is not a zip,
a zip that is not a workbook, CSV rows and fields past the limits, and text that is no CSV at all.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cecert.catalogs import sheets
from cecert.catalogs.domain import imports as im
from cecert.catalogs.models import ImportRun
from cecert.core.errors import DomainError
from cecert.core.files import IMPORTS
from tests.catalogs.conftest import BaseWorld, csv_bytes, xlsx_bytes
from tests.catalogs.test_imports import COMPLETION_HEADER
from tests.factories import logged_in
from tests.files import stored_names

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"></Types>'
)
SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ratio_bomb(rows: int = 400_000) -> bytes:
    """The issue's 1.6 MB → 1.6 GB sheet, scaled down: the same row repeated compresses about 500:1."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = SHEET_HEAD + row * rows + b"</sheetData></worksheet>"
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>", "xl/worksheets/s.xml": sheet})


def far_cells(last: str) -> bytes:
    """A header in A1 and one value at ``last``: tiny on disk, a rows × columns grid in calamine."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "证书管理号或身份证号码 [person]"
    sheet[last] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def shared_string_bomb(cells: int = 1000, length: int = 30_000) -> bytes:
    """One 30 000-character shared string used by 1000 cells: calamine copies it into each (30 M characters)."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings = b"<sst " + main + b"><si><t>" + ("长" * length).encode() + b"</t></si></sst>"
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (i, i) for i in range(1, cells + 1))
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": b"<workbook/>",
            "xl/sharedStrings.xml": strings,
            "xl/worksheets/sheet1.xml": SHEET_HEAD + rows + b"</sheetData></worksheet>",
        }
    )


CORPUS: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("zip bomb (ratio)", "bomb.xlsx", ratio_bomb, "压缩比异常（超过 100:1），疑似压缩炸弹"),
    ("too many columns", "wide.xlsx", lambda: far_cells("XFD10"), "表格过大：超过 256 列"),
    ("grid bomb", "grid.xlsx", lambda: far_cells("IV10000"), "已用区域超过 2000000 个单元格"),
    ("too many rows", "long.xlsx", lambda: far_cells("A300000"), "表格过大：超过 200000 行"),
    ("shared-string bomb", "sst.xlsx", shared_string_bomb, "单元格文字合计超过 20000000 个字符"),
    ("not a zip", "fake.xlsx", lambda: b"name,id\n" * 10, "不是有效的 Excel 文件（.xlsx）：文件内容不是 Excel 格式"),
    ("zip without a workbook", "docs.xlsx", lambda: _zip({"a.txt": b"hello"}), "压缩包中没有 Excel 工作簿"),
    ("broken zip", "cut.xlsx", lambda: xlsx_bytes([COMPLETION_HEADER])[:300], "不是有效的 Excel 文件（.xlsx）"),
    ("legacy or encrypted", "old.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 .xls"),
    (
        "a PDF",
        "list.csv",
        lambda: b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj",
        "不是有效的 Excel 或 CSV 文件：文件内容为 PDF",
    ),
    ("binary", "list.csv", lambda: bytes(range(256)) * 8, "不是有效的 Excel 或 CSV 文件：文件含有二进制内容"),
    ("not text", "list.csv", lambda: bytes([0x81, 0x30, 0xFF, 0xFE, 0x41]) * 200, "不是有效的 CSV 文件：无法按"),
    ("CSV: too many columns", "w.csv", lambda: b"a," * 300 + b"\n", "表格过大：第 1 行超过 256 列"),
    ("CSV: long field", "f.csv", lambda: b'"' + b"x" * 40_000 + b'"\n', "第 1 行有单元格超过 32767 个字符"),
    ("CSV: endless line", "l.csv", lambda: b"x" * 1_200_000, "有一行超过 1000000 个字符"),
    ("CSV: unterminated quote", "q.csv", lambda: b'a,"b\n' + b"c,d\n" * 300_000, "第 1 行有单元格超过 32767 个字符"),
]


@pytest.mark.parametrize(("label", "name", "build", "message"), CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_import_files_are_refused_before_parsing_and_nothing_is_stored(
    bw: BaseWorld, label: str, name: str, build: Callable[[], bytes], message: str
) -> None:
    content = build()
    started = time.monotonic()
    with pytest.raises(DomainError) as refused:
        im.create_import(bw.base, kind="base_completions", filename=name, content=io.BytesIO(content), by=bw.admin)
    assert time.monotonic() - started < 10, label
    assert refused.value.field == "file"
    assert message in refused.value.message_zh, refused.value.message_zh
    assert refused.value.message_en
    assert not ImportRun.objects.exists()
    assert stored_names(IMPORTS) == []


def test_the_ratio_bomb_is_refused_from_the_zip_directory_alone() -> None:
    """Decided from the declared sizes: no member is decompressed (the check takes milliseconds)."""
    content = ratio_bomb()
    assert len(content) < 100_000
    started = time.monotonic()
    with pytest.raises(sheets.SheetError, match="压缩比异常"):
        sheets.inspect_xlsx(io.BytesIO(content))
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("MAX_ZIP_MEMBERS", 3, "压缩包内文件超过 3 个"),
        ("MAX_MEMBER_BYTES", 1000, "解压后超过"),
        ("MAX_TOTAL_BYTES", 2000, "解压后超过"),
    ],
)
def test_zip_member_limits(monkeypatch: pytest.MonkeyPatch, limit: str, value: int, message: str) -> None:
    content = xlsx_bytes([COMPLETION_HEADER, ["4100000000001", "", 1, ""]])
    sheets.inspect_xlsx(io.BytesIO(content))  # within the real limits
    monkeypatch.setattr(sheets, limit, value)
    with pytest.raises(sheets.SheetError, match=message):
        sheets.inspect_xlsx(io.BytesIO(content))


def test_csv_row_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(csv_bytes([COMPLETION_HEADER] + [["4100000000001", "", 1, ""]] * 20))
    assert sheets.check_file(path) == "csv"
    monkeypatch.setattr(sheets, "MAX_ROWS", 10)
    with pytest.raises(sheets.SheetError, match="超过 10 行"):
        sheets.check_file(path)


def test_genuine_files_within_the_limits_are_accepted(bw: BaseWorld) -> None:
    person = bw.world.people["emp_jinshui"]
    rows = [COMPLETION_HEADER, [person.certificate_number, "", bw.classroom.pk, ""]]
    for name, content in (("c.xlsx", xlsx_bytes(rows)), ("c.csv", csv_bytes(rows)), ("g.xlsx", far_cells("IV7000"))):
        run, created = im.create_import(
            bw.base, kind="base_completions", filename=name, content=io.BytesIO(content), by=bw.admin
        )
        assert created and run.file_format == "xlsx" if name.endswith("xlsx") else "csv"


def test_cli_refuses_the_bomb_in_chinese_and_english_with_status_2(bw: BaseWorld, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(ratio_bomb())
    with pytest.raises(CommandError) as refused:
        call_command("import", "records", str(path), "--dry-run", "--as", bw.admin.username)
    assert refused.value.returncode == 2
    assert "压缩比异常" in str(refused.value) and "zip bomb" in str(refused.value)
    path.write_bytes(b"\x00\x01 not a workbook")
    path.rename(tmp_path / "fake.xlsx")
    with pytest.raises(CommandError, match=r"不是有效的 Excel 文件（\.xlsx）"):
        call_command("import", "records", str(tmp_path / "fake.xlsx"), "--dry-run", "--as", bw.admin.username)
    assert not ImportRun.objects.exists()


def test_cli_still_reports_a_genuine_file(bw: BaseWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    person = bw.world.people["emp_jinshui"]
    path = tmp_path / "c.xlsx"
    path.write_bytes(xlsx_bytes([COMPLETION_HEADER, [person.certificate_number, "", bw.classroom.pk, ""]]))
    call_command("import", "records", str(path), "--dry-run", "--as", bw.admin.username)
    assert json.loads(capsys.readouterr().out)["accepted"] == 1


def test_upload_page_shows_the_refusal_and_stores_nothing(bw: BaseWorld) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(bw.admin)
    response = client.post(
        "/catalogs/imports/", {"kind": "base_completions", "file": SimpleUploadedFile("grid.xlsx", far_cells("IV9000"))}
    )
    assert response.status_code == 200
    assert "已用区域超过 2000000 个单元格" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_title_check_upload_is_inspected_too(bw: BaseWorld) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(bw.world.users["hr_province"])
    response = client.post(
        "/reports/check/",
        {"numbers": "", "year_from": "2024", "year_to": "2025", "file": SimpleUploadedFile("list.xlsx", ratio_bomb())},
    )
    assert response.status_code == 400
    assert "压缩比异常" in response.content.decode()


WORST_CASE = """
import resource, sys, time
from pathlib import Path
from cecert.catalogs import sheets
path = Path(sys.argv[1])
started = time.monotonic()
fmt = sheets.check_file(path)
rows = sum(1 for _ in sheets.iter_rows(path, fmt))
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, round(time.monotonic() - started, 1))
"""


def test_the_largest_grid_within_the_limits_reads_under_500_mb(tmp_path: Path) -> None:
    """A 7 KB file whose used range is 256 columns × 7800 rows (just under the cell limit): measured in a subprocess."""
    path = tmp_path / "grid.xlsx"
    path.write_bytes(far_cells("IV7800"))
    assert sheets.MAX_CELLS >= 256 * 7800
    src = Path(sheets.__file__).parents[2]
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORST_CASE, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    rows, peak_mb, _seconds = (float(v) for v in result.stdout.split())
    assert rows == 2
    assert peak_mb < 500, result.stdout
