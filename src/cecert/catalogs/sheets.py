"""Spreadsheets in and out: stream rows from .xlsx (python-calamine) or CSV; write templates and error sheets.

Reading never holds more than one row in Python (calamine keeps the sheet's
cell grid in Rust); writing uses openpyxl's write-only mode.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cecert.core.cells import xlsx_cell

CellRow = list[Any]
RED = "FFFFC7CE"
DARK_RED = "FF9C0006"


class SheetError(Exception):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def sniff_format(name: str, head: bytes) -> str:
    """``"xlsx"`` (a zip) or ``"csv"``, by content first; anything else is refused."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith((b"\xd0\xcf\x11\xe0",)):
        raise SheetError(
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV", "legacy .xls is not supported; save as .xlsx or CSV"
        )
    if b"\x00" in head[:4096]:
        raise SheetError("文件不是 .xlsx 或 CSV", "the file is neither .xlsx nor CSV")
    return "csv"


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else GB18030 (Excel's Chinese CSV)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        first = True
        while block := handle.read(1 << 20):
            if first and block.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            first = False
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return "gb18030"
    return "utf-8"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def iter_rows(path: Path, file_format: str) -> Iterator[tuple[int, CellRow]]:
    """``(row number as shown in the sheet, cells)`` for every non-blank row, header included."""
    if file_format == "xlsx":
        yield from _iter_xlsx(path)
    else:
        yield from _iter_csv(path)


def _iter_xlsx(path: Path) -> Iterator[tuple[int, CellRow]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types
        raise SheetError(f"无法读取 .xlsx 文件：{exc}", f"cannot read the .xlsx file: {exc}") from None
    first_row, first_col = sheet.start or (0, 0)
    pad = [None] * first_col
    try:
        for index, row in enumerate(sheet.iter_rows()):
            cells = [_clean(v) for v in row]
            if any(c is not None for c in cells):
                yield first_row + index + 1, pad + cells
    finally:
        workbook.close()


def _iter_csv(path: Path) -> Iterator[tuple[int, CellRow]]:
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        for index, row in enumerate(csv.reader(handle), start=1):
            cells = [_clean(v) for v in row]
            if any(c is not None for c in cells):
                yield index, cells


def template_workbook(
    sheet_title: str, headers: list[str], notes: list[tuple[str, str, str]], example: list[Any] | None = None
) -> bytes:
    """A template: the import sheet (headers only) and a 说明 sheet (column, required, meaning; an example)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFDDEBF7")
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[cell_letter(index)].width = max(14, len(header) * 2)
    help_sheet = workbook.create_sheet("说明")
    help_sheet.append(["列", "是否必填", "说明"])
    for row in notes:
        help_sheet.append(list(row))
    if example:
        help_sheet.append([])
        help_sheet.append(["示例 / example"])
        help_sheet.append(headers)
        help_sheet.append(example)
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def error_workbook(
    rows: Iterable[tuple[int, CellRow]],
    errors: Iterator[tuple[int, list[int], str]],
    width: int,
    header_row: int,
    out: io.BufferedIOBase | io.BytesIO,
) -> None:
    """Copy ``rows`` to a new sheet with an error column; rows with errors (and their bad cells) in red.

    ``errors`` yields ``(row number, [0-based bad column indexes], text)`` in row order; it is merged
    with ``rows`` as both stream, so memory stays flat.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导入结果")
    fill = PatternFill("solid", fgColor=RED)
    font = Font(color=DARK_RED, bold=True)
    pending = next(errors, None)
    for number, cells in rows:
        cells = cells + [None] * (width - len(cells))
        while pending is not None and pending[0] < number:
            pending = next(errors, None)
        if pending is not None and pending[0] == number:
            _, bad, text = pending
            out_cells = []
            for index, value in enumerate(cells):
                cell = xlsx_cell(sheet, _excel_value(value))
                if index in bad or not bad:
                    cell.fill = fill
                out_cells.append(cell)
            note = xlsx_cell(sheet, text)
            note.fill, note.font = fill, font
            sheet.append([*out_cells, note])
            pending = next(errors, None)
        elif number == header_row:
            sheet.append([*[xlsx_cell(sheet, _excel_value(v)) for v in cells], "错误说明 / errors"])
        else:
            sheet.append([xlsx_cell(sheet, _excel_value(v)) for v in cells])
    workbook.save(out)


def _excel_value(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return str(value)
    return value
