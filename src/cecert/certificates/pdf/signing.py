"""PAdES signing and verification of certificate PDFs with pyHanko.

Genuineness rests on the issuing department's signature, which anyone can
check with any PDF reader (forged lookup pages circulate, so a page that
merely *looks* official proves nothing).

Performance notes (the render+sign budget is 60 ms):

* the signature field is invisible; the visible seal is already part of the
  page. pyHanko's own stamp would re-parse the font on every call (~500 ms);
* one :class:`SimpleSigner` per department key is built and cached, and its
  ``sign_raw`` uses the already-loaded ``cryptography`` key instead of
  re-parsing the PKCS#8 DER on every signature as ``SimpleSigner`` does;
* for B-B the CMS size is reserved from a fixed estimate, which avoids
  pyHanko's default dry-run signature (i.e. signing twice).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cecert.certificates.crypto.keys import key_id

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner

__all__ = [
    "PdfReason",
    "PdfStatus",
    "PdfVerification",
    "department_signer",
    "sign_pdf",
    "verify_pdf",
]

PdfStatus = Literal["genuine", "tampered", "untrusted", "unsigned"]

_cache_lock = threading.Lock()


@dataclass(frozen=True)
class _CachedSigner:
    signer: SimpleSigner
    # Size of the /Contents placeholder in hex digits (pyHanko's unit).
    bytes_reserved: int


_signers: dict[tuple[str, str], _CachedSigner] = {}


def _asn1_cert(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer_class() -> type[SimpleSigner]:
    from pyhanko.sign.signers import SimpleSigner

    class _PreloadedKeySigner(SimpleSigner):
        """SimpleSigner that signs with a ``cryptography`` EC key held in memory."""

        def __init__(self, *args: Any, pyca_key: ec.EllipticCurvePrivateKey, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._pyca_key = pyca_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from pyhanko.sign.general import get_pyca_cryptography_hash

            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo != "ecdsa":  # pragma: no cover - we only make EC keys
                return super().sign_raw(data, digest_algorithm)
            return self._pyca_key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))

    return _PreloadedKeySigner


_SIGNER_CLASS: type[SimpleSigner] | None = None


def department_signer(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate]
) -> SimpleSigner:
    """The cached pyHanko signer for a department's key and certificate.

    ``chain`` is the issuing chain (intermediates and the root); it is
    embedded in the CMS so that validators can build the path offline.
    """
    return _cached_signer(key, cert, chain).signer


def _cached_signer(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate]
) -> _CachedSigner:
    global _SIGNER_CLASS
    cache_key = (
        cert.fingerprint(_SHA256).hex(),
        hashlib.sha256(
            key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ).hexdigest(),
    )
    cached = _signers.get(cache_key)
    if cached is not None:
        return cached
    with _cache_lock:
        cached = _signers.get(cache_key)
        if cached is not None:
            return cached
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError("department signing keys are ECDSA P-256 keys")
        if key_id(cert) != _public_key_id(key):
            raise ValueError("the private key does not belong to the certificate")
        from asn1crypto import keys as asn1_keys
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        if _SIGNER_CLASS is None:
            _SIGNER_CLASS = _signer_class()
        chain_asn1 = [_asn1_cert(c) for c in chain]
        signer = _SIGNER_CLASS(  # type: ignore[call-arg]
            signing_cert=_asn1_cert(cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs(chain_asn1),
            pyca_key=key,
        )
        # CMS = certificates + signed attributes + ~72-byte ECDSA signature;
        # 3 KiB of headroom covers the attributes generously. x2: hex digits.
        signing_cert = signer.signing_cert
        assert signing_cert is not None
        cms_bytes = 3072 + len(signing_cert.dump()) + sum(len(c.dump()) for c in chain_asn1)
        cached = _CachedSigner(signer=signer, bytes_reserved=2 * cms_bytes)
        _signers[cache_key] = cached
        return cached


def _public_key_id(key: ec.EllipticCurvePrivateKey) -> str:
    from cecert.certificates.crypto.keys import public_key_id

    return public_key_id(
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


class _Sha256:
    """Lazy stand-in so that ``hashes`` is not imported for a constant."""

    def __new__(cls) -> Any:  # pragma: no cover - trivial
        from cryptography.hazmat.primitives import hashes

        return hashes.SHA256()


_SHA256 = _Sha256()


@functools.lru_cache(maxsize=8)
def _timestamper(url: str) -> Any:
    """One client per timestamp server: pyHanko sizes the signature with a sample token, which it
    asks the server for once per client, so a new client per certificate would double the requests."""
    from pyhanko.sign import timestamps

    return timestamps.HTTPTimeStamper(url)


def sign_pdf(
    pdf_bytes: bytes,
    *,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    field_name: str = "Seal",
    reason: str,
    location: str,
    timestamp_url: str | None = None,
) -> bytes:
    """Sign ``pdf_bytes`` as PAdES B-B (or B-T with an RFC 3161 ``timestamp_url``)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    cached = _cached_signer(key, cert, chain)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=cert.subject.rfc4514_string(),
        use_pades_lta=False,
    )
    timestamper = _timestamper(timestamp_url) if timestamp_url else None
    pdf_signer = signers.PdfSigner(
        meta,
        signer=cached.signer,
        timestamper=timestamper,
        # box=None: an invisible field; the seal image is already on the page.
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, box=None),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    # With a timestamp the token size is unknown (TSA certificates), so let
    # pyHanko estimate; B-B uses the cached fixed reservation.
    reserved = None if timestamper else cached.bytes_reserved
    out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved, output=io.BytesIO())
    return out.getvalue()


# Why a file is not genuine, as a stable code (recorded with suspicious verifications, ADR 0013).
PdfReason = Literal[
    "",
    "unreadable",
    "unsigned",
    "extra_signature",
    "bad_signer_certificate",
    "digest_mismatch",
    "bad_signature",
    "modified_after_signing",
    "not_whole_file",
    "untrusted_signer",
    "validation_error",
]

# /Info entries a later, PAdES-allowed revision (DSS, document timestamp) may rewrite: pyHanko's own
# incremental writer sets them on every revision it appends. Every other entry must stay as signed.
_INFO_MAY_CHANGE = frozenset({"/ModDate", "/Producer"})
# The same for the XMP metadata stream (pyHanko writes one with the seal and rewrites these on every
# revision it appends); compared by local name, in element and attribute position alike.
_XMP_MAY_CHANGE = frozenset({"ModifyDate", "MetadataDate", "Producer", "xmptk"})


@dataclass(frozen=True)
class PdfVerification:
    status: PdfStatus
    signer_certificate: x509.Certificate | None = None
    signer_key_id: str | None = None
    signing_time: dt.datetime | None = None  # signer-reported (/M); a claim, not proof
    timestamp_time: dt.datetime | None = None  # from a valid RFC 3161 token (B-T)
    serial: str | None = None  # /Subject of the SIGNED revision
    detail: str = ""
    reason: PdfReason = ""
    # The document information of the signed revision (/Title, /Author, /Subject, /Keywords): what
    # the department sealed. Nothing is ever read from a later revision but ``claimed_serial``.
    signed_info: dict[str, str] = field(default_factory=dict)
    # /Subject of the newest revision: what the file presents itself as (a relabel shows here).
    claimed_serial: str | None = None


def _strict_diff_policy() -> Any:
    """pyHanko's standard difference analysis, narrowed to what a sealed certificate may gain later:
    a DSS and document timestamps (PAdES LTA), never a form field or an annotation, and no /Info
    entry or XMP property that says something else than the signed one."""
    from pyhanko.sign.diff_analysis import (
        CatalogModificationRule,
        DocInfoRule,
        DSSCompareRule,
        FormUpdatingRule,
        MetadataUpdateRule,
        ModificationLevel,
        ObjectStreamRule,
        SigFieldCreationRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
        SuspiciousModification,
        XrefStreamRule,
    )

    class SameIdentityDocInfoRule(DocInfoRule):
        """``DocInfoRule``, but the entries that identify the certificate may not change."""

        def apply(self, old: Any, new: Any) -> Any:
            signed, newest = _info_dict(old), _info_dict(new)
            for key in (set(signed) | set(newest)) - _INFO_MAY_CHANGE:
                if signed.get(key) != newest.get(key):
                    raise SuspiciousModification(f"document information {key} changed after signing")
            yield from super().apply(old, new)

    class SameIdentityMetadataRule(MetadataUpdateRule):
        """``MetadataUpdateRule`` (well-formed XMP), but only dates and producer may change."""

        def apply(self, old: Any, new: Any) -> Any:
            if _xmp_facts(old) != _xmp_facts(new):
                raise SuspiciousModification("XMP metadata changed after signing")
            yield from super().apply(old, new)

    lta = ModificationLevel.LTA_UPDATES
    return StandardDiffPolicy(
        global_rules=[
            CatalogModificationRule(),
            SameIdentityDocInfoRule().as_qualified(lta),
            XrefStreamRule().as_qualified(lta),
            ObjectStreamRule().as_qualified(lta),
            DSSCompareRule().as_qualified(lta),
            SameIdentityMetadataRule(always_refuse_stream_override=False).as_qualified(lta),
        ],
        form_rule=FormUpdatingRule(field_rules=[SigFieldCreationRule(), SigFieldModificationRule()]),
    )


def _info_dict(resolver: Any) -> dict[str, str]:
    """The /Info entries of one revision, as text, resolved within that revision.

    ``resolver`` is a ``HistoricalResolver``: the reference is resolved through it, never through the
    reader (an indirect object read through the reader resolves in the NEWEST revision).
    """
    from pyhanko.pdf_utils import generic

    raw = resolver.trailer_view.raw_get("/Info") if "/Info" in resolver.trailer_view else None
    if raw is None:
        return {}
    info = resolver.get_object(raw.reference) if isinstance(raw, generic.IndirectObject) else raw
    if not isinstance(info, generic.DictionaryObject):
        return {}
    out: dict[str, str] = {}
    for key in info:
        value = info.raw_get(key)
        if isinstance(value, generic.IndirectObject):
            value = resolver.get_object(value.reference)
        out[str(key)] = str(value)
    return out


def _xmp_facts(resolver: Any) -> frozenset[tuple[str, str]] | None:
    """What one revision's XMP says, less the properties an LTA writer rewrites (None: no XMP).

    Parsed with lxml as pyHanko's own metadata rule does: no entities, no network, size bounded by
    pyHanko's decode limits.
    """
    from lxml import etree
    from pyhanko.pdf_utils import generic

    raw = resolver.root.raw_get("/Metadata") if "/Metadata" in resolver.root else None
    if not isinstance(raw, generic.IndirectObject):
        return None
    stream = resolver.get_object(raw.reference)
    if not isinstance(stream, generic.StreamObject):
        return frozenset({("", "not a stream")})
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(stream.data, parser=parser)
    facts: set[tuple[str, str]] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        name = etree.QName(element).localname
        if name in _XMP_MAY_CHANGE:
            continue
        facts.add((element.tag, (element.text or "").strip()))
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).localname not in _XMP_MAY_CHANGE:
                facts.add((f"{element.tag}@{attribute}", value))
    return frozenset(facts)


def verify_pdf(pdf_bytes: bytes, *, trust_roots: Iterable[x509.Certificate]) -> PdfVerification:
    """Validate the certificate's PAdES signature against ``trust_roots``.

    ``genuine``: exactly one signature; intact, cryptographically valid, chains to a trust root; it
    covers the whole file, or what follows is only PAdES long-term-validation material (a DSS,
    document timestamps) that changes nothing the certificate says (``_strict_diff_policy``).
    ``tampered``: anything else that is signed. ``untrusted``: a valid signature by a key that does
    not chain to the roots. ``unsigned``: no signature.

    What the certificate says (``serial``, ``signed_info``) is read from the SIGNED revision only.
    The caller must still check that the signer is the key recorded for that serial and that the
    signed facts equal the register (``cecert.certificates.domain.verification``).
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=True)
        claimed = _info_dict(reader.get_historical_resolver(reader.xrefs.total_revisions - 1)).get("/Subject")
    except Exception as exc:
        return PdfVerification("tampered", detail=f"unreadable PDF: {exc}"[:300], reason="unreadable")
    try:
        signatures = reader.embedded_regular_signatures
        timestamps = reader.embedded_timestamp_signatures
    except Exception as exc:  # a signature dictionary that cannot be read (zeroed, cut, malformed CMS)
        return PdfVerification(
            "tampered", detail=f"unreadable signature: {exc}"[:300], reason="validation_error", claimed_serial=claimed
        )
    if not signatures:
        return PdfVerification(
            "unsigned", detail="no signature in the document", reason="unsigned", claimed_serial=claimed
        )
    # Our certificates carry exactly one signature, the issuing department's seal.
    embedded = signatures[0]
    try:
        signed_info = _info_dict(reader.get_historical_resolver(embedded.signed_revision))
        signer_cert = x509.load_der_x509_certificate(embedded.signer_cert.dump())
    except Exception as exc:
        return PdfVerification(
            "tampered",
            detail=f"bad signer certificate: {exc}"[:300],
            reason="bad_signer_certificate",
            claimed_serial=claimed,
        )
    base: dict[str, Any] = {
        "signer_certificate": signer_cert,
        "signer_key_id": key_id(signer_cert),
        "serial": signed_info.get("/Subject"),
        "signed_info": signed_info,
        "claimed_serial": claimed,
    }
    if len(signatures) > 1:
        return PdfVerification(
            "tampered", detail="additional signatures after the seal", reason="extra_signature", **base
        )
    context = ValidationContext(
        trust_roots=[_asn1_cert(c) for c in trust_roots],
        allow_fetching=False,  # offline: everything needed is embedded
        revocation_mode="soft-fail",  # department revocation is our own list, not CRLs
    )
    try:
        status = validate_pdf_signature(embedded, context, diff_policy=_strict_diff_policy())
        for stamp in timestamps:  # later document timestamps must at least be intact
            stamp_status = validate_pdf_timestamp(stamp, validation_context=context)
            if not (stamp_status.intact and stamp_status.valid):
                return PdfVerification(
                    "tampered", detail="broken document timestamp", reason="modified_after_signing", **base
                )
    except SignatureValidationError as exc:
        return PdfVerification("tampered", detail=str(exc)[:300], reason="bad_signature", **base)
    except Exception as exc:  # malformed CMS and the like
        return PdfVerification("tampered", detail=f"validation error: {exc}"[:300], reason="validation_error", **base)

    signing_time = status.signer_reported_dt
    ts_time = None
    if status.timestamp_validity is not None and status.timestamp_validity.intact:
        ts_time = status.timestamp_validity.timestamp
    base.update(signing_time=signing_time, timestamp_time=ts_time)
    if not status.intact:
        return PdfVerification("tampered", detail="document digest mismatch", reason="digest_mismatch", **base)
    if not status.valid:
        return PdfVerification("tampered", detail="signature value invalid", reason="bad_signature", **base)
    later_revisions = reader.xrefs.total_revisions - 1 - embedded.signed_revision
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        later_revisions > 0
        and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and pdf_bytes.rstrip(b"\r\n\t\f\x00 ").endswith(b"%%EOF")
    )
    if not whole:
        return PdfVerification(
            "tampered", detail=f"signature does not cover the file ({status.coverage})", reason="not_whole_file", **base
        )
    allowed = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES}
    if status.modification_level not in allowed or status.docmdp_ok is False:
        why = status.diff_result if status.modification_level is None else status.modification_level
        return PdfVerification(
            "tampered", detail=f"changed after signing ({why})"[:300], reason="modified_after_signing", **base
        )
    if not status.trusted:
        return PdfVerification(
            "untrusted",
            detail=f"signer not trusted: {status.trust_problem_indic}"[:300],
            reason="untrusted_signer",
            **base,
        )
    return PdfVerification("genuine", detail=status.summary(), **base)
