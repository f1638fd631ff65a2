"""Storing uploads: one import per (importer, kind, activity type, content hash), the file kept beside it."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs import sheets
from cecert.catalogs.domain.imports.kinds import BASE_KINDS, EXTENSIONS, columns_for
from cecert.catalogs.enums import ImportKind, RecognitionState
from cecert.catalogs.models import BaseRecognition, ImportRun
from cecert.core.errors import DomainError
from cecert.core.files import IMPORTS, StoredFileMissing, delete_file, local_copy, save_file
from cecert.organisations.models import Organisation, OrganisationKind

MAX_UPLOAD_BYTES = sheets.MAX_UPLOAD_BYTES  # the other limits of an import file live beside it in ``sheets``


def stored_rows(run: ImportRun) -> Iterator[tuple[int, list[Any]]]:
    """The rows of the stored upload (from a local copy when the ``imports`` store is remote)."""
    try:
        with local_copy(IMPORTS, run.storage_name) as path:
            yield from sheets.iter_rows(path, run.file_format)
    except StoredFileMissing:
        raise sheets.SheetError(
            "导入文件已不在文件存储中，请重新上传", "the uploaded file is missing from the store"
        ) from None


def _may_import(organisation: Organisation, kind: str, by: User) -> bool:
    if kind in EXTENSIONS:
        return EXTENSIONS[kind].may_import(organisation, by)
    if kind == ImportKind.EMPLOYER_RECORDS:
        return organisation.kind == OrganisationKind.EMPLOYER and any(
            o.pk == organisation.pk for o in by.organisations_for(Role.EMPLOYER_ADMIN)
        )
    return organisation.kind == OrganisationKind.TRAINING_BASE and any(
        o.pk == organisation.pk for o in by.organisations_for(Role.BASE_ADMIN)
    )


def create_import(
    organisation: Organisation, *, kind: str, filename: str, content: IO[bytes], by: User, activity_type: str = ""
) -> tuple[ImportRun, bool]:
    """Store an upload; ``(run, created)``. The same file again returns the existing import (created False)."""
    if kind not in ImportKind.values:
        raise DomainError("kind", "导入类别无效", "invalid import kind")
    if not by.is_active or not _may_import(organisation, kind, by):
        raise DomainError("organisation", "无权为该机构导入", "you may not import for this organisation")
    if kind != ImportKind.EMPLOYER_RECORDS:
        activity_type = ""
    columns_for(kind, activity_type)  # validates the activity type
    if kind in BASE_KINDS:
        recognition = BaseRecognition.objects.filter(base=organisation).first()
        if recognition is None or recognition.state != RecognitionState.RECOGNISED:
            raise DomainError("organisation", "基地未经备案认可，不能导入", "the base is not recognised")
    storage_name = secrets.token_hex(16)
    # Received and checked in a temporary file on this machine; only an accepted, new file reaches the store.
    with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="cecert-import-") as out:
        target = Path(out.name)
        digest, size = hashlib.sha256(), 0
        while block := content.read(1 << 20):
            size += len(block)
            if size > MAX_UPLOAD_BYTES:
                raise DomainError("file", "文件过大（上限 50 MB）", "the file is too large (50 MB at most)")
            digest.update(block)
            out.write(block)
        out.flush()
        if size == 0:
            raise DomainError("file", "文件为空", "the file is empty")
        try:
            # Sniffed, and inspected before any parser builds it: zip members, sheet extent, CSV rows and fields.
            file_format = sheets.check_file(target, filename)
        except sheets.SheetError as exc:
            raise DomainError("file", exc.message_zh, exc.message_en) from None
        sha = digest.hexdigest()
        with transaction.atomic():
            existing = (
                ImportRun.objects.select_for_update()
                .filter(organisation=organisation, kind=kind, activity_type=activity_type, sha256=sha)
                .first()
            )
            if existing is not None:
                return existing, False
            out.seek(0)
            save_file(IMPORTS, storage_name, out)
            try:
                run = ImportRun.objects.create(
                    organisation=organisation,
                    kind=kind,
                    activity_type=activity_type,
                    filename=Path(filename).name[:200] or "import",
                    file_format=file_format,
                    sha256=sha,
                    size=size,
                    storage_name=storage_name,
                    created_by=by,
                )
                audit(
                    "import.uploaded",
                    actor=by,
                    role=_role(kind),
                    obj=run,
                    after={"kind": kind, "activity_type": activity_type, "sha256": sha, "size": size},
                )
            except Exception:
                delete_file(IMPORTS, storage_name)
                raise
    return run, True


def _role(kind: str) -> str:
    if kind in EXTENSIONS:
        return EXTENSIONS[kind].role
    return Role.EMPLOYER_ADMIN if kind == ImportKind.EMPLOYER_RECORDS else Role.BASE_ADMIN
