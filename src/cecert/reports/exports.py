"""Table exports, the one exporter: .xlsx (openpyxl write-only, via a temporary file) and CSV (streamed).

Write-only worksheets serialise each row as it is appended, so memory stays
flat however many rows a jurisdiction has; the finished file is streamed from
disk by ``FileResponse`` and removed when closed. CSV rows are written one at
a time into a ``StreamingHttpResponse``. Both go through ``cecert.core.cells``:
no text cell can be read as a formula.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from itertools import chain, islice
from typing import IO, TYPE_CHECKING, Any
from unicodedata import east_asian_width
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse

from cecert.audit.domain import record as audit
from cecert.core.cells import inert, xlsx_cell

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cecert.accounts.models import User
    from cecert.reports.tables import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(table: Table, out: IO[bytes]) -> int:
    """Write ``table`` (title row, header row, data rows) to ``out``; returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.sheet or table.title))
    # Column widths from the header and the first rows (a write-only sheet takes them before any
    # row), a wide character counted twice, capped; the title and header rows stay frozen on top.
    rows = iter(table.rows)
    first = list(islice(rows, 200))
    for index, header_text in enumerate(table.headers, start=1):
        texts = [header_text, *(row[index - 1] for row in first if len(row) >= index)]
        width = max(sum(2 if east_asian_width(c) in "WF" else 1 for c in str(t)) for t in texts if t is not None)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    sheet.freeze_panes = "A3"
    bold = Font(bold=True)
    title = xlsx_cell(sheet, table.title)
    title.font = bold
    sheet.append([title])
    header = []
    for text in table.headers:
        cell = xlsx_cell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in chain(first, rows):
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(out)
    return count


def _sheet_name(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"


def export_response(
    table: Table,
    *,
    user: User,
    role: str,
    request: HttpRequest | None = None,
    filename: str | None = None,
    details: dict[str, Any] | None = None,
) -> FileResponse:
    """Build the .xlsx in a temporary file, audit the export, stream the file."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    try:
        rows = write_xlsx(table, out)
        audit(
            f"export.{table.name}",
            actor=user,
            role=role,
            request=request,
            after={"table": table.name, "title": table.title, "rows": rows, **(details or {})},
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    name = filename or f"{table.title}.xlsx"
    response = FileResponse(out, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


class _Line:
    """A file-like sink for ``csv.writer`` that hands back each written line."""

    def write(self, text: str) -> str:
        return text


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV text, one line at a time: a BOM (Excel reads UTF-8), the header row, the data rows."""
    writer = csv.writer(_Line())
    yield "\ufeff"
    yield writer.writerow([inert(text) for text in table.headers])
    for row in table.rows:
        yield writer.writerow([inert(value) for value in row])


def csv_response(table: Table, *, filename: str) -> StreamingHttpResponse:
    """Stream ``table`` as a CSV attachment (the caller audits the export)."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(table)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
