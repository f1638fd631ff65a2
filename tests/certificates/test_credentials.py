"""Portable credentials (ADR 0024): what is exported, that it meets 1EdTech's schema, that any verifier
can check it without our code (jwcrypto, ``cryptography`` alone, ``gzip``), and the status lists."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
from importlib import resources
from typing import Any

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.db import connection
from django.test import Client
from jwcrypto import jwk as jw_jwk
from jwcrypto import jws as jw_jws

from cecert.certificates.domain import credentials, issuance
from cecert.certificates.domain.credential_verification import verify_credential
from cecert.certificates.models import STATUS_LIST_BITS, Certificate, CredentialStatusEntry
from cecert.policies.domain.registry import policy_title
from cecert.records.models import PersonYear
from tests.certificates.factories import YEAR, full_year
from tests.factories import World

DATA = resources.files("cecert.certificates").joinpath("data")


pytestmark = pytest.mark.usefixtures("unlimited_verification")


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _payload(token: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_b64(token.split(".")[1]))
    return result


def _published_jwk(kid: str) -> jw_jwk.JWK:
    """The key as any verifier gets it: from the published JWKS, read by jwcrypto."""
    keyset = jw_jwk.JWKSet.from_json(Client().get("/verify/jwks.json").content.decode())
    key = keyset.get_key(kid)
    assert key is not None, kid
    return key


def _jwcrypto_verified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header = json.loads(_b64(token.split(".")[0]))
    verifier = jw_jws.JWS()
    verifier.deserialize(token)
    verifier.verify(_published_jwk(header["kid"]), alg="ES256")
    return header, json.loads(verifier.payload)


# ---------------------------------------------------------------- the schema file


def test_the_schema_is_1edtechs_file_at_the_recorded_version() -> None:
    readme = DATA.joinpath("OPENBADGES_SCHEMA_README.md").read_text("utf-8")
    digest = hashlib.sha256(DATA.joinpath(credentials.SCHEMA_FILE).read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    assert "c73e9663afcdbe009a224f7be061ac895168a5b8" in readme
    assert "SPECIFICATION DOCUMENT LICENSE" in DATA.joinpath("OPENBADGES_LICENSE.md").read_text("utf-8")
    schema = json.loads(DATA.joinpath(credentials.SCHEMA_FILE).read_text("utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/draft/2019-09/schema")
    jsonschema.Draft201909Validator.check_schema(schema)


# ---------------------------------------------------------------- what is exported


def test_an_exported_credential_meets_the_schema_and_verifies_with_jwcrypto(
    issued_annual: dict[str, Certificate],
) -> None:
    certificate = issued_annual["emp_jinshui"]
    token = credentials.export_credential(certificate, by=None)
    header, credential = _jwcrypto_verified(token)
    assert header["alg"] == "ES256" and header["typ"] == "vc+jwt" and header["cty"] == "vc"
    assert header["kid"] == f"{credential['issuer']['id']}#{certificate.issuer.signing_keys.get().key_id}"
    # 1EdTech's schema through jsonschema's own draft 2019-09 class, not our wrapper
    schema = json.loads(DATA.joinpath(credentials.SCHEMA_FILE).read_text("utf-8"))
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(credential)) == []
    assert credential["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["id"] == f"urn:uuid:{certificate.verification_id}"
    assert credential["issuer"]["id"].endswith("/verify/issuers/410100")
    assert credential["issuer"]["name"] == certificate.snapshot["issuer"]["name"]
    assert (credential["iss"], credential["jti"]) == (credential["issuer"]["id"], credential["id"])
    hours = {r["resultDescription"].rsplit(":", 1)[1]: r["value"] for r in credential["credentialSubject"]["result"]}
    assert hours == {
        "public": certificate.snapshot["hours"]["public"],
        "professional": certificate.snapshot["hours"]["professional"],
        "total": certificate.snapshot["hours"]["total"],
        "met": "已达到要求" if certificate.snapshot["met"] else "未达到要求",
    }
    criteria = credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert "豫人社[2017]121号" in criteria and certificate.snapshot["required"]["total"] in criteria
    # the filed policy that judged the year, by title and version key
    row = PersonYear.objects.get(person=certificate.person, year=YEAR)
    assert f"{YEAR}年：{policy_title(row.policy_id)}（{row.policy_id}）" in criteria
    assert row.policy_id in credential["credentialSubject"]["achievement"]["tag"]


def test_the_holder_is_named_and_the_id_number_only_salted_and_hashed(issued_annual: dict[str, Certificate]) -> None:
    certificate = issued_annual["emp_jinshui"]
    person = certificate.person
    first = _payload(credentials.export_credential(certificate, by=None))
    second = _payload(credentials.export_credential(certificate, by=None))
    by_type = {i["identityType"]: i for i in first["credentialSubject"]["identifier"]}
    assert by_type["name"] == {"type": "IdentityObject", "identityType": "name", "hashed": False,
                               "identityHash": person.name}  # fmt: skip
    hashed = by_type["nationalIdentityNumber"]
    assert hashed["hashed"] is True
    # the holder proves it: the verifier hashes the number shown to them with the disclosed salt
    expected = "sha256$" + hashlib.sha256((person.id_number + hashed["salt"]).encode()).hexdigest()
    assert hashed["identityHash"] == expected
    # a salt per export: two exports are not linkable by the hash
    other = {i["identityType"]: i for i in second["credentialSubject"]["identifier"]}["nationalIdentityNumber"]
    assert other["salt"] != hashed["salt"] and other["identityHash"] != hashed["identityHash"]
    text = json.dumps(first, ensure_ascii=False)
    for undisclosed in (person.id_number, person.id_number_masked, person.employer.name, person.certificate_number):
        assert undisclosed not in text
    if person.user is not None and person.user.phone:
        assert person.user.phone not in text


def test_the_signature_checks_with_cryptography_alone(issued_annual: dict[str, Certificate]) -> None:
    """No JOSE library at all: the department certificate from keys.json and ECDSA over header.payload."""
    certificate = issued_annual["emp_zhongyuan"]
    token = credentials.export_credential(certificate, by=None)
    header_b64, payload_b64, signature_b64 = token.split(".")
    kid = json.loads(_b64(header_b64))["kid"]
    published = Client().get("/verify/keys.json").json()
    issuer = next(i for i in published["issuers"] if kid.endswith("#" + i["key_id"]))
    assert issuer["region_code"] == "410100"
    public = x509.load_pem_x509_certificate(issuer["certificate_pem"].encode()).public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    raw = _b64(signature_b64)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))


def test_a_completion_proof_is_exported_with_each_year(world: World) -> None:
    person = world.people["emp_jinshui"]
    full_year(person, YEAR - 1)
    full_year(person, YEAR)
    proof = issuance.issue_completion_proof(person, YEAR - 1, YEAR, by=None)
    token = credentials.export_credential(proof, by=None)
    _header, credential = _jwcrypto_verified(token)
    assert credentials.schema_errors(credential) == []
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "CertificateOfCompletion"
    years = [r["achievedLevel"] for r in credential["credentialSubject"]["result"] if "achievedLevel" in r]
    assert years == [f"{YEAR - 1}年", f"{YEAR}年"]
    assert verify_credential(token.encode()).status == "genuine"


# ---------------------------------------------------------------- keys and issuers


def test_the_issuer_id_resolves_to_the_profile_with_its_keys(issued_annual: dict[str, Certificate]) -> None:
    token = credentials.export_credential(issued_annual["emp_luoyang"], by=None)
    credential = _payload(token)
    kid = json.loads(_b64(token.split(".")[0]))["kid"]
    path = credential["issuer"]["id"].split("://", 1)[1].split("/", 1)[1]
    profile = Client().get("/" + path).json()
    assert profile["id"] == credential["issuer"]["id"] and profile["type"] == ["Profile"]
    method = next(m for m in profile["verificationMethod"] if m["id"] == kid)
    assert method["publicKeyJwk"] == _published_jwk(kid).export_public(as_dict=True) | {
        k: method["publicKeyJwk"][k] for k in ("kid", "use", "alg", "x5c")
    }
    assert kid in profile["assertionMethod"]
    assert "d" not in method["publicKeyJwk"]  # never the private half
    # the x5c chain binds the key to the department under the platform root
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in method["publicKeyJwk"]["x5c"]]
    chain[0].verify_directly_issued_by(chain[1])
    assert chain[0].subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value == "410300"


@pytest.mark.parametrize(
    "code", ["999999", "410105", "abc"]
)  # unknown; a district HR department (not an issuer); garbage
def test_only_issuing_departments_have_an_issuer_profile(world: World, code: str) -> None:
    assert Client().get(f"/verify/issuers/{code}").status_code == 404


# ---------------------------------------------------------------- status lists


def _status_bits(url: str) -> bytes:
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = Client().get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    _header, listed = _jwcrypto_verified(response.content.decode())
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url, no padding
    bits = gzip.decompress(_b64(encoded[1:]))
    assert len(bits) >= 16 * 1024
    return bits


def _bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1  # index 0 is the left-most bit


def test_revocation_and_replacement_set_the_bit_any_verifier_reads(issued_annual: dict[str, Certificate]) -> None:
    a, b = issued_annual["emp_jinshui"], issued_annual["emp_zhongyuan"]  # both Zhengzhou's
    status_a = _payload(credentials.export_credential(a, by=None))["credentialStatus"]
    status_b = _payload(credentials.export_credential(b, by=None))["credentialStatus"]
    assert status_a["type"] == "BitstringStatusListEntry" and status_a["statusPurpose"] == "revocation"
    assert status_a["statusListCredential"] == status_b["statusListCredential"]
    index_a, index_b = int(status_a["statusListIndex"]), int(status_b["statusListIndex"])
    assert {index_a, index_b} == {0, 1}
    bits = _status_bits(status_a["statusListCredential"])
    assert (_bit(bits, index_a), _bit(bits, index_b)) == (0, 0)
    issuance.revoke_certificate(a, "发证错误", by=None)
    bits = _status_bits(status_a["statusListCredential"])
    assert (_bit(bits, index_a), _bit(bits, index_b)) == (1, 0)
    replacement = issuance.reissue_certificate(b, "换发", by=None)
    assert replacement is not None
    bits = _status_bits(status_a["statusListCredential"])
    assert (_bit(bits, index_a), _bit(bits, index_b)) == (1, 1)
    new_status = _payload(credentials.export_credential(replacement, by=None))["credentialStatus"]
    assert _bit(_status_bits(new_status["statusListCredential"]), int(new_status["statusListIndex"])) == 0


def test_an_empty_or_unknown_status_list_is_404(issued_annual: dict[str, Certificate]) -> None:
    credentials.export_credential(issued_annual["emp_jinshui"], by=None)
    assert Client().get("/verify/issuers/410100/status/0").status_code == 200
    assert Client().get("/verify/issuers/410100/status/1").status_code == 404
    assert Client().get("/verify/issuers/410300/status/0").status_code == 404  # nothing exported there


def test_a_place_is_allocated_once_and_lists_roll_over(issued_annual: dict[str, Certificate]) -> None:
    a, b = issued_annual["emp_jinshui"], issued_annual["emp_zhongyuan"]
    first = credentials.status_entry(a)
    assert credentials.status_entry(a).pk == first.pk
    second = credentials.status_entry(b)
    assert (first.sequence, second.sequence) == (0, 1)
    assert credentials.status_entry(issued_annual["emp_luoyang"]).sequence == 0  # per department
    # the place after the last of a list opens the next list at index 0
    rolled = CredentialStatusEntry(certificate=a, department=a.issuer, sequence=STATUS_LIST_BITS)
    assert (rolled.list_number, rolled.index) == (1, 0)


def test_the_bitstring_is_the_standard_encoding() -> None:
    encoded = credentials.encoded_bitstring([0, 9, STATUS_LIST_BITS - 1])
    bits = gzip.decompress(_b64(encoded[1:]))
    assert len(bits) == STATUS_LIST_BITS // 8
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert sum(bin(byte).count("1") for byte in bits) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_exports_take_distinct_consecutive_places() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from tests.factories import build_world

    world = build_world()
    people = ["emp_jinshui", "emp_zhongyuan"]
    certificates = []
    for key in people:
        full_year(world.people[key])
        certificates.append(issuance.issue_annual_certificate(world.people[key], YEAR, by=None))
    barrier = threading.Barrier(len(certificates))
    errors: list[BaseException] = []

    def export(certificate: Certificate) -> None:
        try:
            barrier.wait()
            credentials.status_entry(certificate)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=export, args=(c,)) for c in certificates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sequences = sorted(
        CredentialStatusEntry.objects.filter(certificate__in=certificates).values_list("sequence", flat=True)
    )
    assert sequences == [0, 1]
