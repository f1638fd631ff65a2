"""The PDF of an issued certificate: rendered on demand from its snapshot, sealed, cached.

The certificate's own recorded key seals it (a retired key still re-renders
the certificates it sealed; it seals no new ones). The cache is a file per
certificate version in the ``certificates`` store (ADR 0021), shared by every
server; the file name is the verification id and version, so a new version
never hits an old file. Losing the cache loses nothing: a store that is away
or has no such file means the PDF is rendered again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from cecert.certificates.models import Certificate
from cecert.certificates.pdf import (
    CertificateRecord,
    CertificateSnapshot,
    Rendered,
    YearSummary,
    render_and_sign,
)
from cecert.certificates.pdf.renderers import PDF_CONTENT_TYPE, _filename
from cecert.core.files import CERTIFICATES, FileStoreUnavailable, StoredFileMissing, read_file, save_file

_UNIT_ZH = {"hour": "学时", "credit": "学分"}


def to_render_snapshot(certificate: Certificate) -> CertificateSnapshot:
    s: dict[str, Any] = certificate.snapshot
    hours = s["hours"]
    required = s.get("required") or {}
    return CertificateSnapshot(
        kind=s["kind"],
        holder_name=s["holder_name"],
        masked_id=s["masked_id"],
        certificate_number=s["certificate_number"],
        employer_name=s["employer"]["name"],
        year_from=s["year_from"],
        year_to=s["year_to"],
        public_hours=Decimal(hours["public"]),
        professional_hours=Decimal(hours["professional"]),
        total_hours=Decimal(hours["total"]),
        met=bool(s["met"]),
        issuer_name=s["issuer"]["name"],
        issue_date=dt.date.fromisoformat(s["issue_date"]),
        serial=s["serial"],
        records=tuple(
            CertificateRecord(
                title=r["title"] or r["record_type"] or "继续教育记录",
                record_type=r["record_type"] or "—",
                subject=r["subject"],
                hours=Decimal(r["hours"]),
            )
            for r in s.get("records", [])
        )
        + _moved_in_rows(s.get("moved_in")),
        years=tuple(
            YearSummary(
                y["year"],
                Decimal(y["public"]),
                Decimal(y["professional"]),
                Decimal(y["total"]),
                bool(y["met"]),
                unit=_UNIT_ZH.get(y.get("unit", "hour"), "学时"),
                moved_in=bool(y.get("moved_in")),
            )
            for y in s.get("years", [])
        ),
        required_hours=Decimal(required.get("total", 90)),
        required_public_hours=Decimal(required.get("public", 24)),
        required_unit=_UNIT_ZH.get(required.get("unit", "hour"), "学时"),
        version=s["version"],
        replaces_serial=s.get("replaces_serial"),
        status_at_issue=s.get("status_at_issue", "issued"),
    )


def _moved_in_rows(moved_in: dict[str, Any] | None) -> tuple[CertificateRecord, ...]:
    """An annual certificate's amounts moved in from the current platform (ADR 0023), as rows of its table,
    so that the rows add up to the stated hours and say where the rest came from."""
    if not moved_in:
        return ()
    serial = moved_in.get("certificate_serial")
    title = f"{moved_in['source']}（原证书编号 {serial}）" if serial else moved_in["source"]
    return tuple(
        CertificateRecord(
            title=title, record_type=moved_in["source"], subject=subject, hours=Decimal(moved_in[subject])
        )
        for subject in ("public", "professional")
        if Decimal(moved_in[subject])
    )


def cache_name(certificate: Certificate) -> str:
    return f"{certificate.verification_id}-v{certificate.version}.pdf"


def render_certificate(certificate: Certificate) -> Rendered:
    """Render and seal with the certificate's recorded key, no cache."""
    from cecert.certificates.domain.signing_keys import signing_material

    return render_and_sign(to_render_snapshot(certificate), signing_material(certificate.signing_key))


def certificate_pdf(certificate: Certificate) -> Rendered:
    """The sealed PDF, from the cache when present; else rendered and cached (each store publishes a
    file whole). The cache being away costs a rendering, never the download."""
    name = cache_name(certificate)
    try:
        cached = read_file(CERTIFICATES, name)
    except (StoredFileMissing, FileStoreUnavailable):  # a miss (a store that is away was logged by read_file)
        cached = None
    if cached is not None:
        return Rendered(
            filename=_filename(to_render_snapshot(certificate)), content_type=PDF_CONTENT_TYPE, content=cached
        )
    rendered = render_certificate(certificate)
    with contextlib.suppress(FileStoreUnavailable):  # logged by save_file; served uncached this time
        save_file(CERTIFICATES, name, rendered.content)
    return rendered


def qr_payload(certificate: Certificate) -> str:
    """The signed QR payload of a certificate (what its PDF carries)."""
    from cecert.certificates.crypto.qr_payload import encode_payload
    from cecert.certificates.domain.signing_keys import signing_material
    from cecert.certificates.pdf import qr_fields_for

    material = signing_material(certificate.signing_key)
    return encode_payload(qr_fields_for(to_render_snapshot(certificate)), material.sm2_key, material.sm2_key_id)
