"""Forged and tampered certificate PDFs, generated at test time from real issued certificates.

Every forgery is refused with one verdict and one reason through each way of verifying a PDF (the
domain function, ``cecert certificates verify``, the upload on ``/verify/`` and
``POST /api/v1/certificates/verify/pdf``), and each refusal is recorded for the issuing department.
Genuine files (plain, with PAdES LTA updates appended, revoked and reissued) still verify.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from cecert.certificates.crypto import keys, sm2
from cecert.certificates.domain import issuance, signing_keys, verification
from cecert.certificates.domain.rendering import certificate_pdf, to_render_snapshot
from cecert.certificates.models import Certificate, SuspiciousVerification
from cecert.certificates.pdf import DepartmentSigningMaterial, render_and_sign, render_certificate_pdf, sign_pdf
from cecert.certificates.pdf.seal import build_seal
from tests.certificates.factories import YEAR, full_year
from tests.factories import World

MAX = verification.MAX_PDF_BYTES


@pytest.fixture(autouse=True)
def _generous_limits(settings: Any) -> None:
    """The corpus is verified many times from one address: no rate limit, no recording cap here
    (both have their own tests)."""
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (10_000, 60)}
    settings.CECERT_SUSPICIOUS_RECORDS = (10_000, 10_000, 3600)


@pytest.fixture
def issued(world: World) -> dict[str, Certificate]:
    """Genuine certificates: two of Zhengzhou's department, one of Luoyang's."""
    out = {}
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang"):
        full_year(world.people[key])
        out[key] = issuance.issue_annual_certificate(world.people[key], YEAR, by=None)
    assert out["emp_jinshui"].issuer == out["emp_zhongyuan"].issuer != out["emp_luoyang"].issuer
    return out


# ---------------------------------------------------------------- ways to forge


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def relabel(pdf: bytes, serial: str, *, title: str | None = None) -> bytes:
    """An unsigned incremental update rewriting the document information to another serial."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"].get_object()
    info["/Subject"] = generic.TextStringObject(serial)
    info["/Keywords"] = generic.TextStringObject(f"cecert; serial={serial}; version=1")
    if title is not None:
        info["/Title"] = generic.TextStringObject(title)
    writer.update_container(info)
    return _write(writer)


def _first_page(writer: IncrementalPdfFileWriter) -> Any:
    return writer.root["/Pages"]["/Kids"][0].get_object()


def replace_content(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = _first_page(writer)
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 400 Td (200) Tj ET"))
    writer.update_container(page)
    return _write(writer)


def _rect(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject(generic.FloatObject(v) for v in values)


def _appearance(writer: IncrementalPdfFileWriter, text: bytes) -> generic.DictionaryObject:
    stream = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): _rect(0, 0, 200, 30),
        },
        stream_data=b"1 1 1 rg 0 0 200 30 re f BT 0 0 0 rg /Helv 14 Tf 4 10 Td (" + text + b") Tj ET",
    )
    return generic.DictionaryObject({generic.NameObject("/N"): writer.add_object(stream)})


def _add_annotation(writer: IncrementalPdfFileWriter, annotation: generic.DictionaryObject) -> generic.IndirectObject:
    page = _first_page(writer)
    ref = writer.add_object(annotation)
    annots = page.get("/Annots")
    page["/Annots"] = generic.ArrayObject([*(annots or []), ref])
    writer.update_container(page)
    return ref


def overlay_annotation(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _add_annotation(
        writer,
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): _rect(300, 300, 500, 330),
                generic.NameObject("/Contents"): generic.TextStringObject("合计 200 学时"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 14 Tf 0 g"),
                generic.NameObject("/AP"): _appearance(writer, b"200"),
            }
        ),
    )
    return _write(writer)


def overlay_form_field(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    ref = _add_annotation(
        writer,
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
                generic.NameObject("/FT"): generic.NameObject("/Tx"),
                generic.NameObject("/T"): generic.TextStringObject("hours"),
                generic.NameObject("/V"): generic.TextStringObject("200"),
                generic.NameObject("/Rect"): _rect(300, 300, 500, 330),
                generic.NameObject("/AP"): _appearance(writer, b"200"),
            }
        ),
    )
    form = writer.root["/AcroForm"]
    form["/Fields"] = generic.ArrayObject([*form["/Fields"], ref])
    if isinstance(writer.root.raw_get("/AcroForm"), generic.IndirectObject):
        writer.update_container(form)
    else:
        writer.update_root()
    return _write(writer)


def _byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert m
    a, b, c, d = (int(x) for x in m.groups())
    return a, b, c, d


def zero_signature(pdf: bytes) -> bytes:
    a, b, c, _d = _byte_range(pdf)
    return pdf[: a + b + 1] + b"0" * (c - a - b - 2) + pdf[c - 1 :]


def flip_content_byte(pdf: bytes) -> bytes:
    """One byte inside the first page's content stream (signed range)."""
    start = pdf.index(b"stream", pdf.index(b"/Filter")) + 40
    assert start < _byte_range(pdf)[1]
    b = bytearray(pdf)
    b[start] ^= 0x01
    return bytes(b)


def _self_signed(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _material(
    name: str, key: Any, cert: x509.Certificate, chain: tuple[x509.Certificate, ...]
) -> DepartmentSigningMaterial:
    sm2_key = sm2.generate_sm2_key()
    return DepartmentSigningMaterial(
        department_name=name,
        key=key,
        cert=cert,
        chain=chain,
        sm2_key=sm2_key,
        sm2_key_id=sm2.sm2_key_id(sm2_key.public_key()),
        verify_base_url="https://cecert.example",
    )


def lookalike_material(certificate: Certificate) -> DepartmentSigningMaterial:
    """A root with the platform root's very name, and under it a key with the department's name."""
    root_key, root_cert = keys.create_root_ca(signing_keys.ROOT_NAME)
    key, cert = keys.create_department_certificate(root_key, root_cert, certificate.issuer.name, "410100", 5)
    return _material(certificate.issuer.name, key, cert, (root_cert,))


def _tsa_stamper() -> Any:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from tests.tsa import tsa_certificate

    key, cert = tsa_certificate(keys.create_root_ca("测试时间戳根"))
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )


def lta_updates(pdf: bytes) -> bytes:
    """What a PAdES LTA tool appends: the validation data (DSS), then a document timestamp."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    from cecert.certificates.pdf.signing import _asn1_cert

    roots = [_asn1_cert(c) for c in signing_keys.trust_roots()]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    reader = PdfFileReader(io.BytesIO(pdf))
    with_dss = add_validation_info(reader.embedded_signatures[0], context, in_place=False).getvalue()
    writer = IncrementalPdfFileWriter(io.BytesIO(with_dss))
    return signers.PdfTimeStamper(_tsa_stamper()).timestamp_pdf(writer, "sha256", None, in_place=False).getvalue()


# ---------------------------------------------------------------- the corpus


def build_corpus(world: World, issued: dict[str, Certificate]) -> dict[str, tuple[bytes, str, str]]:
    """name → (file, expected status, expected reason). The target is the Jinshui holder's certificate."""
    target, sibling, luoyang = issued["emp_jinshui"], issued["emp_zhongyuan"], issued["emp_luoyang"]
    genuine = certificate_pdf(target).content
    snapshot = to_render_snapshot(target)
    real = signing_keys.signing_material(target.signing_key)
    luoyang_material = signing_keys.signing_material(luoyang.signing_key)
    foreign = lookalike_material(target)
    self_key, self_cert = _self_signed(target.issuer.name)

    # A certificate that is revoked (and reissued), its old file relabelled to a valid one.
    revoked_source = sibling
    revoked_pdf = certificate_pdf(revoked_source).content
    issuance.reissue_certificate(revoked_source, "测试：撤销后改标", by=world.users["hr_zhengzhou"])

    def signed_with(material: DepartmentSigningMaterial, **changes: Any) -> bytes:
        return render_and_sign(replace(snapshot, issuer_name=material.department_name, **changes), material).content

    unsigned = render_certificate_pdf(snapshot, seal=build_seal(target.issuer.name), qr_content="https://x/verify/qr")
    relabel_to_target = f"{snapshot.title}（{snapshot.year_label}）— {snapshot.holder_name}"
    tampered = "tampered"
    return {
        "byte edit in a content stream": (flip_content_byte(genuine), tampered, "digest_mismatch"),
        "/Info relabel to an existing serial": (relabel(genuine, sibling.serial), tampered, "modified_after_signing"),
        "/Info relabel to a non-existing serial": (
            relabel(genuine, f"{YEAR}-4101-9999999"),
            tampered,
            "modified_after_signing",
        ),
        "content stream replaced by an update": (replace_content(genuine), tampered, "modified_after_signing"),
        "annotation overlaid": (overlay_annotation(genuine), tampered, "modified_after_signing"),
        "form field overlaid": (overlay_form_field(genuine), tampered, "modified_after_signing"),
        "junk after %%EOF": (genuine + b"\n% appended\n1 0 obj << >> endobj\n", tampered, "not_whole_file"),
        "second signature by a foreign key": (
            sign_pdf(
                genuine,
                key=foreign.key,
                cert=foreign.cert,
                chain=foreign.chain,
                field_name="Seal2",
                reason="复核",
                location="郑州",
            ),
            tampered,
            "extra_signature",
        ),
        "re-signed under a look-alike root": (signed_with(foreign), tampered, "untrusted_signer"),
        "self-signed": (
            sign_pdf(unsigned, key=self_key, cert=self_cert, chain=(), reason="x", location="y"),
            tampered,
            "untrusted_signer",
        ),
        "signature stripped": (unsigned, tampered, "unsigned"),
        "signature zeroed": (zero_signature(genuine), tampered, "validation_error"),
        "relabel of a revoked certificate": (
            relabel(revoked_pdf, target.serial, title=relabel_to_target),
            tampered,
            "modified_after_signing",
        ),
        "another department's certificate relabelled to this serial": (
            relabel(certificate_pdf(luoyang).content, target.serial, title=relabel_to_target),
            tampered,
            "modified_after_signing",
        ),
        "this certificate sealed with another department's genuine key": (
            signed_with(luoyang_material),
            tampered,
            "wrong_key",
        ),
        "other hours sealed with the department's own key": (
            signed_with(real, total_hours=Decimal(200), professional_hours=Decimal(176)),
            tampered,
            "content_mismatch",
        ),
        "truncated file": (genuine[: len(genuine) * 2 // 3], tampered, "unreadable"),
        "oversized upload": (b"%PDF-1.7\n" + b"0" * MAX, tampered, "too_large"),
        "not a PDF": (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 64, tampered, "not_pdf"),
    }


@pytest.fixture
def corpus(world: World, issued: dict[str, Certificate]) -> dict[str, tuple[bytes, str, str]]:
    return build_corpus(world, issued)


def _outcomes(corpus: dict[str, tuple[bytes, str, str]], verify: Callable[[str, bytes], tuple[str, str]]) -> None:
    got = {name: verify(name, pdf) for name, (pdf, _status, _reason) in corpus.items()}
    assert got == {name: (status, reason) for name, (_pdf, status, reason) in corpus.items()}


# ---------------------------------------------------------------- every route refuses every forgery


def test_every_forgery_is_refused_by_the_domain(corpus: dict[str, tuple[bytes, str, str]]) -> None:
    def verify(name: str, pdf: bytes) -> tuple[str, str]:
        result = verification.verify_pdf_upload(pdf)
        assert result.certificates == (), name  # nothing of a certificate is shown for a forgery
        return result.status, result.reason

    _outcomes(corpus, verify)


def test_every_forgery_is_refused_by_the_cli(
    corpus: dict[str, tuple[bytes, str, str]], tmp_path: Path, capsys: Any
) -> None:
    def verify(name: str, pdf: bytes) -> tuple[str, str]:
        path = tmp_path / "upload.pdf"
        path.write_bytes(pdf)
        with pytest.raises(SystemExit) as exited:
            call_command("certificates", "verify", str(path))
        assert exited.value.code == 1, name
        out = json.loads(capsys.readouterr().out)
        return out["status"], out["reason"]

    _outcomes(corpus, verify)
    assert SuspiciousVerification.objects.filter(route="cli").count() == len(corpus)


def test_every_forgery_is_refused_by_the_upload_page(corpus: dict[str, tuple[bytes, str, str]]) -> None:
    client = Client()

    def verify(name: str, pdf: bytes) -> tuple[str, str]:
        page = client.post("/verify/upload", {"file": SimpleUploadedFile("c.pdf", pdf)}).content.decode()
        status = re.search(r'data-status="(\w+)"', page)
        assert status is not None, name
        reason = next((code for code, label in verification.REASONS.items() if label in page), "")
        assert "持证人" not in page, name  # no holder shown
        return status.group(1), reason

    _outcomes(corpus, verify)
    assert SuspiciousVerification.objects.filter(route="page_upload").count() == len(corpus)


def test_every_forgery_is_refused_by_the_api(corpus: dict[str, tuple[bytes, str, str]]) -> None:
    client = Client()

    def verify(name: str, pdf: bytes) -> tuple[str, str]:
        answer = client.post("/api/v1/certificates/verify/pdf", {"file": SimpleUploadedFile("c.pdf", pdf)})
        assert answer.status_code == 200, (name, answer.content[:300])
        body = answer.json()
        assert body["certificates"] == [], name
        return body["status"], body["reason"]

    _outcomes(corpus, verify)
    assert SuspiciousVerification.objects.filter(route="api_upload").count() == len(corpus)


# ---------------------------------------------------------------- genuine files still verify


def test_genuine_plain_and_with_pades_lta_updates(issued: dict[str, Certificate]) -> None:
    target = issued["emp_jinshui"]
    pdf = certificate_pdf(target).content
    for name, candidate in {"as issued": pdf, "DSS and document timestamp appended": lta_updates(pdf)}.items():
        result = verification.verify_pdf_upload(candidate)
        assert (result.status, result.certificate) == ("genuine", target), (name, result.detail)
    assert not SuspiciousVerification.objects.exists()


def test_revoked_and_reissued_chain_verifies_as_such(world: World, issued: dict[str, Certificate]) -> None:
    old = issued["emp_jinshui"]
    old_pdf = certificate_pdf(old).content
    new = issuance.reissue_certificate(old, "记录变更", by=world.users["hr_zhengzhou"])
    assert new is not None
    revoked = verification.verify_pdf_upload(old_pdf)
    assert revoked.status == "revoked" and revoked.as_dict()["certificates"][0]["replaced_by"] == new.serial
    assert verification.verify_pdf_upload(certificate_pdf(new).content).status == "genuine"
    assert not SuspiciousVerification.objects.exists()


def test_genuine_through_every_route(issued: dict[str, Certificate], tmp_path: Path, capsys: Any) -> None:
    target = issued["emp_jinshui"]
    pdf = certificate_pdf(target).content
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    call_command("certificates", "verify", str(path))
    assert json.loads(capsys.readouterr().out)["status"] == "genuine"
    page = Client().post("/verify/upload", {"file": SimpleUploadedFile("c.pdf", pdf)}).content.decode()
    assert 'data-status="genuine"' in page
    api = Client().post("/api/v1/certificates/verify/pdf", {"file": SimpleUploadedFile("c.pdf", pdf)}).json()
    assert (api["status"], api["certificates"][0]["serial"]) == ("genuine", target.serial)


def test_the_serial_shown_is_the_signed_one_never_the_relabel(issued: dict[str, Certificate]) -> None:
    """The reported attack: the relabel named another genuine serial and was answered "genuine" for it."""
    target, sibling = issued["emp_jinshui"], issued["emp_zhongyuan"]
    result = verification.verify_pdf_upload(relabel(certificate_pdf(target).content, sibling.serial))
    assert result.status == "tampered"
    assert (result.claimed_serial, result.signed_serial) == (sibling.serial, target.serial)
    assert sibling.serial not in json.dumps(result.as_dict()["certificates"])
