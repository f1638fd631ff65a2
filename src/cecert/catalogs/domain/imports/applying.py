"""Writing the accepted rows: one transaction per chunk (records or enrolments, the import-row ledger,
the issues, the progress counters), so an interrupted commit resumes after the last finished chunk."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs.domain.bulk import BulkRecord, bulk_register
from cecert.catalogs.domain.imports import reading
from cecert.catalogs.domain.imports.dry_run import _save_issues, check_import
from cecert.catalogs.domain.imports.kinds import BASE_KINDS, EXTENSIONS
from cecert.catalogs.domain.imports.reading import _chunks, _open
from cecert.catalogs.domain.imports.resume import _ledger_keys
from cecert.catalogs.domain.imports.uploads import _may_import, _role
from cecert.catalogs.domain.imports.validation import Accepted
from cecert.catalogs.enums import EnrolmentState, ImportKind, ImportState, RecognitionState, Via
from cecert.catalogs.models import BaseRecognition, Enrolment, ImportRow, ImportRun
from cecert.core.bulk import insert_rows
from cecert.core.errors import DomainError
from cecert.core.files import FileStoreUnavailable
from cecert.records.enums import Channel, RecordState

# The states a commit resumes from: a worker that died (still committing) or a store that stopped answering.
RESUMABLE = (ImportState.COMMITTING, ImportState.INTERRUPTED)


def commit_import(
    run: ImportRun, *, by: User, progress: Callable[[ImportRun], None] | None = None, max_chunks: int | None = None
) -> ImportRun:
    """Write the accepted rows, one transaction per chunk; resumes after the last finished chunk.

    ``max_chunks`` stops after that many chunks (the run stays ``committing`` and a later call resumes).
    """
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().select_related("organisation").get(pk=run.pk)
        if run.state == ImportState.COMMITTED:
            return run
        if run.state not in (ImportState.CHECKED, *RESUMABLE):
            raise DomainError("state", "请先完成试导入检查", "run the dry run first")
        if not by.is_active or not _may_import(run.organisation, run.kind, by):
            raise DomainError("organisation", "无权为该机构导入", "you may not import for this organisation")
        if run.state == ImportState.INTERRUPTED:
            run.state, run.message = ImportState.COMMITTING, ""
            run.save(update_fields=["state", "message"])
        elif run.state == ImportState.CHECKED:
            run.issues.all().delete()
            run.state, run.processed_rows, run.committed_rows, run.rejected_rows = ImportState.COMMITTING, 0, 0, 0
            run.committed_by = by
            run.save(update_fields=["state", "processed_rows", "committed_rows", "rejected_rows", "committed_by"])
    recognition = None
    if run.kind in BASE_KINDS:
        recognition = BaseRecognition.objects.filter(base=run.organisation).first()
        if recognition is None or recognition.state != RecognitionState.RECOGNISED:
            raise DomainError("organisation", "基地未经备案认可，不能导入", "the base is not recognised")
    try:
        finished = _commit_chunks(run, by=by, recognition=recognition, progress=progress, max_chunks=max_chunks)
    except FileStoreUnavailable:
        # The chunks written so far are whole (records, ledger, issues, counters in one transaction each):
        # the run says why it stopped and resumes after its last finished chunk once the store is back.
        ImportRun.objects.filter(pk=run.pk).update(state=ImportState.INTERRUPTED, message=reading.STORE_DOWN_COMMIT)
        return ImportRun.objects.get(pk=run.pk)
    if not finished:
        return ImportRun.objects.get(pk=run.pk)
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportState.COMMITTED, committed_at=timezone.now(), total_rows=F("processed_rows")
        )
        run = ImportRun.objects.get(pk=run.pk)
        audit(
            "import.committed",
            actor=by,
            role=_role(run.kind),
            obj=run,
            after={"rows": run.total_rows, "committed": run.committed_rows, "rejected": run.rejected_rows},
        )
    return run


def _commit_chunks(
    run: ImportRun,
    *,
    by: User,
    recognition: BaseRecognition | None,
    progress: Callable[[ImportRun], None] | None,
    max_chunks: int | None,
) -> bool:
    """Write the chunks after ``run.last_row``; False when ``max_chunks`` stopped it before the end."""
    opened = _open(run)
    checker = opened.checker
    if checker is None:
        raise DomainError("file", opened.issues[0].message_zh, opened.issues[0].message_en)
    # Rows already written (the ledger) are skipped; their natural keys still count for duplicates.
    done_rows = _ledger_keys(run, checker)
    last_row = run.last_row
    chunks = 0
    for chunk in _chunks(opened.rows, reading.CHUNK_ROWS):
        if chunk[-1][0] <= last_row:
            continue  # finished before the interruption: records, ledger and issues are all stored
        if max_chunks is not None and chunks >= max_chunks:
            return False
        with transaction.atomic():
            accepted, issues = checker.check(chunk, skip=done_rows)
            written = _write(run, accepted, by=by, recognition=recognition)
            _save_issues(run, issues)
            ImportRun.objects.filter(pk=run.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                committed_rows=F("committed_rows") + written,
                rejected_rows=F("rejected_rows") + len({i.row for i in issues}),
                last_row=chunk[-1][0],
            )
        chunks += 1
        if progress:
            progress(run)
    return True


def _write(run: ImportRun, accepted: list[Accepted], *, by: User, recognition: BaseRecognition | None) -> int:
    """Write one chunk's accepted rows and their ledger rows; returns how many were written."""
    if not accepted:
        return 0
    if run.kind in EXTENSIONS:
        return EXTENSIONS[run.kind].write(run, accepted, by)
    if run.kind == ImportKind.BASE_ENROLMENTS:
        now = timezone.now()
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(program=a.program, person_id=a.person.pk, via=Via.IMPORT, enrolled_by=by, enrolled_at=now)
                for a in accepted
            ],
            batch_size=1000,
        )
        audit(
            "enrolment.bulk_created",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=run,
            after={"count": len(enrolments), "enrolments": [e.pk for e in enrolments]},
        )
        _ledger(run, [(a.row, None, e.pk) for a, e in zip(accepted, enrolments, strict=True)])
        return len(enrolments)
    if run.kind == ImportKind.EMPLOYER_RECORDS:
        records = bulk_register(
            [BulkRecord(a.person, a.fields) for a in accepted],
            channel=Channel.EMPLOYER,
            by=by,
            source=None,
            to_state=RecordState.DRAFT,
            audit_obj=run,
        )
        _ledger(run, [(a.row, r.pk, None) for a, r in zip(accepted, records, strict=True)])
        return len(records)
    assert recognition is not None
    records = bulk_register(
        [BulkRecord(a.person, a.fields) for a in accepted],
        channel=Channel.BASE,
        by=by,
        source=run.organisation,
        to_state=RecordState.SUBMITTED,  # Article 11(1): the employer's first review, whatever the channel
        audit_obj=run,
    )
    ledger = [(a.row, r.pk, a.enrolment.pk if a.enrolment else None) for a, r in zip(accepted, records, strict=True)]
    _ledger(run, ledger)
    # One set-based UPDATE links each enrolment to its record through the ledger (no per-row statements).
    # (filtered on the enrolment alone so that the database uses the enrolment index; an enrolment is
    # completed at most once, so its ledger row with a record is this one)
    link = ImportRow.objects.filter(enrolment_id=OuterRef("pk"), record_id__isnull=False)
    Enrolment.objects.filter(pk__in=[e for _, _, e in ledger]).update(
        state=EnrolmentState.COMPLETED,
        completed_at=timezone.now(),
        record_id=Subquery(link.values("record_id")[:1]),
        assessment=Subquery(link.values("record__assessment")[:1]),
    )
    return len(records)


def _ledger(run: ImportRun, rows: Sequence[tuple[int, int | None, int | None]]) -> None:
    insert_rows(ImportRow, ("run_id", "row_number", "record_id", "enrolment_id"), [(run.pk, *row) for row in rows])


def run_import(run: ImportRun, *, by: User, dry_run: bool) -> ImportRun:
    """Check, and unless ``dry_run`` commit (the CLI and the task)."""
    run = check_import(run) if run.state in (ImportState.UPLOADED, ImportState.CHECKING, ImportState.FAILED) else run
    if dry_run or run.state not in (ImportState.CHECKED, *RESUMABLE):
        return run
    return commit_import(run, by=by)
