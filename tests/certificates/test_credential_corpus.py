"""Hostile credentials (ADR 0024): every forgery, edit and malformed upload is refused with its own
reason, through the domain, the page, the API and the CLI, and recorded like a forged PDF."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from jwcrypto import jwk as jw_jwk
from jwcrypto import jws as jw_jws

from cecert.certificates.domain import credentials, issuance, verification
from cecert.certificates.domain.credential_verification import MAX_CREDENTIAL_BYTES, verify_credential
from cecert.certificates.domain.signing_keys import current_key, rotate_key, signing_material
from cecert.certificates.models import Certificate, SigningKey, SuspiciousVerification, VerificationRoute
from tests.certificates.factories import YEAR

pytestmark = pytest.mark.usefixtures("unlimited_verification")


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64d(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _signed_with(private_key: Any, header: dict[str, Any], payload: bytes) -> str:
    """Signed by jwcrypto (not our code), with whatever key and header a forger chooses."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jw_jws.JWS(payload)
    token.add_signature(jw_jwk.JWK.from_pem(pem), alg=header["alg"], protected=json.dumps(header))
    return str(token.serialize(compact=True))


def _changed_payload(forge: Forge) -> str:
    """One byte of the signed payload changed (the JSON still reads: the record names the certificate)."""
    payload = _b64d(forge.payload_b64).replace(b'"VerifiableCredential"', b'"VerifiableCredentiaL"', 1)
    return f"{forge.header_b64}.{_b64e(payload)}.{forge.signature_b64}"


def _flip(segment: str, at: int) -> str:
    swapped = "A" if segment[at] != "A" else "B"
    return segment[:at] + swapped + segment[at + 1 :]


class Forge:
    """The genuine credential of the Jinshui certificate and the material a forger could have."""

    def __init__(self, issued_annual: dict[str, Certificate]) -> None:
        self.certificate = issued_annual["emp_jinshui"]
        self.other = issued_annual["emp_luoyang"]
        self.token = credentials.export_credential(self.certificate, by=None)
        self.header_b64, self.payload_b64, self.signature_b64 = self.token.split(".")
        self.header = json.loads(_b64d(self.header_b64))
        self.credential = json.loads(_b64d(self.payload_b64))
        self.key = current_key(self.certificate.issuer)
        self.private = signing_material(self.key).key

    def with_payload(self, change: Callable[[dict[str, Any]], None]) -> str:
        """Re-signed with the department's real key after ``change``: only the register can tell."""
        credential = json.loads(json.dumps(self.credential))
        change(credential)
        return credentials.sign(credential, self.key)


def _expired(c: dict[str, Any]) -> None:
    c["validUntil"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0).isoformat()


def _future(c: dict[str, Any]) -> None:
    c["validFrom"] = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0).isoformat()


def _more_hours(c: dict[str, Any]) -> None:
    c["credentialSubject"]["result"][2]["value"] = "200"


def _unknown_id(c: dict[str, Any]) -> None:
    c["id"] = f"urn:uuid:{uuid.uuid4()}"


def _no_achievement(c: dict[str, Any]) -> None:
    del c["credentialSubject"]["achievement"]


def _other_index(c: dict[str, Any]) -> None:
    c["credentialStatus"]["statusListIndex"] = "77"


def _issuer_as_url(c: dict[str, Any]) -> None:
    c["issuer"] = c["issuer"]["id"]


def _deep(c: dict[str, Any]) -> None:
    nested: dict[str, Any] = {}
    node = nested
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    c["credentialSubject"]["achievement"]["criteria"]["nested"] = nested


# (name, how to build the upload from the genuine material, status, reason)
CORPUS: list[tuple[str, Callable[[Forge], bytes], str, str]] = [
    ("genuine compact JWS", lambda f: f.token.encode(), "genuine", ""),
    (
        "genuine, enveloped in JSON",
        lambda f: json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": "data:application/vc+jwt," + f.token,
                "type": "EnvelopedVerifiableCredential",
            }
        ).encode(),
        "genuine",
        "",
    ),
    ("a changed byte in the payload", lambda f: _changed_payload(f).encode(), "tampered", "vc_bad_signature"),
    ("a changed byte in the signature",
     lambda f: f"{f.header_b64}.{f.payload_b64}.{_flip(f.signature_b64, 10)}".encode(), "tampered", "vc_bad_signature"),
    ("the signature cut off", lambda f: f"{f.header_b64}.{f.payload_b64}.".encode(), "tampered", "vc_bad_signature"),
    ("truncated", lambda f: f.token[: len(f.token) // 2].encode(), "tampered", "vc_not_credential"),
    ("alg none", lambda f: (_b64e(json.dumps(f.header | {"alg": "none"}).encode()) + f".{f.payload_b64}.").encode(),
     "tampered", "vc_bad_algorithm"),
    (
        "HS256 keyed with the published public key",
        lambda f: _hs256_with_public_key(f).encode(),
        "tampered",
        "vc_bad_algorithm",
    ),
    (
        "a foreign key under the real kid",
        lambda f: _signed_with(ec.generate_private_key(ec.SECP256R1()), f.header, _b64d(f.payload_b64)).encode(),
        "tampered",
        "vc_bad_signature",
    ),
    ("kid missing", lambda f: _signed_with(f.private, {"alg": "ES256", "typ": "vc+jwt"}, _b64d(f.payload_b64)).encode(),
     "tampered", "vc_no_key"),
    (
        "kid unknown",
        lambda f: _signed_with(f.private, f.header | {"kid": f.header["kid"][:-4] + "0000"}, _b64d(f.payload_b64))
        .encode(),
        "tampered",
        "vc_unknown_key",
    ),
    ("typ JWT", lambda f: _signed_with(f.private, f.header | {"typ": "JWT"}, _b64d(f.payload_b64)).encode(),
     "tampered", "vc_bad_header"),
    (
        "another department's key claiming this department as issuer",
        lambda f: _signed_with(
            signing_material(current_key(f.other.issuer)).key,
            f.header | {"kid": credentials.key_reference("410300", current_key(f.other.issuer).key_id)},
            _b64d(f.payload_b64),
        ).encode(),
        "tampered",
        "vc_wrong_issuer",
    ),
    ("expired", lambda f: f.with_payload(_expired).encode(), "tampered", "vc_expired"),
    ("not yet valid", lambda f: f.with_payload(_future).encode(), "tampered", "vc_not_yet_valid"),
    ("more hours, re-signed with the department's own key", lambda f: f.with_payload(_more_hours).encode(),
     "tampered", "content_mismatch"),
    ("another status place, re-signed", lambda f: f.with_payload(_other_index).encode(), "tampered",
     "vc_status_mismatch"),
    ("an id the register does not hold", lambda f: f.with_payload(_unknown_id).encode(), "not_found", "unknown_serial"),
    # the same facts, the issuer as its URL alone (VC 2.0 allows it), signed by the issuer: still genuine
    ("the issuer as its URL alone, re-signed", lambda f: f.with_payload(_issuer_as_url).encode(), "genuine", ""),
    ("no achievement (schema)", lambda f: f.with_payload(_no_achievement).encode(), "tampered", "vc_schema"),
    ("deeply nested, signed", lambda f: f.with_payload(_deep).encode(), "tampered", "vc_bad_json"),
    (
        "duplicate keys in the signed payload",
        lambda f: _signed_with(
            f.private, f.header, _b64d(f.payload_b64)[:-1] + b',"id":"urn:uuid:' + str(uuid.uuid4()).encode() + b'"}'
        ).encode(),
        "tampered",
        "vc_bad_json",
    ),
    ("duplicate keys in the JSON envelope",
     lambda f: ('{"type":"EnvelopedVerifiableCredential","id":"x","id":"data:application/vc+jwt,' + f.token + '"}')
     .encode(),
     "tampered", "vc_bad_json"),
    ("deeply nested JSON", lambda f: b"[" * 50_000, "tampered", "vc_bad_json"),
    ("the bare credential without a proof", lambda f: json.dumps(f.credential).encode(), "tampered", "vc_unsigned"),
    ("not UTF-8", lambda f: b"\xff\xfe" + f.token.encode("utf-16-le"), "tampered", "vc_not_utf8"),
    ("oversized", lambda f: f.token.encode() + b" " * MAX_CREDENTIAL_BYTES, "tampered", "vc_too_large"),
    ("garbage", lambda f: b"hello, verifier", "tampered", "vc_not_credential"),
    ("NaN in the envelope", lambda f: b'{"type":"EnvelopedVerifiableCredential","id":NaN}', "tampered", "vc_bad_json"),
]  # fmt: skip


def _hs256_with_public_key(forge: Forge) -> str:
    public_pem = forge.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = jw_jwk.JWK(kty="oct", k=_b64e(public_pem))
    token = jw_jws.JWS(_b64d(forge.payload_b64))
    token.add_signature(key, alg="HS256", protected=json.dumps(forge.header | {"alg": "HS256"}))
    return str(token.serialize(compact=True))


IDS = [name for name, *_ in CORPUS]


@pytest.mark.parametrize(("name", "build", "status", "reason"), CORPUS, ids=IDS)
def test_every_credential_in_the_corpus_through_the_domain(
    issued_annual: dict[str, Certificate], name: str, build: Callable[[Forge], bytes], status: str, reason: str
) -> None:
    result = verify_credential(build(Forge(issued_annual)))
    assert (result.status, result.reason) == (status, reason), result.detail
    if reason:
        chinese, _, english = result.detail.partition(" / ")
        assert chinese == verification.REASONS[reason] and english  # loud, in Chinese, with the English beside it


@pytest.mark.parametrize(("name", "build", "status", "reason"), CORPUS, ids=IDS)
def test_every_credential_in_the_corpus_through_the_page(
    issued_annual: dict[str, Certificate], name: str, build: Callable[[Forge], bytes], status: str, reason: str
) -> None:
    upload = SimpleUploadedFile("credential.jwt", build(Forge(issued_annual)), content_type="application/vc+jwt")
    page = Client().post("/verify/credential", {"credential_file": upload}).content.decode()
    assert f'data-status="{status}"' in page
    if status == "tampered":  # the page names why (a not-found page says only that, like the PDF route)
        assert verification.REASONS[reason] in page
    elif status == "genuine":
        assert issued_annual["emp_jinshui"].serial in page


def test_pasted_text_is_verified_like_a_file(issued_annual: dict[str, Certificate]) -> None:
    forge = Forge(issued_annual)
    page = Client().post("/verify/credential", {"credential": "\n " + forge.token + "\n"}).content.decode()
    assert 'data-status="genuine"' in page and forge.certificate.serial in page
    page = Client().post("/verify/credential", {"credential": ""}).content.decode()
    assert 'data-status="tampered"' in page and verification.REASONS["vc_not_credential"] in page
    assert not SuspiciousVerification.objects.exists()  # an empty form is no forgery
    page = Client().post("/verify/credential", {"credential": "x" * (MAX_CREDENTIAL_BYTES + 10)}).content.decode()
    assert verification.REASONS["vc_too_large"] in page


BY_NAME = {name: (build, status, reason) for name, build, status, reason in CORPUS}
API_SAMPLE = ["genuine compact JWS", "a changed byte in the payload", "alg none",
              "another department's key claiming this department as issuer", "another status place, re-signed",
              "duplicate keys in the JSON envelope"]  # fmt: skip
CLI_SAMPLE = ["genuine compact JWS", "genuine, enveloped in JSON", "a changed byte in the signature",
              "a foreign key under the real kid", "expired", "garbage"]  # fmt: skip


@pytest.mark.parametrize("name", API_SAMPLE)
def test_a_sample_of_the_corpus_through_the_api(issued_annual: dict[str, Certificate], name: str) -> None:
    build, status, reason = BY_NAME[name]
    upload = SimpleUploadedFile("credential.jwt", build(Forge(issued_annual)))
    answer = Client().post("/api/v1/certificates/verify/credential", {"file": upload}).json()
    assert (answer["status"], answer.get("reason", "")) == (status, reason)


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_a_sample_of_the_corpus_through_the_cli(
    issued_annual: dict[str, Certificate], name: str, tmp_path: Path, capsys: Any
) -> None:
    build, status, reason = BY_NAME[name]
    path = tmp_path / "credential.jwt"
    path.write_bytes(build(Forge(issued_annual)))
    code = 0
    try:
        call_command("certificates", "verify", str(path))
    except SystemExit as exc:
        code = int(exc.code or 0)
    answer = json.loads(capsys.readouterr().out)
    assert (answer["status"], answer.get("reason", ""), code) == (status, reason, 0 if status == "genuine" else 1)


def test_a_revoked_certificate_answers_revoked_with_its_successor(issued_annual: dict[str, Certificate]) -> None:
    forge = Forge(issued_annual)
    successor = issuance.reissue_certificate(forge.certificate, "换发", by=None)
    assert successor is not None
    result = verify_credential(forge.token.encode())
    assert result.status == "revoked"
    assert result.public_views()[0]["replaced_by"] == successor.serial


def test_a_credential_signed_after_its_key_was_retired_is_refused(issued_annual: dict[str, Certificate]) -> None:
    forge = Forge(issued_annual)
    rotate_key(forge.certificate.issuer)
    # retired the very second the genuine credential was signed: it was signed while the key was current
    signed_at = dt.datetime.fromtimestamp(forge.credential["iat"], dt.UTC)
    SigningKey.objects.filter(pk=forge.key.pk).update(retired_at=signed_at)
    assert verify_credential(forge.token.encode()).status == "genuine"
    late = json.dumps(forge.credential | {"iat": forge.credential["iat"] + 5}).encode()
    result = verify_credential(_signed_with(forge.private, forge.header, late).encode())
    assert (result.status, result.reason) == ("tampered", "vc_key_retired")


def test_forged_credentials_are_recorded_for_the_issuing_department(issued_annual: dict[str, Certificate]) -> None:
    forge = Forge(issued_annual)
    forged = _changed_payload(forge).encode()
    Client(REMOTE_ADDR="203.0.113.9").post(
        "/verify/credential", {"credential_file": SimpleUploadedFile("c.jwt", forged)}
    )
    row = SuspiciousVerification.objects.get()
    assert (row.route, row.reason, row.certificate, row.issuer, row.client_address) == (
        VerificationRoute.CREDENTIAL_PAGE,
        "vc_bad_signature",
        forge.certificate,
        forge.certificate.issuer,
        "203.0.113.9",
    )
    assert row.reason_label == verification.REASONS["vc_bad_signature"]
    Client().post("/verify/credential", {"credential_file": SimpleUploadedFile("c.jwt", forge.token.encode())})
    assert SuspiciousVerification.objects.count() == 1  # a genuine one is not


def test_a_genuine_credential_stays_genuine_when_the_year_row_changes_later(
    issued_annual: dict[str, Certificate],
) -> None:
    """The policy named in the criteria comes from the year row at export; verification compares the
    snapshot's facts only, so a later change of that row does not turn an exported credential false."""
    from cecert.records.models import PersonYear

    forge = Forge(issued_annual)
    rows = PersonYear.objects.filter(person=forge.certificate.person, year=YEAR)
    assert rows.update(policy_id="henan-changed@2030-01-01") == 1
    assert verify_credential(forge.token.encode()).status == "genuine"
    criteria = forge.credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert "henan-changed" not in criteria and f"认定所依据的学时政策：{YEAR}年：" in criteria
