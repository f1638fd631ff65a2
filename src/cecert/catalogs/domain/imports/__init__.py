"""Bulk import from .xlsx or CSV: templates, a dry run that writes nothing, a resumable commit.

* ``create_import`` stores the upload once per (importer, kind, activity type,
  content hash): the same file uploaded again is the same import, so
  importing it twice creates nothing new.
* ``check_import`` (the dry run) streams the rows and reports, for every
  rejected row, the row number, the column and the reason; nothing but the
  report is written.
* ``commit_import`` validates again and writes the accepted rows chunk by
  chunk; each chunk (records, the import-row ledger keyed by (import, row
  number), the issues and the progress counters) is one transaction, so an
  interrupted commit resumes after the last finished chunk and never writes a
  row twice. Within a file rows are compared by their natural key (the
  records' ``dedupe_key``, or (program, person) for enrolments), and against
  the database by the same key.

The stages, one module each: ``kinds``, ``uploads``, ``validation``, ``reading``, ``dry_run``, ``resume``, ``applying``.
"""

from __future__ import annotations

from cecert.catalogs.domain.imports.applying import _ledger, _write, commit_import, run_import
from cecert.catalogs.domain.imports.dry_run import _save_issues, check_import, error_sheet, import_report
from cecert.catalogs.domain.imports.kinds import (
    ACTIVITY_TYPES,
    ASSESSMENT,
    BASE_KINDS,
    EXTENSIONS,
    NAME,
    PERSON,
    PROGRAM,
    RECORD_COLUMNS,
    Column,
    ImportExtension,
    activity_columns,
    columns_for,
    register_extension,
    template_bytes,
    template_name,
)
from cecert.catalogs.domain.imports.reading import CHUNK_ROWS, Opened, _chunks, _header, _open
from cecert.catalogs.domain.imports.resume import _ledger_keys
from cecert.catalogs.domain.imports.uploads import MAX_UPLOAD_BYTES, _may_import, _role, create_import, stored_rows
from cecert.catalogs.domain.imports.validation import (
    _DATE,
    _FALSE,
    _TRUE,
    DEFAULT_ASSESSMENT,
    DUPLICATE_EXISTING,
    DUPLICATE_ROW,
    INVALID,
    MISSING,
    MISSING_COLUMN,
    NAME_MISMATCH,
    OUTSIDE_SCOPE,
    PROGRAM_FULL,
    UNKNOWN_PERSON,
    UNKNOWN_PROGRAM,
    Accepted,
    EnrolmentRow,
    Issue,
    RowChecker,
    convert,
    parse_date,
)

__all__ = [
    "ACTIVITY_TYPES",
    "ASSESSMENT",
    "BASE_KINDS",
    "CHUNK_ROWS",
    "DEFAULT_ASSESSMENT",
    "DUPLICATE_EXISTING",
    "DUPLICATE_ROW",
    "EXTENSIONS",
    "INVALID",
    "MAX_UPLOAD_BYTES",
    "MISSING",
    "MISSING_COLUMN",
    "NAME",
    "NAME_MISMATCH",
    "OUTSIDE_SCOPE",
    "PERSON",
    "PROGRAM",
    "PROGRAM_FULL",
    "RECORD_COLUMNS",
    "UNKNOWN_PERSON",
    "UNKNOWN_PROGRAM",
    "_DATE",
    "_FALSE",
    "_TRUE",
    "Accepted",
    "Column",
    "EnrolmentRow",
    "ImportExtension",
    "Issue",
    "Opened",
    "RowChecker",
    "_chunks",
    "_header",
    "_ledger",
    "_ledger_keys",
    "_may_import",
    "_open",
    "_role",
    "_save_issues",
    "_write",
    "activity_columns",
    "check_import",
    "columns_for",
    "commit_import",
    "convert",
    "create_import",
    "error_sheet",
    "import_report",
    "parse_date",
    "register_extension",
    "run_import",
    "stored_rows",
    "template_bytes",
    "template_name",
]
