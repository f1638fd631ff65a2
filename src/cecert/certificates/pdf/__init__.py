"""Certificate PDFs: rendering, the visible seal, PAdES signing and verification.

Django-free. reportlab and pyHanko are imported lazily inside functions, so
importing this package at Django start-up stays cheap.
"""

from cecert.certificates.pdf.render import (
    CertificateRecord,
    CertificateSnapshot,
    YearSummary,
    render_certificate_pdf,
)
from cecert.certificates.pdf.renderers import (
    CertificateRenderer,
    DepartmentSigningMaterial,
    PdfCertificateRenderer,
    Rendered,
    qr_fields_for,
    render_and_sign,
)
from cecert.certificates.pdf.signing import PdfVerification, sign_pdf, verify_pdf

__all__ = [
    "CertificateRecord",
    "CertificateRenderer",
    "CertificateSnapshot",
    "DepartmentSigningMaterial",
    "PdfCertificateRenderer",
    "PdfVerification",
    "Rendered",
    "YearSummary",
    "qr_fields_for",
    "render_and_sign",
    "render_certificate_pdf",
    "sign_pdf",
    "verify_pdf",
]
