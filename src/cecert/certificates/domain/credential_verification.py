"""Verifying an uploaded credential (ADR 0024): a compact JWS, or JSON carrying one.

The order is the one the standards give, each step refusing loudly with a reason that names the part
at fault (``credential_reasons``): size, UTF-8, form; the JOSE header (``alg`` ES256 only, ``typ``
``vc+jwt``, no ``crit``, a ``kid`` naming a published key of ours); the signature (joserfc, ES256
only); the payload as JSON without duplicate keys or deep nesting; the Open Badges 3.0 schema; the
issuer against the key's department; the key's retirement; the validity period; then the register:
the certificate the credential names, its department, its facts and its status-list place. The answer
is the register's status (genuine or revoked) like every other route.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any

from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from cecert.certificates.domain import credentials
from cecert.certificates.domain.credential_reasons import CREDENTIAL_REASONS_EN
from cecert.certificates.domain.signing_keys import recorded_certificate
from cecert.certificates.domain.verification import REASONS, Status, Verification
from cecert.certificates.models import Certificate, CertificateStatus, CredentialStatusEntry, SigningKey

MAX_CREDENTIAL_BYTES = 64 * 1024
MAX_DEPTH = 24
ENVELOPED_PREFIX = "data:application/vc+jwt,"
# Three base64url segments: a shape test before the JOSE library parses, not a parser.
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class _Refused(Exception):
    def __init__(self, status: Status, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.status, self.reason, self.field = status, reason, field


# The two reasons shared with the PDF route, in this route's words.
_SHARED_EN = {
    "unknown_serial": "validly signed, but the register holds no such certificate",
    "content_mismatch": "signed content does not match the register",
}


def _refusal(exc: _Refused, *, digest: str, claimed: str, checks: dict[str, Any]) -> Verification:
    english = CREDENTIAL_REASONS_EN.get(exc.reason) or _SHARED_EN[exc.reason]
    field = f" ({exc.field})" if exc.field else ""
    return Verification(
        exc.status,
        detail=f"{REASONS[exc.reason]} / {english}{field}",
        reason=exc.reason,
        claimed_serial=claimed,
        file_sha256=digest,
        checks=checks,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        duplicated = next(k for k in keys if keys.count(k) > 1)
        raise _Refused("tampered", "vc_bad_json", f"duplicate key {duplicated!r}"[:80])
    return dict(pairs)


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return deepest


def parse_json(text: str) -> Any:
    """Strict JSON: the standard library's parser, refusing duplicate keys, NaN and deep nesting."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError as exc:
        raise _Refused("tampered", "vc_bad_json", "nesting too deep") from exc
    except ValueError as exc:  # the hooks raise _Refused themselves, which passes through
        raise _Refused("tampered", "vc_bad_json", str(exc)[:80]) from exc
    if _depth(value) > MAX_DEPTH:
        raise _Refused("tampered", "vc_bad_json", f"nesting deeper than {MAX_DEPTH}")
    return value


def _no_constant(name: str) -> Any:
    raise _Refused("tampered", "vc_bad_json", f"non-standard constant {name}")


def _token(text: str) -> str:
    """The compact JWS: the text itself, or the one a JSON ``EnvelopedVerifiableCredential`` carries."""
    if not text.startswith(("{", "[")):
        return text
    document = parse_json(text)
    if not isinstance(document, dict):
        raise _Refused("tampered", "vc_not_credential", "JSON is not an object")
    types = document.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    envelope = document.get("id")
    if "EnvelopedVerifiableCredential" in types and isinstance(envelope, str):
        if not envelope.startswith(ENVELOPED_PREFIX):
            raise _Refused("tampered", "vc_not_credential", "id is not data:application/vc+jwt,…")
        return envelope[len(ENVELOPED_PREFIX) :]
    raise _Refused("tampered", "vc_unsigned", "a JSON credential without a proof")


def _claimed_serial(payload: bytes) -> str:
    """The serial of the certificate an (unverified) payload names, for the record of a refusal."""
    try:
        document = json.loads(payload.decode("utf-8"))
        named = str(document.get("id", "")) if isinstance(document, dict) else ""
        verification_id = uuid.UUID(named.removeprefix("urn:uuid:"))
    except (ValueError, RecursionError, AttributeError):
        return ""
    serial = Certificate.objects.filter(verification_id=verification_id).values_list("serial", flat=True).first()
    return serial or ""


def _signing_key(kid: Any) -> SigningKey:
    if not isinstance(kid, str) or not kid:
        raise _Refused("tampered", "vc_no_key", "kid")
    _issuer, _hash, key_id = kid.rpartition("#")
    key = (
        SigningKey.objects.select_related("department", "department__region", "root").filter(key_id=key_id).first()
        if key_id
        else None
    )
    if key is None or credentials.key_reference(key.department.region.code, key.key_id) != kid:
        raise _Refused("tampered", "vc_unknown_key", "kid")
    return key


def _check_header(header: dict[str, Any]) -> SigningKey:
    if header.get("alg") != credentials.ALGORITHM:
        raise _Refused("tampered", "vc_bad_algorithm", f"alg={str(header.get('alg'))[:20]}")
    if header.get("typ") != credentials.JOSE_TYPE or "crit" in header:
        raise _Refused("tampered", "vc_bad_header", "typ/crit")
    return _signing_key(header.get("kid"))


def _moment(value: Any, field: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _Refused("tampered", "vc_schema", field) from exc
    if moment.tzinfo is None:
        raise _Refused("tampered", "vc_schema", f"{field} without a time zone")
    return moment


def _check_time(payload: dict[str, Any], key: SigningKey) -> None:
    now = timezone.now()
    if key.retired_at is not None:
        signed_at = payload.get("iat")
        if not isinstance(signed_at, int) or dt.datetime.fromtimestamp(signed_at, dt.UTC) > key.retired_at:
            raise _Refused("tampered", "vc_key_retired", "iat")
    if _moment(payload["validFrom"], "validFrom") > now:
        raise _Refused("tampered", "vc_not_yet_valid", "validFrom")
    if "validUntil" in payload and _moment(payload["validUntil"], "validUntil") <= now:
        raise _Refused("tampered", "vc_expired", "validUntil")


def _issuer_id(issuer: Any) -> Any:
    """``issuer`` is a profile or (VC 2.0 allows it) the issuer's URL alone."""
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _facts(credential: dict[str, Any]) -> dict[str, Any]:
    """What the register must confirm: who, which certificate, when, which department, what hours."""
    subject = credential.get("credentialSubject", {})
    return {
        "id": credential.get("id"),
        "issuer": _issuer_id(credential.get("issuer")),
        "validFrom": credential.get("validFrom"),
        "name": [i.get("identityHash") for i in subject.get("identifier", []) if i.get("identityType") == "name"],
        # which result (the description's own part of its id), of which year, and its value
        "results": [
            (str(r.get("resultDescription", "")).rpartition(":")[2], r.get("achievedLevel"), r.get("value"))
            for r in subject.get("result", [])
        ],
        "credentialStatus": credential.get("credentialStatus"),
    }


def _matches_register(payload: dict[str, Any], certificate: Certificate) -> None:
    entry = CredentialStatusEntry.objects.filter(certificate=certificate).first()
    if entry is None:  # never exported: no credential of it was ever signed
        raise _Refused("tampered", "vc_status_mismatch", "credentialStatus")
    expected = credentials.build_credential(certificate, entry, id_number="", salt="")
    if payload.get("credentialStatus") != expected["credentialStatus"]:
        raise _Refused("tampered", "vc_status_mismatch", "credentialStatus")
    if _facts(payload) != _facts(expected):
        raise _Refused("tampered", "content_mismatch", "credentialSubject")


def verify_credential(data: bytes) -> Verification:
    """An uploaded credential (bytes as received), against our published keys and the register."""
    digest = hashlib.sha256(data).hexdigest()
    claimed, checks = "", {}
    try:
        if len(data) > MAX_CREDENTIAL_BYTES:
            raise _Refused("tampered", "vc_too_large", f"{len(data)} bytes")
        try:
            text = data.decode("utf-8").strip().removeprefix("\ufeff").strip()
        except UnicodeDecodeError as exc:
            raise _Refused("tampered", "vc_not_utf8", f"byte {exc.start}") from exc
        token = _token(text)
        if not _COMPACT.match(token):
            raise _Refused("tampered", "vc_not_credential", "not header.payload.signature")
        try:
            parts = jws.extract_compact(token.encode("ascii"))
        except (JoseError, ValueError) as exc:
            raise _Refused("tampered", "vc_not_credential", "JOSE header or payload") from exc
        claimed = _claimed_serial(parts.payload)
        key = _check_header(dict(parts.protected))
        checks = {"kid": key.key_id, "issuer": key.department.name}
        public = ECKey.import_key(recorded_certificate(key).public_key())  # type: ignore[arg-type]
        try:
            signed = jws.deserialize_compact(token, public, algorithms=[credentials.ALGORITHM])
        except (JoseError, ValueError) as exc:
            raise _Refused("tampered", "vc_bad_signature", "signature") from exc
        try:
            payload = parse_json(signed.payload.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise _Refused("tampered", "vc_not_utf8", "payload") from exc
        problems = credentials.schema_errors(payload)
        if problems:
            raise _Refused("tampered", "vc_schema", problems[0])
        if _issuer_id(payload["issuer"]) != credentials.issuer_id(key.department.region.code):
            raise _Refused("tampered", "vc_wrong_issuer", "issuer.id")
        _check_time(payload, key)
        try:
            verification_id = uuid.UUID(str(payload["id"]).removeprefix("urn:uuid:"))
        except ValueError as exc:
            raise _Refused("not_found", "unknown_serial", "id") from exc
        certificate = (
            Certificate.objects.select_related("person", "issuer", "replaced_by")
            .filter(verification_id=verification_id)
            .first()
        )
        if certificate is None:
            raise _Refused("not_found", "unknown_serial", "id")
        claimed = certificate.serial
        if certificate.issuer_id != key.department_id:
            raise _Refused("tampered", "vc_wrong_issuer", "issuer")
        _matches_register(payload, certificate)
    except _Refused as exc:
        return _refusal(exc, digest=digest, claimed=claimed[:40], checks=checks)
    status: Status = "genuine" if certificate.status == CertificateStatus.VALID else "revoked"
    return Verification(status, (certificate,), checks=checks, file_sha256=digest)


def verify_credential_upload(upload: Any) -> Verification:
    """An uploaded file (Django ``UploadedFile``): refused by its size before anything is read, and never
    read past the limit."""
    if upload.size is None or upload.size > MAX_CREDENTIAL_BYTES:
        return _refusal(_Refused("tampered", "vc_too_large", f"{upload.size} bytes"), digest="", claimed="", checks={})
    return verify_credential(upload.read(MAX_CREDENTIAL_BYTES + 1))
