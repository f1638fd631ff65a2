"""The renderer interface the Django app uses: snapshot in, (filename, type, bytes) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from cecert.certificates.crypto.qr_payload import (
    QrFields,
    encode_payload,
    format_hours,
    mask_name,
    qr_content,
)
from cecert.certificates.pdf.render import CertificateSnapshot, render_certificate_pdf
from cecert.certificates.pdf.seal import DEFAULT_SUBTITLE, build_seal
from cecert.certificates.pdf.signing import sign_pdf

__all__ = [
    "CertificateRenderer",
    "DepartmentSigningMaterial",
    "PdfCertificateRenderer",
    "Rendered",
    "qr_fields_for",
    "render_and_sign",
]

PDF_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class Rendered:
    filename: str
    content_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, eq=False)
class DepartmentSigningMaterial:
    """Everything one issuing department signs with; build once per department and reuse.

    ``key`` and ``sm2_key`` are decrypted private keys held in memory (see
    :func:`keys.load_private_key`); ``chain`` is the root (and any
    intermediates) for ``cert``.
    """

    department_name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    sm2_key: Any
    sm2_key_id: str
    verify_base_url: str
    location: str = "河南省"
    reason: str = "河南省专业技术人员继续教育证书电子签章"
    seal_subtitle: str | None = DEFAULT_SUBTITLE
    timestamp_url: str | None = None


class CertificateRenderer(Protocol):
    def render(self, snapshot: CertificateSnapshot) -> Rendered: ...


def qr_fields_for(snapshot: CertificateSnapshot) -> QrFields:
    return QrFields(
        serial=snapshot.serial,
        masked_name=mask_name(snapshot.holder_name),
        year_from=snapshot.year_from,
        year_to=snapshot.year_to,
        public_hours=format_hours(snapshot.public_hours),
        professional_hours=format_hours(snapshot.professional_hours),
        total_hours=format_hours(snapshot.total_hours),
        met=snapshot.met,
        status=snapshot.status_at_issue,
        issue_date=snapshot.issue_date,
    )


def _filename(snapshot: CertificateSnapshot) -> str:
    years = (
        str(snapshot.year_from)
        if snapshot.year_from == snapshot.year_to
        else f"{snapshot.year_from}-{snapshot.year_to}"
    )
    kind = "proof" if snapshot.kind == "completion_proof" else "certificate"
    # ASCII only: Content-Disposition filenames with CJK need RFC 5987 care.
    return f"cecert-{kind}-{snapshot.certificate_number}-{years}-v{snapshot.version}.pdf"


def render_and_sign(snapshot: CertificateSnapshot, material: DepartmentSigningMaterial) -> Rendered:
    """Render the PDF (seal, signed QR payload) and seal it with the department's key."""
    if snapshot.issuer_name != material.department_name:
        # Article 13 / spec: never sign for one department with another's key.
        raise ValueError(
            f"certificate issued by {snapshot.issuer_name!r} cannot be signed with the key of "
            f"{material.department_name!r}"
        )
    payload = encode_payload(qr_fields_for(snapshot), material.sm2_key, material.sm2_key_id)
    seal = build_seal(material.department_name, material.seal_subtitle)
    pdf = render_certificate_pdf(snapshot, seal=seal, qr_content=qr_content(material.verify_base_url, payload))
    signed = sign_pdf(
        pdf,
        key=material.key,
        cert=material.cert,
        chain=material.chain,
        reason=material.reason,
        location=material.location,
        timestamp_url=material.timestamp_url,
    )
    return Rendered(filename=_filename(snapshot), content_type=PDF_CONTENT_TYPE, content=signed)


@dataclass(frozen=True, eq=False)
class PdfCertificateRenderer:
    """:class:`CertificateRenderer` bound to one department's signing material."""

    material: DepartmentSigningMaterial

    def render(self, snapshot: CertificateSnapshot) -> Rendered:
        return render_and_sign(snapshot, self.material)
