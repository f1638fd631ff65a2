"""Public verification: by number and name, by QR payload, by the PDF itself.

Answers ``genuine``, ``revoked`` (when, why, which version replaces it),
``not_found`` or ``tampered``; a number and name of an annual certificate moved
in from the current platform answer ``moved_in`` (ADR 0023: what the register
recorded, no signature of ours). The number+name lookup does the same database
work and the same constant-time comparison whether the number does not exist
or the name is wrong, and answers both with the same ``not_found``: it cannot
tell an enumerator who holds a number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cecert.accounts.models import Person
from cecert.certificates.crypto.qr_payload import claimed_serial, decode_and_verify, format_hours, mask_name
from cecert.certificates.domain.reasons import REASON_EN, REASONS
from cecert.certificates.domain.signing_keys import recorded_certificate, sm2_public_key, sm2_public_keys, trust_roots
from cecert.certificates.models import Certificate, CertificateKind, CertificateStatus
from cecert.certificates.pdf import verify_pdf
from cecert.core import cache as shared_cache
from cecert.core import prepared

# ``moved_in``: a serial of an annual certificate the current platform issued, moved in (ADR 0023): a
# register entry without any signature of ours, never "genuine".
if TYPE_CHECKING:
    from cecert.movein.domain.history import LegacyCertificate

Status = Literal["genuine", "revoked", "not_found", "tampered", "moved_in"]
SERIAL_RE = re.compile(r"^P?\d{4}-\d{4}-\d{7}$")
NUMBER_RE = re.compile(r"^\d{13}$")
MAX_PDF_BYTES = 5 * 1024 * 1024
_DUMMY_NAME = "\u3000" * 4  # what a missing row compares against (never a real name)


@dataclass(frozen=True)
class Verification:
    """An answer. ``certificates`` are the register's rows; ``views`` their public facts when the answer
    was read without model instances (``lookup_serial``)."""

    status: Status
    certificates: tuple[Certificate, ...] = ()
    detail: str = ""
    checks: dict[str, Any] = field(default_factory=dict)
    views: tuple[dict[str, Any], ...] = ()
    # Why it is not genuine, as a stable code (``REASONS``); and, for the record of a refused file or
    # code, which serial it claimed, which one its signature covers, and the file's digest.
    reason: str = ""
    claimed_serial: str = ""
    signed_serial: str = ""
    file_sha256: str = ""

    @property
    def certificate(self) -> Certificate | None:
        return self.certificates[0] if self.certificates else None

    @property
    def is_genuine(self) -> bool:
        return self.status == "genuine"

    @property
    def is_suspicious(self) -> bool:
        """A forged or tampered file or code was presented (recorded: ``domain.suspicious``)."""
        return self.status == "tampered" or self.reason == "unknown_serial"

    def public_views(self) -> list[dict[str, Any]]:
        return list(self.views) or [public_view(c) for c in self.certificates]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "detail": self.detail,
            "certificates": self.public_views(),
            **({"reason": self.reason} if self.reason else {}),
            **({"checks": self.checks} if self.checks else {}),
        }


def _status_of(certificate: Certificate) -> Status:
    return "genuine" if certificate.status == CertificateStatus.VALID else "revoked"


def public_view(c: Certificate) -> dict[str, Any]:
    """What a verifier may see of ``c``: masked name and ID, hours by subject, issuer, status."""
    replaced_by = getattr(c, "replaced_by", None) if c.status == CertificateStatus.REVOKED else None
    return public_facts(
        serial=c.serial,
        verification_id=c.verification_id,
        kind=c.kind,
        status=c.status,
        snapshot=c.snapshot,
        year_from=c.year_from,
        year_to=c.year_to,
        version=c.version,
        issued_at=c.issued_at,
        revoked_at=c.revoked_at,
        revocation_reason=c.revocation_reason,
        replaced_by=replaced_by.serial if replaced_by is not None else None,
    )


def public_facts(
    *,
    serial: str,
    verification_id: uuid.UUID,
    kind: str,
    status: str,
    snapshot: dict[str, Any],
    year_from: int,
    year_to: int,
    version: int,
    issued_at: dt.datetime,
    revoked_at: dt.datetime | None,
    revocation_reason: str,
    replaced_by: str | None,
) -> dict[str, Any]:
    """The public view from a certificate's stored columns (a model instance or a written-out row)."""
    s = snapshot
    view: dict[str, Any] = {
        "serial": serial,
        "verification_id": str(verification_id),
        "kind": kind,
        "kind_label": str(CertificateKind(kind).label),
        "status": "genuine" if status == CertificateStatus.VALID else "revoked",
        "holder_name": mask_name(s["holder_name"]),
        "masked_id": s["masked_id"],
        "certificate_number": s["certificate_number"],
        "employer": s["employer"]["name"],
        "year_from": year_from,
        "year_to": year_to,
        "version": version,
        "hours": s["hours"],
        "required": s.get("required"),
        "met": s["met"],
        "years": [{k: y[k] for k in ("year", "public", "professional", "total", "met")} for y in s.get("years", [])],
        "issuer": s["issuer"]["name"],
        "issued_at": issued_at.isoformat(),
        "replaces": s.get("replaces_serial"),
    }
    if status == CertificateStatus.REVOKED:
        view["revoked_at"] = revoked_at.isoformat() if revoked_at else None
        view["revocation_reason"] = revocation_reason
        view["replaced_by"] = replaced_by
    return view


def normalise_name(name: str) -> str:
    """NFKC, no whitespace or middle dots (``欧阳 娜娜`` = ``欧阳娜娜``, ``·`` variants)."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·・.•‧")


def names_match(given: str, stored: str) -> bool:
    return hmac.compare_digest(normalise_name(given).encode(), normalise_name(stored).encode())


_RELATED = ("person", "replaced_by", "issuer")
_CERTIFICATE, _PERSON = Certificate._meta.db_table, Person._meta.db_table
# Only table names are interpolated (from the models' metadata); the serial is a parameter. The holder's
# name is a scalar subquery and the successor is read only for a revoked certificate: measured, each join
# cost PostgreSQL more than the lookup itself.
_BY_SERIAL_SQL = (
    "SELECT c.serial, c.verification_id, c.kind, c.status, c.snapshot, c.year_from, c.year_to, c.version, "  # noqa: S608
    f"c.issued_at, c.revoked_at, c.revocation_reason, c.id, (SELECT p.name FROM {_PERSON} p WHERE p.id = c.person_id) "
    f"FROM {_CERTIFICATE} c WHERE c.serial = %s"
)
# On PostgreSQL the snapshot comes without its list of records, which the public view does not show
# and which was most of what the worker parsed.
_BY_SERIAL_POSTGRES = _BY_SERIAL_SQL.replace("c.snapshot,", "c.snapshot - 'records',")
_SUCCESSOR_SQL = f"SELECT serial FROM {_CERTIFICATE} WHERE replaces_id = %s"  # noqa: S608


def _datetime(value: Any) -> dt.datetime | None:
    """A timestamp column read without the ORM (SQLite gives naive UTC, as a datetime or as text)."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    assert parsed is not None, value
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def lookup_serial(serial: str) -> tuple[str, Verification] | None:
    """The certificate with this serial (its public facts) and its holder's current name, before any
    name check.

    The hot path of public verification: one indexed query written out, on PostgreSQL a statement
    psycopg prepares once per connection (``cecert.core.prepared``); compiling the ORM query and
    building the model instance cost more than running it (ADR 0012, ADR 0018).
    """
    row = prepared.fetch_one(_BY_SERIAL_POSTGRES if connection.vendor == "postgresql" else _BY_SERIAL_SQL, [serial])
    if row is None:
        return None
    successor = None
    if row[3] == CertificateStatus.REVOKED:
        with connection.cursor() as cursor:
            cursor.execute(_SUCCESSOR_SQL, [row[11]])
            found = cursor.fetchone()
            successor = found[0] if found else None
    snapshot = row[4] if isinstance(row[4], dict) else json.loads(row[4])
    issued_at = _datetime(row[8])
    assert issued_at is not None
    view = public_facts(
        serial=row[0],
        verification_id=row[1] if isinstance(row[1], uuid.UUID) else uuid.UUID(str(row[1])),
        kind=row[2],
        status=row[3],
        snapshot=snapshot,
        year_from=int(row[5]),
        year_to=int(row[6]),
        version=int(row[7]),
        issued_at=issued_at,
        revoked_at=_datetime(row[9]),
        revocation_reason=row[10],
        replaced_by=successor,
    )
    return row[12], Verification(view["status"], views=(view,))


def public_cache_key(serial: str, language: str | None) -> str:
    return f"verify:v1:{language or '-'}:{serial}"


def changed_key(serial: str) -> str:
    """Present for a while after ``serial``'s status changed: its cached pages are not to be trusted."""
    return f"verify:v1:changed:{serial}"


def forget_public_result(serial: str) -> None:
    """Drop the cached result pages of ``serial`` (every language) after its status changed, and bar
    caching it again for twice the cache time: a verification that read the certificate just before
    the change may still be about to write the old page. With Redis away the revocation still goes
    through (logged): the pages it could not clear expire within the cache time (ADR 0018)."""
    shared_cache.forget(
        [public_cache_key(serial, code) for code, _name in settings.LANGUAGES],
        bar=changed_key(serial),
        bar_seconds=2 * max(1, settings.CECERT_VERIFY_CACHE_SECONDS),
    )


LEGACY_KIND_LABEL = "原平台年度证书（迁入）"


def legacy_view(legacy: LegacyCertificate) -> dict[str, Any]:
    """What a verifier may see of a moved-in certificate (``movein.domain.history.LegacyCertificate``):
    the register entry as recorded, the holder's name masked. The page shows exactly these facts."""
    return {
        "serial": legacy.serial,
        "kind": "legacy_annual",
        "kind_label": LEGACY_KIND_LABEL,
        "status": "moved_in",
        "signed": False,  # no signature of this platform: nothing of the certificate itself is verified
        "holder_name": mask_name(legacy.holder_name),
        "year_from": legacy.year,
        "year_to": legacy.year,
        "met": legacy.met,
        "issuer": legacy.issuer,
        "issued_on": legacy.issued_on.isoformat(),
        "moved_in_on": legacy.moved_in_on.isoformat(),
    }


def lookup_moved_in(serial: str) -> tuple[str, Verification] | None:
    """The moved-in certificate with this serial (its public facts) and its holder's current name."""
    from cecert.movein.domain.history import legacy_certificate  # movein builds on certificates

    legacy = legacy_certificate(serial)
    if legacy is None:
        return None
    return legacy.holder_name, Verification("moved_in", views=(legacy_view(legacy),))


def _named(found: tuple[str, Verification] | None, name: str) -> Verification:
    """``found``'s answer when ``name`` is its holder's; else ``not_found``, compared the same way either way."""
    stored = found[0] if found else _DUMMY_NAME
    if names_match(name, stored) and found is not None:
        return found[1]
    return Verification("not_found")


def verify_moved_in(serial: str, name: str) -> Verification:
    """A serial this platform did not issue: a moved-in certificate's register entry, or ``not_found``."""
    return _named(lookup_moved_in(serial), name)


def verify_by_number(number: str, name: str) -> Verification:
    """``number`` is a certificate serial, a person's 13-digit certificate number (证书管理号), or the serial
    of an annual certificate moved in from the current platform (any text the import accepted)."""
    written = (number or "").strip()
    number = written.upper()
    # Every answer looks for a moved-in certificate too, found here or not: the same database work
    # whether the number is unknown or the name is wrong.
    moved_in = lookup_moved_in(written)
    if SERIAL_RE.match(number):
        return _named(lookup_serial(number) or moved_in, name)
    rows: list[Certificate] = []
    if NUMBER_RE.match(number):
        # The person's certificates: each latest version (valid ones and revoked without successor).
        qs = Certificate.objects.select_related(*_RELATED)
        rows = list(qs.filter(person__certificate_number=number).order_by("-year_to", "kind", "-version"))
    if not rows:
        return _named(moved_in, name)
    stored = rows[0].person.name
    if not names_match(name, stored):
        return Verification("not_found")
    rows = [c for c in rows if c.status == CertificateStatus.VALID or getattr(c, "replaced_by", None) is None]
    if not rows:
        return Verification("not_found")
    status: Status = "genuine" if any(c.status == CertificateStatus.VALID for c in rows) else "revoked"
    return Verification(status, tuple(rows))


def _refused(status: Status, reason: str, **kwargs: Any) -> Verification:
    return Verification(status, detail=f"{REASONS[reason]} / {REASON_EN[reason]}", reason=reason, **kwargs)


def _qr_matches(certificate: Certificate, fields: Any) -> bool:
    """Signed QR fields (``QrFields``) state exactly this certificate: its department's SM2 key, years,
    hours, met, masked holder."""
    s = certificate.snapshot
    return (
        fields.serial == certificate.serial
        and certificate.signing_key.sm2_key_id == fields.key_id
        and fields.year_from == certificate.year_from
        and fields.year_to == certificate.year_to
        and format_hours(fields.total_hours) == s["hours"]["total"]
        and format_hours(fields.public_hours) == s["hours"]["public"]
        and format_hours(fields.professional_hours) == s["hours"]["professional"]
        and fields.met == bool(s["met"])
        and fields.masked_name == mask_name(s["holder_name"])
    )


def verify_qr(text: str) -> Verification:
    """A scanned payload (or the verification URL): SM2 signature, then the register."""
    text = text or ""
    fields, qr_status = decode_and_verify(text, sm2_public_keys())
    claimed = claimed_serial(text)
    if qr_status == "tampered" or fields is None:
        return _refused("tampered", "qr_invalid", claimed_serial=claimed)
    if qr_status == "unknown_key":
        return _refused("tampered", "qr_unknown_key", claimed_serial=claimed)
    certificate = Certificate.objects.select_related(*_RELATED, "signing_key").filter(serial=fields.serial).first()
    if certificate is None:
        return Verification("not_found")
    if not _qr_matches(certificate, fields):
        # Validly signed, but not by this certificate's department key or not its content.
        return _refused("tampered", "qr_mismatch", claimed_serial=claimed)
    return Verification(_status_of(certificate), (certificate,))


def _keywords(text: str) -> dict[str, str]:
    """``cecert; serial=…; version=…; number=…; qr=…`` (the rendered /Keywords) as a dict."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


def _signed_facts_match(certificate: Certificate, info: dict[str, str]) -> bool:
    """The signed revision's document information states exactly this certificate (ADR 0013).

    /Subject (serial), /Title (kind, years, holder), /Author (issuing department), /Keywords (serial,
    version, certificate number and the SM2-signed QR payload with the hours). PDFs sealed before the
    payload was added to /Keywords carry no ``qr=``; the rest is still compared.
    """
    from cecert.certificates.domain.rendering import to_render_snapshot

    snapshot = to_render_snapshot(certificate)
    keywords = _keywords(info.get("/Keywords", ""))
    if not (
        info.get("/Subject") == certificate.serial
        and info.get("/Title") == f"{snapshot.title}（{snapshot.year_label}）— {snapshot.holder_name}"
        and info.get("/Author") == snapshot.issuer_name
        and keywords.get("serial") == certificate.serial
        and keywords.get("version") == str(certificate.version)
        and keywords.get("number") == snapshot.certificate_number
    ):
        return False
    if "qr" not in keywords:
        return True
    key = certificate.signing_key
    fields, qr_status = decode_and_verify(keywords["qr"], {key.sm2_key_id: sm2_public_key(key)})
    return qr_status == "genuine" and fields is not None and _qr_matches(certificate, fields)


def verify_pdf_upload(pdf_bytes: bytes) -> Verification:
    """The uploaded file's PAdES seal, then: is the signer the key recorded for that serial, and does the
    SIGNED revision state exactly what the register holds?"""
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    if len(pdf_bytes) > MAX_PDF_BYTES:
        return _refused("tampered", "too_large", file_sha256=digest)
    if not pdf_bytes.startswith(b"%PDF-"):
        return _refused("tampered", "not_pdf", file_sha256=digest)
    result = verify_pdf(pdf_bytes, trust_roots=trust_roots())
    signed = (result.serial or "")[:40]
    known = {
        "claimed_serial": (result.claimed_serial or result.serial or "")[:40],
        "signed_serial": signed,
        "file_sha256": digest,
    }
    checks = {"signature": result.status, "signer_key_id": result.signer_key_id, "serial": result.serial}
    if result.status != "genuine":
        return _refused("tampered", result.reason or "validation_error", checks=checks, **known)
    certificate = Certificate.objects.select_related(*_RELATED, "signing_key").filter(serial=signed).first()
    if certificate is None:
        return _refused("not_found", "unknown_serial", checks=checks, **known)
    assert result.signer_certificate is not None
    recorded = recorded_certificate(certificate.signing_key)
    if result.signer_certificate != recorded:
        # A genuine key of ours, but not the one that sealed this serial (another department, or a
        # retired key of the same department that did not seal it).
        return _refused("tampered", "wrong_key", checks=checks, **known)
    if not _signed_facts_match(certificate, result.signed_info):
        return _refused("tampered", "content_mismatch", checks=checks, **known)
    return Verification(_status_of(certificate), (certificate,), checks=checks)


def verify_upload(upload: Any) -> Verification:
    """An uploaded file (Django ``UploadedFile``): refused by its size before anything is read, and never
    read past the limit."""
    if upload.size is None or upload.size > MAX_PDF_BYTES:
        return _refused("tampered", "too_large")
    return verify_pdf_upload(upload.read(MAX_PDF_BYTES + 1))
