"""PAdES B-T: with a timestamp server configured, the seal carries an RFC 3161 token that validates.

The timestamp server is a real HTTP endpoint on loopback answering RFC 3161 requests with
pyHanko's test TSA (RSA key, certificate with the critical timeStamping usage under the test root).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from cecert.certificates.pdf import DepartmentSigningMaterial, render_and_sign, verify_pdf

from .conftest import annual_snapshot


def _tsa_certificate(root: tuple[Any, Any]) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    root_key, root_cert = root
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试时间戳服务")]))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="module")
def timestamp_server(root: tuple[Any, Any]) -> Iterator[tuple[str, list[bytes]]]:
    """URL of a loopback RFC 3161 server and the list of requests it answered."""
    key, cert = _tsa_certificate(root)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )
    requests: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(body)
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", requests
    server.shutdown()


def test_with_a_timestamp_server_the_seal_is_b_t(
    zhengzhou: DepartmentSigningMaterial, root: tuple[Any, Any], timestamp_server: tuple[str, list[bytes]]
) -> None:
    url, requests = timestamp_server
    before = len(requests)
    pdf = render_and_sign(annual_snapshot(), replace(zhengzhou, timestamp_url=url)).content

    result = verify_pdf(pdf, trust_roots=[root[1]])

    assert result.status == "genuine", result.detail
    assert len(requests) > before  # (pyHanko also asks once per server to size the token)
    # the next certificate sealed through the same server costs it exactly one request
    asked = len(requests)
    again = render_and_sign(annual_snapshot(), replace(zhengzhou, timestamp_url=url)).content
    assert len(requests) == asked + 1
    assert verify_pdf(again, trust_roots=[root[1]]).timestamp_time is not None
    assert result.timestamp_time is not None
    assert abs(result.timestamp_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_without_a_timestamp_server_the_seal_is_b_b(
    zhengzhou: DepartmentSigningMaterial, root: tuple[Any, Any]
) -> None:
    result = verify_pdf(render_and_sign(annual_snapshot(), zhengzhou).content, trust_roots=[root[1]])
    assert (result.status, result.timestamp_time) == ("genuine", None)


def test_a_changed_byte_in_a_timestamped_seal_fails(
    zhengzhou: DepartmentSigningMaterial, root: tuple[Any, Any], timestamp_server: tuple[str, list[bytes]]
) -> None:
    pdf = bytearray(render_and_sign(annual_snapshot(), replace(zhengzhou, timestamp_url=timestamp_server[0])).content)
    pdf[len(pdf) // 3] ^= 0x01
    assert verify_pdf(bytes(pdf), trust_roots=[root[1]]).status == "tampered"
