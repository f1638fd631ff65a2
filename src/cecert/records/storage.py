"""Proof-file storage and content checks.

Files are accepted by content, not by the name the browser sends: the magic
bytes choose the type, the name's extension must agree with it (a PDF renamed
``.png`` or an HTML page renamed ``.pdf`` is refused), and then the file is
decoded in full (``cecert.core.filecheck``): every pixel of an image under a
pixel limit, every object of a PDF, which must be neither encrypted nor active.
The size limit is checked before any decoding; a refused file is never stored. Accepted files are stored
under a random key in the ``proofs`` store (``settings.STORAGES``: a directory outside the web root or
a private object-store bucket, ADR 0021), their SHA-256 recorded and audited; a download is checked
against it. Files are only ever served through the proof view, which checks the record's jurisdiction
first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from cecert.core import filecheck
from cecert.core.errors import DomainError
from cecert.core.files import PROOFS, StoredFileAltered, delete_file, read_file, save_file

if TYPE_CHECKING:
    from cecert.records.models import ProofFile

# (magic prefix, content type, allowed extensions)
SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", ("pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", ("png",)),
    (b"\xff\xd8\xff", "image/jpeg", ("jpg", "jpeg")),
)
ACCEPTED_ZH = "PDF、JPEG、PNG"


def max_file_bytes() -> int:
    return int(getattr(settings, "CECERT_PROOF_MAX_FILE_BYTES", 5 * 1024 * 1024))


def max_record_bytes() -> int:
    return int(getattr(settings, "CECERT_PROOF_MAX_RECORD_BYTES", 20 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def _too_large() -> DomainError:
    return DomainError(
        "file",
        f"文件过大：单个文件不超过 {_human(max_file_bytes())}",
        f"file too large (limit {max_file_bytes()} bytes)",
    )


def read_upload(upload: UploadedFile) -> bytes:
    """The bytes of a browser upload, refused by its size before it is read into memory."""
    if upload.size is not None and upload.size > max_file_bytes():
        raise _too_large()
    content = upload.read(max_file_bytes() + 1)
    if len(content) > max_file_bytes():
        raise _too_large()
    return content


def check_upload(name: str, content: bytes, *, already_stored: int = 0) -> CheckedFile:
    """Size-check, type and fully decode one upload; ``DomainError`` (field ``file``) with a clear message if refused.

    The size limits come first, so nothing over them is ever decoded.
    """
    if not content:
        raise DomainError("file", "文件为空，请重新选择", "the file is empty")
    if len(content) > max_file_bytes():
        raise _too_large()
    if already_stored + len(content) > max_record_bytes():
        raise DomainError(
            "file",
            f"证明材料合计不超过 {_human(max_record_bytes())}",
            f"the record's proof files would exceed {max_record_bytes()} bytes",
        )
    extension = Path(name).suffix.lower().lstrip(".")
    for magic, content_type, extensions in SIGNATURES:
        if content.startswith(magic):
            if extension not in extensions:
                raise DomainError(
                    "file",
                    f"文件内容为 {extensions[0].upper()}，与扩展名“.{extension}”不符，请核对后重新上传",
                    f"the content is {content_type} but the name ends in .{extension}",
                )
            filecheck.refuse_markup(content)
            if content_type == "application/pdf":
                filecheck.check_pdf(content)
            else:
                filecheck.check_image(content, "PNG" if content_type == "image/png" else "JPEG")
            return CheckedFile(Path(name).name[-200:], content, content_type, hashlib.sha256(content).hexdigest())
    raise DomainError(
        "file",
        f"只接受 {ACCEPTED_ZH} 格式的文件（按文件内容识别）",
        "only PDF, JPEG and PNG files are accepted (checked by content)",
    )


def _proof_name(key: str) -> str:
    """``ab/abcdef…``: where a proof's random 32-hex key lives in the ``proofs`` store. Only such keys
    name a file, so no stored name can carry a path of anyone's choosing."""
    if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("bad storage key")
    return f"{key[:2]}/{key}"


def store_proof(checked: CheckedFile) -> str:
    """Store a file ``check_upload`` accepted under a new random key (returned); ``FileStoreUnavailable``
    (a ``DomainError`` on ``file``) if the store cannot take it."""
    key = secrets.token_hex(16)
    save_file(PROOFS, _proof_name(key), checked.content)
    return key


def read_proof(proof: ProofFile) -> bytes:
    """The proof's bytes, exactly as uploaded: ``StoredFileAltered`` if the store returns anything whose
    SHA-256 is not the one recorded at upload (and audited), ``StoredFileMissing`` if it has none."""
    name = _proof_name(proof.storage_key)
    content = read_file(PROOFS, name)
    if hashlib.sha256(content).hexdigest() != proof.sha256:
        raise StoredFileAltered(PROOFS, name)
    return content


def delete_proof(key: str) -> None:
    delete_file(PROOFS, _proof_name(key))
