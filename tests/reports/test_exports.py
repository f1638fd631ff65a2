"""The Excel exporter: frozen title and header rows, column widths from the content, every row written."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

from openpyxl import load_workbook

from cecert.reports.exports import write_xlsx
from cecert.reports.tables import Table


def rows(count: int) -> Iterator[list[object]]:
    """Streamed like the real tables (a generator, read once)."""
    for n in range(count):
        yield [f"郑州市金水区第{n}人民医院", n, Decimal("12.5"), None if n % 2 else "x" * 300]


def test_header_frozen_and_widths_follow_the_content() -> None:
    table = Table(
        name="t", title="2025年度 河南省 按地区统计", headers=["地区", "人数", "已认定学时合计", "备注"], rows=rows(250)
    )
    out = io.BytesIO()
    assert write_xlsx(table, out) == 250
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    # the title row and the header row stay in view when scrolling
    assert sheet.freeze_panes == "A3"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    # a Chinese character counts twice: "郑州市金水区第199人民医院" is 11 wide characters and 3 digits
    assert widths["A"] == 2 * 11 + 3 + 2
    # a short number column keeps a readable minimum; a header wider than its numbers sets the width
    assert widths["B"] == 8
    assert widths["C"] == 2 * 7 + 2
    # a very long cell is capped
    assert widths["D"] == 50
    # every row is written, including those after the sample used for the widths
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == ("地区", "人数", "已认定学时合计", "备注")
    assert len(values) == 2 + 250
    assert values[-1][:2] == ("郑州市金水区第249人民医院", 249)


def test_empty_table_still_gets_header_widths() -> None:
    table = Table(name="t", title="空表", headers=["姓名", "证书编号"], rows=[])
    out = io.BytesIO()
    assert write_xlsx(table, out) == 0
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 8
    assert sheet.column_dimensions["B"].width == 2 * 4 + 2
