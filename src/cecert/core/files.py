"""Reading and writing the platform's files through Django's storage API (ADR 0021).

Callers name a store (``PROOFS``, ``IMPORTS``, ``CERTIFICATES``: aliases of ``settings.STORAGES``,
configured by ``cecert.core.filestores``) and a name inside it. What the stores themselves may raise
(``OSError``, botocore's errors) is turned into three errors the rest of the platform understands:

* ``FileStoreUnavailable`` — the store did not answer or refused (a full disk, a stopped object
  store, wrong keys). A ``DomainError`` on the field ``file``, so an upload form says so beside the
  file; anywhere else it answers 503 (``cecert.core.views.server_error``). Nothing is half-saved.
* ``StoredFileMissing`` — the store answers but holds no such file.
* ``StoredFileAltered`` — the file is there but is not what was stored (its recorded SHA-256 differs).

The last two are faults of the installation, not of the user: a 500, logged with the store and name.

No store makes URLs (``url()`` refuses): a file leaves the platform only in the body of a response
from a view that has checked who may read it.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages

from cecert.core.errors import DomainError
from cecert.core.filestores import CERTIFICATES, FILE_STORES, IMPORTS, PROOFS

__all__ = [
    "CERTIFICATES",
    "FILE_STORES",
    "IMPORTS",
    "PROOFS",
    "FileStoreUnavailable",
    "FileSystemStore",
    "NoPublicUrl",
    "StoredFileAltered",
    "StoredFileMissing",
    "delete_file",
    "local_copy",
    "probe",
    "read_file",
    "save_file",
    "store",
]

logger = logging.getLogger("cecert.files")

# What a store raises when it cannot do its work (FileNotFoundError, an OSError, is told apart first).
_STORE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)


class NoPublicUrl(NotImplementedError):
    """Raised by ``url()``: files are served only by views that check jurisdiction."""

    def __init__(self) -> None:
        super().__init__("cecert file stores make no URLs: serve the file through a view that checks who may read it")


class FileStoreUnavailable(DomainError):
    def __init__(self, alias: str, error: BaseException) -> None:
        super().__init__(
            "file",
            "文件存储暂时不可用，本次文件没有保存或读取，请稍后重试",
            f"the {alias} file store is unavailable ({type(error).__name__})",
        )
        self.alias = alias


class StoredFileMissing(Exception):
    def __init__(self, alias: str, name: str) -> None:
        super().__init__(f"{alias}: no stored file {name!r}")
        self.alias, self.name = alias, name


class StoredFileAltered(Exception):
    def __init__(self, alias: str, name: str) -> None:
        super().__init__(f"{alias}: stored file {name!r} does not match its recorded SHA-256")
        self.alias, self.name = alias, name


class FileSystemStore(FileSystemStorage):
    """Django's file-system storage, publishing each file whole: written under a staging name beside
    its place, then linked there (``os.link``: never over an existing file) or, where the store allows
    overwriting (the PDF cache), renamed over it (``os.replace``). A reader on another process never
    sees half a file. Makes no URLs."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.replaces_existing = bool(options.get("allow_overwrite", False))

    def _save(self, name: str, content: File) -> str:  # the documented hook of a custom storage
        # (django-stubs leave the documented ``_save`` out of FileSystemStorage)
        staged = super()._save(f"{name}.{secrets.token_hex(8)}.partial", content)  # type: ignore[misc]
        staged_path, final_path = self.path(staged), self.path(name)
        try:
            if self.replaces_existing:
                os.replace(staged_path, final_path)
            else:
                os.link(staged_path, final_path)
        finally:
            if os.path.lexists(staged_path):
                os.unlink(staged_path)
        return name

    def url(self, name: str | None) -> str:
        raise NoPublicUrl


def store(alias: str) -> Storage:
    return storages[alias]


def save_file(alias: str, name: str, content: bytes | IO[bytes]) -> None:
    """Store ``content`` under exactly ``name``; ``FileStoreUnavailable`` if the store cannot take it."""
    target = store(alias)
    file = ContentFile(content) if isinstance(content, bytes) else File(content)
    try:
        saved = target.save(name, file)
    except _STORE_ERRORS as error:
        logger.exception("文件存储写入失败 / file store write failed: %s/%s", alias, name)
        raise FileStoreUnavailable(alias, error) from error
    if saved != name:  # the store found the name taken and chose another: never expected of a fresh name
        delete_file(alias, saved)
        raise FileExistsError(f"{alias}: {name!r} already exists")


def read_file(alias: str, name: str) -> bytes:
    try:
        with store(alias).open(name, "rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError:
        raise StoredFileMissing(alias, name) from None
    except _STORE_ERRORS as error:
        logger.exception("文件存储读取失败 / file store read failed: %s/%s", alias, name)
        raise FileStoreUnavailable(alias, error) from error


@contextmanager
def local_copy(alias: str, name: str) -> Iterator[Path]:
    """A path on this machine holding the stored file, for parsers that need one (calamine opens a path):
    the file itself on the file system, a temporary copy (removed afterwards) from an object store."""
    target = store(alias)
    try:
        path = Path(target.path(name))
    except NotImplementedError:  # a remote store has no local path
        pass
    else:
        # ``is_file()`` would answer False for a store that cannot be reached at all (an unmounted or
        # unreadable directory): only "no such file" means missing, any other error is the store's.
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except FileNotFoundError:
            regular = False
        except OSError as error:
            logger.exception("文件存储读取失败 / file store read failed: %s/%s", alias, name)
            raise FileStoreUnavailable(alias, error) from error
        if not regular:
            raise StoredFileMissing(alias, name)
        yield path
        return
    with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="cecert-") as copy:
        try:
            with target.open(name, "rb") as handle:
                shutil.copyfileobj(handle, copy, 1 << 20)
        except FileNotFoundError:
            raise StoredFileMissing(alias, name) from None
        except _STORE_ERRORS as error:
            logger.exception("文件存储读取失败 / file store read failed: %s/%s", alias, name)
            raise FileStoreUnavailable(alias, error) from error
        copy.flush()
        yield Path(copy.name)


def delete_file(alias: str, name: str) -> None:
    """Remove a file that must not stay (an upload whose database row was not written). A store that
    cannot delete it now leaves an orphan, not a lost record: logged for the operator, not raised."""
    try:
        store(alias).delete(name)
    except _STORE_ERRORS:
        logger.exception("文件存储删除失败，留下孤立文件 / file store delete failed, orphan left: %s/%s", alias, name)


def probe(alias: str) -> None:
    """Write, read back and delete a small file (``/readyz``); raises whatever the store raised."""
    name = f"health/{uuid.uuid4().hex}.probe"
    target = store(alias)
    saved = target.save(name, ContentFile(b"ok"))
    try:
        with target.open(saved, "rb") as handle:
            if handle.read() != b"ok":
                raise OSError(f"the {alias} store did not return what it was given")
    finally:
        target.delete(saved)
