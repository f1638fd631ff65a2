"""Spreadsheets in and out: stream rows from .xlsx (python-calamine) or CSV; write templates and error sheets.

Reading never holds more than one row in Python; calamine keeps the first
sheet's cell grid in Rust, a dense rows × columns grid in which every cell holds
its own copy of its text. So an .xlsx is inspected before calamine opens it
(``check_file``): the zip's members (count, uncompressed sizes, compression
ratio), then one streaming pass of expat over every worksheet and the shared
strings, which bounds the grid calamine would build (rows, columns, cells, the
text copied into cells). A CSV is read line by line with bounded line and
field lengths. Writing uses openpyxl's write-only mode, every cell through
``cecert.core.cells`` (no formulas).

The limits, all here (ADR 0014). With them any accepted file is read in well
under 500 MB (``bench/import/peak_memory.py`` measures the worst case):

* ``MAX_UPLOAD_BYTES`` -- 50 MB on disk, checked while the upload is stored.
* ``MAX_ZIP_MEMBERS`` 1000, ``MAX_MEMBER_BYTES`` 256 MB and ``MAX_TOTAL_BYTES``
  300 MB uncompressed (2 million cells of short text are about 120 MB of XML), ``MAX_RATIO`` 100:1 for any member over
  ``RATIO_FLOOR_BYTES`` (real sheets compress 5-20:1; the 1.6 MB file that
  expands to 1.6 GB is 1000:1). Sizes are the ones the zip declares; calamine
  reads members through the same zip directory, and the expat pass reads the
  sheets themselves, so a lying directory cannot enlarge the grid.
* ``MAX_ROWS`` 200 000, ``MAX_COLUMNS`` 256, ``MAX_CELLS`` 2 000 000 (the
  grid from the first to the last used row and column: two cells at A1 and
  XFD1000 make a 16-million-cell grid), ``MAX_TEXT_CHARS`` 20 000 000
  (characters copied into cells, shared strings counted once per use).
* ``MAX_FIELD_CHARS`` 32 767 (Excel's own cell limit), ``MAX_ROW_CHARS``
  1 000 000 for a CSV row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from cecert.core.cells import xlsx_cell

CellRow = list[Any]
RED = "FFFFC7CE"
DARK_RED = "FF9C0006"

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 256
MAX_CELLS = 2_000_000
MAX_TEXT_CHARS = 20_000_000
MAX_FIELD_CHARS = 32_767
MAX_ROW_CHARS = 1_000_000

NOT_EXCEL_ZH = "不是有效的 Excel 文件（.xlsx）"
NOT_EXCEL_EN = "not a valid Excel (.xlsx) file"
_OTHER_TYPES = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
)


class SheetError(Exception):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def sniff_format(name: str, head: bytes) -> str:
    """``"xlsx"`` (a zip) or ``"csv"``, by content first; anything else is refused, saying what it is not."""
    extension = Path(name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(
            "不支持旧版 .xls 或加密的 Excel 文件，请另存为 .xlsx 或 CSV",
            "legacy .xls and encrypted workbooks are not supported; save as .xlsx or CSV",
        )
    if extension in (".xlsx", ".xlsm", ".xls"):
        raise SheetError(
            f"{NOT_EXCEL_ZH}：文件内容不是 Excel 格式（可能已损坏，或只是改了扩展名），请用 Excel 另存为 .xlsx 后上传",
            f"{NOT_EXCEL_EN}: the content is not a spreadsheet (damaged, or only renamed)",
        )
    for magic, what in _OTHER_TYPES:
        if head.startswith(magic):
            raise SheetError(
                f"不是有效的 Excel 或 CSV 文件：文件内容为 {what}",
                f"not an Excel or CSV file (the content is {what})",
            )
    if b"\x00" in head[:4096]:
        raise SheetError(
            "不是有效的 Excel 或 CSV 文件：文件含有二进制内容", "not an Excel or CSV file (binary content)"
        )
    return "csv"


def check_file(path: Path, name: str = "") -> str:
    """Sniff and inspect a stored upload before any parser builds it; returns ``"xlsx"`` or ``"csv"``."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise SheetError("文件为空", "the file is empty")
    file_format = sniff_format(name or path.name, head)
    if file_format == "xlsx":
        inspect_xlsx(path)
    else:
        for _ in _iter_csv(path):
            pass
    return file_format


# --- inspecting an .xlsx before calamine --------------------------------------------------------------------


def _too_big(what_zh: str, what_en: str) -> SheetError:
    return SheetError(
        f"表格过大：{what_zh}，请拆分后分批导入",
        f"the spreadsheet is too large: {what_en}; split it and import in parts",
    )


def inspect_xlsx(source: Path | IO[bytes]) -> None:
    """Refuse a zip bomb, a non-workbook zip or a sheet whose grid would be too large, without building it."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SheetError(
            f"{NOT_EXCEL_ZH}：压缩结构已损坏，请用 Excel 另存为 .xlsx 后上传", f"{NOT_EXCEL_EN}: broken zip structure"
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _too_big(f"压缩包内文件超过 {MAX_ZIP_MEMBERS} 个", f"more than {MAX_ZIP_MEMBERS} zip members")
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise SheetError(f"{NOT_EXCEL_ZH}：文件已加密", f"{NOT_EXCEL_EN}: encrypted zip members")
            total += member.file_size
            if member.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                raise _too_big(
                    f"解压后超过 {MAX_TOTAL_BYTES >> 20} MB（单个部件不超过 {MAX_MEMBER_BYTES >> 20} MB）",
                    f"over {MAX_TOTAL_BYTES} bytes uncompressed (each member at most {MAX_MEMBER_BYTES})",
                )
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise _too_big(
                    f"压缩比异常（超过 {MAX_RATIO}:1），疑似压缩炸弹",
                    f"compression ratio over {MAX_RATIO}:1 (a zip bomb)",
                )
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise SheetError(
                f"{NOT_EXCEL_ZH}：压缩包中没有 Excel 工作簿（可能是其他格式改了扩展名）",
                f"{NOT_EXCEL_EN}: the zip holds no workbook",
            )
        _Scan(archive, members).run()


_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7})$")


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Scan:
    """One streaming expat pass over the shared strings and every worksheet: the grid each would become."""

    def __init__(self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
        self.archive = archive
        self.members = [m for m in members if not m.is_dir()]
        self.lengths = array("L")

    def run(self) -> None:
        # Shared strings first (any part whose root is <sst>), then every part whose root is <worksheet>:
        # found by content, not by name, since calamine follows the package's relationships wherever they point.
        for member in self.members:
            self._parse(member, _SharedStrings(self.lengths))
        for member in self.members:
            self._parse(member, _Worksheet(self.lengths))

    def _parse(self, member: zipfile.ZipInfo, handler: _Handler) -> None:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        handler.attach(parser)
        parser.StartDoctypeDeclHandler = _no_doctype
        parser.EntityDeclHandler = _no_doctype
        try:
            with self.archive.open(member) as stream:
                while block := stream.read(1 << 16):
                    parser.Parse(block, False)
                    if handler.done:
                        return
                parser.Parse(b"", True)
        except SheetError:
            raise
        except expat.ExpatError:
            if handler.first:
                return  # not XML at all (an image, a binary part): nothing calamine would read as cells
            raise SheetError(
                f"{NOT_EXCEL_ZH}：内容已损坏（{member.filename}）", f"{NOT_EXCEL_EN}: damaged part {member.filename}"
            ) from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
            raise SheetError(
                f"{NOT_EXCEL_ZH}：内容已损坏（{member.filename}）", f"{NOT_EXCEL_EN}: damaged part {member.filename}"
            ) from None


def _no_doctype(*_args: Any) -> None:
    raise SheetError(f"{NOT_EXCEL_ZH}：含有文档类型声明", f"{NOT_EXCEL_EN}: XML document type declarations are refused")


class _Handler:
    done = False
    first = True

    def attach(self, parser: Any) -> None:
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text

    def start(self, name: str, attrs: dict[str, str]) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...


class _SharedStrings(_Handler):
    """The length of each shared string (``<si>``), in characters."""

    def __init__(self, lengths: array[int]) -> None:
        self.lengths = lengths
        self.current = 0
        self.depth_t = 0
        self.first = True

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if self.first:
            self.first = False
            if local != "sst":
                self.done = True
                return
        if local == "si":
            self.current = 0
        elif local == "t":
            self.depth_t += 1

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "t":
            self.depth_t -= 1
        elif local == "si":
            self.lengths.append(min(self.current, MAX_TEXT_CHARS + 1))
            if len(self.lengths) > MAX_CELLS:
                raise _too_big(f"共享文本超过 {MAX_CELLS} 条", f"more than {MAX_CELLS} shared strings")

    def text(self, data: str) -> None:
        if self.depth_t:
            self.current += len(data)


class _Worksheet(_Handler):
    """Rows, columns, cells and the text calamine would copy into them, as ``<c>`` elements stream past.

    (The hot path of the inspection: plain attribute tests, no namespace processing.)
    """

    def __init__(self, lengths: array[int]) -> None:
        self.lengths = lengths
        self.parser: Any = None
        self.row = 0
        self.next_col = 1
        self.min_row = self.min_col = 1 << 30
        self.max_row = self.max_col = 0
        self.text_chars = 0
        self.shared = False  # the current cell's value is a shared-string index
        self.wanted = False  # the current cell's text counts (shared, inline or formula string)
        self.in_value = False
        self.value = ""

    def attach(self, parser: Any) -> None:
        # End and text handlers are installed only while inside a value that counts: numeric cells,
        # the bulk of most sheets, then cost one call per element.
        self.parser = parser
        parser.StartElementHandler = self.start

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "c" or name.endswith(":c"):
            self._cell(attrs)
        elif name == "row" or name.endswith(":row"):
            reference = attrs.get("r")
            self.row = int(reference) if reference and reference.isdigit() else self.row + 1
            self.next_col = 1
        elif self.wanted and (name in ("v", "t") or name.endswith((":v", ":t"))):
            self.in_value, self.value = True, ""
            self.parser.EndElementHandler = self.end
            self.parser.CharacterDataHandler = self.text
        elif self.first:
            self.first = False
            if _local(name) != "worksheet":
                self.done = True  # another part of the package (styles, relationships…)

    def _cell(self, attrs: dict[str, str]) -> None:
        reference = attrs.get("r")
        match = _CELL_REF.match(reference) if reference else None
        if match:
            col = 0
            for letter in match[1].upper():
                col = col * 26 + ord(letter) - 64
            row = int(match[2])
        else:
            col, row = self.next_col, self.row or 1
        self.next_col = col + 1
        kind = attrs.get("t")
        self.shared = kind == "s"
        self.wanted = kind is not None and kind in ("s", "inlineStr", "str")
        changed = False
        if row > self.max_row:
            self.max_row, changed = row, True
        if row < self.min_row:
            self.min_row, changed = row, True
        if col > self.max_col:
            self.max_col, changed = col, True
        if col < self.min_col:
            self.min_col, changed = col, True
        if changed:
            self._extent()

    def _extent(self) -> None:
        rows, cols = self.max_row - self.min_row + 1, self.max_col - self.min_col + 1
        if rows > MAX_ROWS:
            raise _too_big(f"超过 {MAX_ROWS} 行", f"more than {MAX_ROWS} rows")
        if cols > MAX_COLUMNS:
            raise _too_big(f"超过 {MAX_COLUMNS} 列", f"more than {MAX_COLUMNS} columns")
        if rows * cols > MAX_CELLS:
            raise _too_big(
                f"已用区域超过 {MAX_CELLS} 个单元格（第 {self.min_row}—{self.max_row} 行 × {cols} 列，"
                "请删除远处的空白或格式单元格）",
                f"the used range spans more than {MAX_CELLS} cells",
            )

    def end(self, name: str) -> None:
        if not self.in_value:
            return
        self.in_value = False
        self.parser.EndElementHandler = None
        self.parser.CharacterDataHandler = None
        if self.shared:
            index = int(self.value) if self.value.strip().isdigit() else -1
            chars = self.lengths[index] if 0 <= index < len(self.lengths) else 0
        else:
            chars = len(self.value)
        if chars > MAX_FIELD_CHARS:
            raise _too_big(
                f"第 {self.row} 行有单元格超过 {MAX_FIELD_CHARS} 个字符", f"a cell of row {self.row} is too long"
            )
        self.text_chars += chars
        if self.text_chars > MAX_TEXT_CHARS:
            raise _too_big(
                f"单元格文字合计超过 {MAX_TEXT_CHARS} 个字符", f"more than {MAX_TEXT_CHARS} characters of text"
            )

    def text(self, data: str) -> None:
        if self.in_value and len(self.value) <= MAX_FIELD_CHARS + 1:
            self.value += data


# --- CSV --------------------------------------------------------------------------------------------------


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else GB18030 (Excel's Chinese CSV)."""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                first = True
                while block := handle.read(1 << 20):
                    if first and encoding == "utf-8" and block.startswith(codecs.BOM_UTF8):
                        encoding = "utf-8-sig"
                    first = False
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise SheetError(
        "不是有效的 CSV 文件：无法按 UTF-8 或 GB18030 编码读取（请用 Excel 另存为 .xlsx 或 CSV UTF-8）",
        "not a valid CSV file: neither UTF-8 nor GB18030 text",
    )


class _BoundedLines:
    """Lines for ``csv.reader``, refusing a row (physical lines since the last row) longer than ``MAX_ROW_CHARS``."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.row_chars = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_ROW_CHARS + 1)
        if not line:
            raise StopIteration
        self.row_chars += len(line)
        if self.row_chars > MAX_ROW_CHARS:
            raise _too_big(f"有一行超过 {MAX_ROW_CHARS} 个字符", f"a row longer than {MAX_ROW_CHARS} characters")
        return line


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
        raise SheetError(f"{NOT_EXCEL_ZH}：{exc}", f"{NOT_EXCEL_EN}: {exc}") from None
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
        lines = _BoundedLines(handle)
        reader = csv.reader(lines)
        count = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger" in str(exc):
                    raise _too_big(
                        f"第 {count + 1} 行有单元格超过 {MAX_FIELD_CHARS} 个字符",
                        f"a cell of row {count + 1} is too long",
                    ) from None
                raise SheetError(
                    f"不是有效的 CSV 文件：第 {reader.line_num} 行无法读取（{exc}）",
                    f"not a valid CSV file: line {reader.line_num}: {exc}",
                ) from None
            lines.row_chars = 0
            count += 1
            if count > MAX_ROWS:
                raise _too_big(f"超过 {MAX_ROWS} 行", f"more than {MAX_ROWS} rows")
            if len(row) > MAX_COLUMNS:
                raise _too_big(
                    f"第 {count} 行超过 {MAX_COLUMNS} 列", f"row {count} has more than {MAX_COLUMNS} columns"
                )
            if any(len(v) > MAX_FIELD_CHARS for v in row):
                raise _too_big(
                    f"第 {count} 行有单元格超过 {MAX_FIELD_CHARS} 个字符", f"a cell of row {count} is too long"
                )
            cells = [_clean(v) for v in row]
            if any(c is not None for c in cells):
                yield count, cells


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
