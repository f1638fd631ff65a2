"""Compact SM2-signed payload carried by the certificate's QR code.

Format (version 1)::

    CEC1.<base64url(body)>.<base64url(signature)>

``body`` is canonical UTF-8 JSON of a positional array (no key names, to keep
the QR small)::

    [serial, masked_name, [year_from, year_to], public, professional, total,
     met (0/1), status_at_issue, issuer_key_id, issue_date "YYYYMMDD"]

The signature is SM2/SM3 (raw ``r || s``) over the ASCII bytes
``"CEC1." + base64url(body)``, so the version prefix is bound too. The issuer
key id is inside the signed body and also selects the public key to verify
with; a verifier with the published key list can check a code offline.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import quote

from cecert.certificates.crypto.sm2 import SM2_SIGNATURE_SIZE, sm2_sign, sm2_verify

__all__ = [
    "PREFIX",
    "QrFields",
    "QrStatus",
    "claimed_serial",
    "decode_and_verify",
    "encode_payload",
    "format_hours",
    "mask_name",
    "qr_content",
]

PREFIX = "CEC1."
QrStatus = Literal["genuine", "tampered", "unknown_key"]
# Upper bound on what we accept from a scanner; real payloads are ~220 chars.
_MAX_TEXT = 2048


@dataclass(frozen=True)
class QrFields:
    serial: str
    masked_name: str
    year_from: int
    year_to: int
    public_hours: str  # decimal strings: exact, and no float rounding surprises
    professional_hours: str
    total_hours: str
    met: bool
    status: str  # status at issue, e.g. "issued" or "reissued"
    issue_date: dt.date
    # Filled from the signed body on decode; ignored on encode (the key id
    # argument of encode_payload wins, so a caller cannot mislabel the key).
    key_id: str = ""

    @property
    def years(self) -> str:
        if self.year_from == self.year_to:
            return str(self.year_from)
        return f"{self.year_from}-{self.year_to}"


def format_hours(value: Decimal | int | str) -> str:
    """Canonical decimal string: ``Decimal('24.0') -> '24'``, ``'7.50' -> '7.5'``."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def mask_name(name: str) -> str:
    """Mask a holder's name for the QR: ``张三 -> 张*``, ``欧阳娜娜 -> 欧**娜``."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    # validate=True equivalent for urlsafe: reject anything outside the alphabet.
    if not text or any(c not in _B64URL for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _body(fields: QrFields, key_id: str) -> bytes:
    row: list[Any] = [
        fields.serial,
        fields.masked_name,
        [fields.year_from, fields.year_to],
        format_hours(fields.public_hours),
        format_hours(fields.professional_hours),
        format_hours(fields.total_hours),
        1 if fields.met else 0,
        fields.status,
        key_id,
        fields.issue_date.strftime("%Y%m%d"),
    ]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_payload(fields: QrFields, sm2_private_key: Any, key_id: str) -> str:
    """Serialise and sign ``fields``; returns the ``CEC1.…`` text (URL-safe)."""
    signed = PREFIX + _b64e(_body(fields, key_id))
    sig = sm2_sign(sm2_private_key, signed.encode("ascii"))
    return f"{signed}.{_b64e(sig)}"


def _parse_body(raw: bytes) -> QrFields:
    row = json.loads(raw.decode("utf-8"))
    if not isinstance(row, list) or len(row) != 10:
        raise ValueError("bad payload shape")
    serial, masked, years, pub, prof, total, met, status, kid, issued = row
    if not (
        isinstance(serial, str)
        and isinstance(masked, str)
        and isinstance(years, list)
        and len(years) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        and all(isinstance(h, str) for h in (pub, prof, total))
        and met in (0, 1)
        and not isinstance(met, bool)
        and isinstance(status, str)
        and isinstance(kid, str)
        and isinstance(issued, str)
    ):
        raise ValueError("bad payload field types")
    for h in (pub, prof, total):
        Decimal(h)  # raises InvalidOperation on garbage
    return QrFields(
        serial=serial,
        masked_name=masked,
        year_from=years[0],
        year_to=years[1],
        public_hours=pub,
        professional_hours=prof,
        total_hours=total,
        met=bool(met),
        status=status,
        issue_date=dt.datetime.strptime(issued, "%Y%m%d").date(),
        key_id=kid,
    )


def decode_and_verify(text: str, public_keys_by_id: dict[str, Any]) -> tuple[QrFields | None, QrStatus]:
    """Check a scanned payload against the published SM2 issuer keys (current and retired).

    Returns ``(fields, "genuine")``; ``(fields_or_None, "unknown_key")`` when the
    key id is not published (fields are unverified then and must not be shown
    as fact); ``(None, "tampered")`` for a bad signature or anything malformed.
    Accepts the bare payload or a full verification URL containing ``p=``.
    """
    text = _extract_payload(text.strip())
    if len(text) > _MAX_TEXT or not text.startswith(PREFIX):
        return None, "tampered"
    parts = text[len(PREFIX) :].split(".")
    if len(parts) != 2:
        return None, "tampered"
    body_b64, sig_b64 = parts
    try:
        body = _b64d(body_b64)
        sig = _b64d(sig_b64)
        fields = _parse_body(body)
    except (ValueError, binascii.Error, UnicodeDecodeError, InvalidOperation):
        return None, "tampered"
    # Re-encoding must reproduce the exact bytes, otherwise two texts could
    # carry the same signature (non-canonical base64 padding bits, JSON spacing).
    if _b64e(body) != body_b64 or _b64e(sig) != sig_b64 or len(sig) != SM2_SIGNATURE_SIZE:
        return None, "tampered"
    public_key = public_keys_by_id.get(fields.key_id)
    if public_key is None:
        return fields, "unknown_key"
    if not sm2_verify(public_key, (PREFIX + body_b64).encode("ascii"), sig):
        return None, "tampered"
    return fields, "genuine"


def claimed_serial(text: str) -> str:
    """The serial a payload *claims*, without checking its signature ("" when none can be read).

    Only for recording a refused code (which certificate it pretends to be); never shown as fact.
    """
    text = _extract_payload((text or "").strip()[: 2 * _MAX_TEXT])
    if len(text) > _MAX_TEXT or not text.startswith(PREFIX):
        return ""
    try:
        row = json.loads(_b64d(text[len(PREFIX) :].split(".")[0]).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return ""
    serial = row[0] if isinstance(row, list) and row else None
    return serial[:40] if isinstance(serial, str) else ""


def _extract_payload(text: str) -> str:
    if text.startswith(PREFIX):
        return text
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(text).query).get("p")
    return values[0] if values else text


def qr_content(base_url: str, payload: str) -> str:
    """What the QR code encodes: ``<base_url>/verify/qr?p=<payload>``.

    A phone camera opens the online check; an offline verifier takes ``p``.
    """
    return f"{base_url.rstrip('/')}/verify/qr?p={quote(payload, safe='.-_')}"
