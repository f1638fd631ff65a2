"""The dry run and its report: every row validated, the issues and counts stored, nothing else written;
the report as JSON and as the original sheet with the rejected rows marked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone

from cecert.catalogs import sheets
from cecert.catalogs.domain.imports import reading
from cecert.catalogs.domain.imports.kinds import columns_for
from cecert.catalogs.domain.imports.reading import _chunks, _header, _open
from cecert.catalogs.domain.imports.uploads import stored_rows
from cecert.catalogs.domain.imports.validation import Issue
from cecert.catalogs.enums import ImportState
from cecert.catalogs.models import ImportIssue, ImportRun
from cecert.core.files import FileStoreUnavailable


def _save_issues(run: ImportRun, issues: list[Issue]) -> None:
    ImportIssue.objects.bulk_create(
        [
            ImportIssue(
                run=run,
                row=i.row,
                column=i.column[:64],
                field=i.field[:64],
                code=i.code,
                message_zh=i.message_zh,
                message_en=i.message_en,
            )
            for i in issues
        ],
        batch_size=1000,
    )


def check_import(run: ImportRun, *, progress: Callable[[ImportRun], None] | None = None) -> ImportRun:
    """The dry run: validate every row, store the report (issues, counts); no record, enrolment or ledger row."""
    run = ImportRun.objects.select_related("organisation").get(pk=run.pk)
    if run.state in (ImportState.COMMITTING, ImportState.INTERRUPTED, ImportState.COMMITTED):
        return run
    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.CHECKING, processed_rows=0)
    run.issues.all().delete()
    total = accepted_count = rejected = 0
    try:
        opened = _open(run)
        if opened.checker is None:
            _save_issues(run, opened.issues)
            ImportRun.objects.filter(pk=run.pk).update(
                state=ImportState.FAILED, message=opened.issues[0].message_zh, checked_at=timezone.now()
            )
            return ImportRun.objects.get(pk=run.pk)
        for chunk in _chunks(opened.rows, reading.CHUNK_ROWS):
            accepted, issues = opened.checker.check(chunk, skip=set())
            _save_issues(run, issues)
            total += len(chunk)
            accepted_count += len(accepted)
            rejected += len({i.row for i in issues})
            ImportRun.objects.filter(pk=run.pk).update(processed_rows=total)
            if progress:
                progress(run)
    except sheets.SheetError as exc:
        ImportRun.objects.filter(pk=run.pk).update(state=ImportState.FAILED, message=exc.message_zh)
        return ImportRun.objects.get(pk=run.pk)
    except FileStoreUnavailable:
        # Not left "checking" for ever: failed, saying why, and checked again from the start once the store is
        # back (a partial report would read as the file's fault).
        run.issues.all().delete()
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportState.FAILED, processed_rows=0, message=reading.STORE_DOWN_CHECK
        )
        return ImportRun.objects.get(pk=run.pk)
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportState.CHECKED,
        total_rows=total,
        processed_rows=total,
        accepted_rows=accepted_count,
        rejected_rows=rejected,
        checked_at=timezone.now(),
        message="",
    )
    return ImportRun.objects.get(pk=run.pk)


def import_report(run: ImportRun, *, limit: int | None = None) -> dict[str, Any]:
    """The report as JSON (the page, the CLI and the API show the same)."""
    run.refresh_from_db()
    issues = run.issues.order_by("row", "pk")
    rows = [
        {
            "row": i.row,
            "column": i.column,
            "field": i.field,
            "code": i.code,
            "message_zh": i.message_zh,
            "message_en": i.message_en,
        }
        for i in (issues[:limit] if limit else issues.iterator(chunk_size=2000))
    ]
    return {
        "import": run.pk,
        "file": run.filename,
        "kind": run.kind,
        "activity_type": run.activity_type,
        "state": run.state,
        "dry_run": run.state != ImportState.COMMITTED,
        "rows": run.total_rows or run.processed_rows,
        "processed": run.processed_rows,
        "accepted": run.accepted_rows if run.state != ImportState.COMMITTED else run.committed_rows,
        "rejected": run.rejected_rows,
        "committed": run.committed_rows,
        "errors": rows,
        "message": run.message,
    }


def error_sheet(run: ImportRun) -> bytes:
    """The original sheet with an error column and the rejected rows (and bad cells) in red."""
    columns = columns_for(run.kind, run.activity_type)
    rows_iter = stored_rows(run)
    first = next(rows_iter, None)
    if first is None:
        return b""
    header_row, header = first
    index, _ = _header(run, columns, header)
    width = max(len(header), 1)

    def all_rows() -> Iterator[tuple[int, list[Any]]]:
        yield first
        yield from rows_iter

    def grouped() -> Iterator[tuple[int, list[int], str]]:
        current: int | None = None
        bad: list[int] = []
        texts: list[str] = []
        for issue in run.issues.order_by("row", "pk").iterator(chunk_size=2000):
            if current is not None and issue.row != current:
                yield current, bad, "；".join(texts)
                bad, texts = [], []
            current = issue.row
            if issue.field in index:
                bad.append(index[issue.field])
            texts.append(f"{issue.column or '文件'}：{issue.message_zh}")
        if current is not None:
            yield current, bad, "；".join(texts)

    buffer = io.BytesIO()
    sheets.error_workbook(all_rows(), grouped(), width, header_row, buffer)
    return buffer.getvalue()
