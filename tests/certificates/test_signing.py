"""PAdES signatures: pyHanko, poppler's pdfsig, and OpenSSL / cryptography over /ByteRange."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cecert.certificates.crypto import keys
from cecert.certificates.crypto.qr_payload import decode_and_verify
from cecert.certificates.pdf import render_and_sign, render_certificate_pdf, sign_pdf, verify_pdf
from cecert.certificates.pdf.seal import build_seal
from cecert.certificates.pdf.signing import department_signer

from .conftest import LUOYANG, annual_snapshot, needs, run_tool


@pytest.fixture(scope="module")
def signed(zhengzhou) -> bytes:
    return render_and_sign(annual_snapshot(), zhengzhou).content


def _flip(pdf: bytes, index: int) -> bytes:
    b = bytearray(pdf)
    b[index] ^= 0x01
    return bytes(b)


def _byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert m
    a, b, c, d = (int(x) for x in m.groups())
    return a, b, c, d


def _cms_and_signed_bytes(pdf: bytes) -> tuple[bytes, bytes]:
    a, b, c, d = _byte_range(pdf)
    signed_bytes = pdf[a : a + b] + pdf[c : c + d]
    hex_contents = pdf[a + b : c].strip()
    assert hex_contents[:1] == b"<" and hex_contents[-1:] == b">"
    der = bytes.fromhex(hex_contents[1:-1].decode("ascii"))
    # The placeholder is zero-padded; cut at the DER length of the outer SEQUENCE.
    length_octets = der[1] & 0x7F if der[1] & 0x80 else 0
    body = int.from_bytes(der[2 : 2 + length_octets], "big") if length_octets else der[1]
    return der[: 2 + length_octets + body], signed_bytes


def independent_check(pdf: bytes, root_cert: x509.Certificate) -> bool:
    """Re-verify without pyHanko: digest over /ByteRange and ECDSA over the signed attributes."""
    try:
        der, signed_bytes = _cms_and_signed_bytes(pdf)
        signed_data = cms.ContentInfo.load(der)["content"]
        signer_info = signed_data["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
        if attrs["message_digest"].native != hashlib.sha256(signed_bytes).digest():
            return False
        certs = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed_data["certificates"]]
        serial = signer_info["sid"].chosen["serial_number"].native
        signer_cert = next(c for c in certs if c.serial_number == serial)
        # Signed attributes are signed as an explicit SET OF (tag 0x31), not [0].
        signed_attrs = b"\x31" + signer_info["signed_attrs"].dump()[1:]
        signer_cert.public_key().verify(signer_info["signature"].native, signed_attrs, ec.ECDSA(hashes.SHA256()))
        signer_cert.verify_directly_issued_by(root_cert)
        return True
    except Exception:
        return False


def openssl_check(pdf: bytes, root_cert: x509.Certificate, tmp_path: Path) -> bool:
    """`openssl cms -verify` on the detached CMS with the root as the only trust anchor."""
    der, signed_bytes = _cms_and_signed_bytes(pdf)
    (tmp_path / "sig.der").write_bytes(der)
    (tmp_path / "content.bin").write_bytes(signed_bytes)
    (tmp_path / "root.pem").write_bytes(root_cert.public_bytes(serialization.Encoding.PEM))
    result = run_tool(
        "openssl", "cms", "-verify", "-binary", "-inform", "DER",
        "-in", str(tmp_path / "sig.der"), "-content", str(tmp_path / "content.bin"),
        "-CAfile", str(tmp_path / "root.pem"), "-purpose", "any", "-out", "/dev/null",
        check=False,
    )  # fmt: skip
    return result.returncode == 0 and "Verification successful" in result.stderr


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return run_tool("pdfsig", str(path), check=False).stdout


def test_pyhanko_says_genuine(signed, root, zhengzhou):
    result = verify_pdf(signed, trust_roots=[root[1]])
    assert result.status == "genuine", result.detail
    assert result.serial == "HA2024-0000012345"
    assert result.signer_certificate == zhengzhou.cert
    assert result.signer_key_id == keys.key_id(zhengzhou.cert)
    assert result.signing_time is not None


def test_signature_is_pades_and_invisible(signed):
    assert b"/SubFilter /ETSI.CAdES.detached" in signed
    assert re.search(rb"/Rect \[\s*0 0 0 0\s*\]", signed)


@needs("pdfsig")
def test_pdfsig_validates(signed, tmp_path):
    out = pdfsig(signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Total document signed" in out
    assert "ETSI.CAdES.detached" in out
    assert "郑州市人力资源和社会保障局" in out
    # No NSS database with our root (certutil is not installed): pdfsig checks
    # the signature cryptographically and reports the issuer as not trusted.
    assert "Certificate Validation:" in out


def test_independent_byte_range_check(signed, root):
    assert independent_check(signed, root[1])


@needs("openssl")
def test_openssl_cms_verify(signed, root, tmp_path):
    assert openssl_check(signed, root[1], tmp_path)


def _in_signed_ranges(pdf: bytes) -> list[int]:
    a, b, c, d = _byte_range(pdf)
    info_serial = pdf.index(b"HA2024-0000012345")  # /Subject in the document info
    return [a + b // 2, info_serial + 3, c + d // 2]


@needs("pdfsig")
def test_one_changed_byte_fails_everywhere(signed, root, tmp_path):
    for index in _in_signed_ranges(signed):
        tampered = _flip(signed, index)
        assert verify_pdf(tampered, trust_roots=[root[1]]).status == "tampered", index
        assert not independent_check(tampered, root[1]), index
        assert not openssl_check(tampered, root[1], tmp_path), index
        assert "Signature is Valid" not in pdfsig(tampered, tmp_path), index


def test_changing_the_signature_value_fails(signed, root):
    a, b, _, _ = _byte_range(signed)
    # Flip a hex digit inside the CMS (early: in the certificates / attributes).
    index = a + b + 200
    tampered = bytearray(signed)
    tampered[index] = ord("0") if tampered[index] != ord("0") else ord("1")
    assert verify_pdf(bytes(tampered), trust_roots=[root[1]]).status == "tampered"
    assert not independent_check(bytes(tampered), root[1])


def test_other_department_is_distinguishable(root, zhengzhou, luoyang):
    snapshot = annual_snapshot(issuer_name=LUOYANG)
    pdf = render_and_sign(snapshot, luoyang).content
    result = verify_pdf(pdf, trust_roots=[root[1]])
    # Chains to the platform root, so the signature is genuine - but the caller
    # sees it was Luoyang's key, not the issuing Zhengzhou department's.
    assert result.status == "genuine"
    assert result.signer_key_id == keys.key_id(luoyang.cert) != keys.key_id(zhengzhou.cert)
    assert result.signer_certificate.subject != zhengzhou.cert.subject


def test_forged_root_is_untrusted(root, forger):
    pdf = render_and_sign(annual_snapshot(), forger).content
    result = verify_pdf(pdf, trust_roots=[root[1]])
    assert result.status == "untrusted"
    assert result.signer_key_id != keys.key_id(forger.chain[0])
    assert not independent_check(pdf, root[1])


def test_unsigned(root, zhengzhou):
    pdf = render_certificate_pdf(annual_snapshot(), seal=build_seal(zhengzhou.department_name), qr_content="x")
    assert verify_pdf(pdf, trust_roots=[root[1]]).status == "unsigned"


def test_garbage_is_tampered(root):
    assert verify_pdf(b"%PDF-1.7 nonsense", trust_roots=[root[1]]).status == "tampered"


def test_incremental_update_after_signing_is_tampered(signed, root):
    """Appending a revision that rewrites the serial must not pass as genuine."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 100 Td (FAKE) Tj ET")
    page["/Contents"] = generic.ArrayObject([page["/Contents"], writer.add_object(stream)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust_roots=[root[1]])
    assert result.status == "tampered", result
    assert result.serial == "HA2024-0000012345"  # from the signed revision


def test_render_and_sign_refuses_another_departments_key(luoyang):
    with pytest.raises(ValueError, match="cannot be signed"):
        render_and_sign(annual_snapshot(), luoyang)


def test_signer_is_cached_and_checks_key_matches_cert(zhengzhou, luoyang):
    first = department_signer(zhengzhou.key, zhengzhou.cert, zhengzhou.chain)
    assert department_signer(zhengzhou.key, zhengzhou.cert, zhengzhou.chain) is first
    with pytest.raises(ValueError, match="does not belong"):
        department_signer(luoyang.key, zhengzhou.cert, zhengzhou.chain)


def test_rendered_interface_and_qr(zhengzhou, root):
    rendered = render_and_sign(annual_snapshot(), zhengzhou)
    assert rendered.content_type == "application/pdf"
    assert rendered.filename == "cecert-certificate-4101052024001-2024-v1.pdf"
    assert rendered.content.startswith(b"%PDF-")


def test_qr_payload_in_render_is_signed_by_department(zhengzhou):
    from cecert.certificates.crypto.qr_payload import encode_payload
    from cecert.certificates.pdf import qr_fields_for

    snapshot = annual_snapshot()
    payload = encode_payload(qr_fields_for(snapshot), zhengzhou.sm2_key, zhengzhou.sm2_key_id)
    fields, status = decode_and_verify(payload, {zhengzhou.sm2_key_id: zhengzhou.sm2_key.public_key()})
    assert status == "genuine" and fields is not None
    assert fields.masked_name == "欧**娜" and fields.total_hours == "90"


def test_version_bump_keeps_signing(zhengzhou, root):
    snapshot = replace(annual_snapshot(), version=2, replaces_serial="HA2024-0000012344")
    pdf = sign_pdf(
        render_certificate_pdf(snapshot, seal=build_seal(zhengzhou.department_name), qr_content="x"),
        key=zhengzhou.key,
        cert=zhengzhou.cert,
        chain=zhengzhou.chain,
        reason="test",
        location="郑州",
    )
    assert verify_pdf(pdf, trust_roots=[root[1]]).status == "genuine"
