"""Resuming an interrupted commit: the rows the ledger says were written are skipped, and their
natural keys still count for duplicates."""

from __future__ import annotations

from cecert.catalogs.domain.imports.kinds import EXTENSIONS
from cecert.catalogs.domain.imports.validation import RowChecker
from cecert.catalogs.enums import ImportKind
from cecert.catalogs.models import ImportRow, ImportRun


def _ledger_keys(run: ImportRun, checker: RowChecker) -> set[int]:
    if run.kind in EXTENSIONS:
        return EXTENSIONS[run.kind].ledger_keys(run, checker)
    done: set[int] = set()
    if run.kind == ImportKind.BASE_ENROLMENTS:
        rows = ImportRow.objects.filter(run=run).values_list(
            "row_number", "enrolment__program_id", "enrolment__person_id"
        )
        for number, program_id, person_id in rows.iterator(chunk_size=5000):
            checker.seen[f"enrol:{program_id}:{person_id}"] = number
            done.add(number)
    else:
        for number, key in (
            ImportRow.objects.filter(run=run).values_list("row_number", "record__dedupe_key").iterator(chunk_size=5000)
        ):
            checker.seen[key] = number
            done.add(number)
    return done
