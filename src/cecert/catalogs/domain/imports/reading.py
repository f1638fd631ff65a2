"""Reading the sheet: its header matched to the columns, its rows streamed in chunks to the row checker."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from cecert.catalogs import sheets
from cecert.catalogs.domain.imports.kinds import EXTENSIONS, Column, columns_for
from cecert.catalogs.domain.imports.uploads import stored_rows
from cecert.catalogs.domain.imports.validation import INVALID, MISSING_COLUMN, Issue, RowChecker
from cecert.catalogs.models import ImportRun

CHUNK_ROWS = 2000

# What a run says when the ``imports`` store does not answer: the file is not at fault, so the user is told
# to retry once the store is back, not to upload again.
STORE_DOWN_CHECK = "文件存储暂时不可用，未能读取导入文件，未写入任何数据；存储恢复后请点击“重新检查”"
STORE_DOWN_COMMIT = (
    "文件存储暂时不可用，导入已中断；已导入的行均已保存，存储恢复后请点击“继续导入”，从中断处继续，不会重复导入"
)


def _header(run: ImportRun, columns: list[Column], cells: list[Any]) -> tuple[dict[str, int], list[Issue]]:
    index: dict[str, int] = {}
    for position, value in enumerate(cells):
        if value is None:
            continue
        text = str(value).strip()
        match = re.search(r"\[([a-z_]+)\]\s*$", text)
        for column in columns:
            if text in (column.header, column.title, column.field) or (match and match[1] == column.field):
                index.setdefault(column.field, position)
                break
    issues = [
        Issue(0, c.header, c.field, MISSING_COLUMN, f"缺少必填列“{c.header}”", f"missing column {c.header!r}")
        for c in columns
        if c.required and c.field not in index
    ]
    return index, issues


def _chunks(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


@dataclass
class Opened:
    rows: Iterator[tuple[int, list[Any]]]
    header_row: int
    checker: RowChecker | None
    issues: list[Issue]


def _open(run: ImportRun) -> Opened:
    columns = columns_for(run.kind, run.activity_type)
    rows = stored_rows(run)
    try:
        header_row, header = next(rows)
    except StopIteration:
        return Opened(iter(()), 1, None, [Issue(1, "", "", MISSING_COLUMN, "文件没有表头", "the file has no header")])
    except sheets.SheetError as exc:
        return Opened(iter(()), 1, None, [Issue(1, "", "", INVALID, exc.message_zh, exc.message_en)])
    index, issues = _header(run, columns, header)
    for issue in issues:
        issue.row = header_row
    checker = EXTENSIONS[run.kind].checker if run.kind in EXTENSIONS else RowChecker
    return Opened(rows, header_row, None if issues else checker(run, columns, index), issues)
