"""Verification: PDF seal (pyHanko + an independent check), QR, number+name; wrong key = not genuine."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from cryptography import x509

from cecert.certificates.domain import issuance, signing_keys, verification
from cecert.certificates.domain.rendering import certificate_pdf, qr_payload, render_certificate, to_render_snapshot
from cecert.certificates.models import Certificate
from cecert.certificates.pdf import render_and_sign
from cecert.core.files import CERTIFICATES
from tests.certificates.factories import YEAR, full_year
from tests.certificates.test_signing import independent_check
from tests.factories import World
from tests.files import stored_names


@pytest.fixture
def issued(world: World) -> Certificate:
    person = world.people["emp_jinshui"]
    full_year(person)
    return issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])


def _root_cert() -> x509.Certificate:
    return signing_keys.trust_roots()[0]


def _flip(pdf: bytes, index: int) -> bytes:
    b = bytearray(pdf)
    b[index] ^= 0x01
    return bytes(b)


def test_pdf_is_genuine_for_pyhanko_and_the_independent_check(issued: Certificate) -> None:
    pdf = certificate_pdf(issued).content
    result = verification.verify_pdf_upload(pdf)
    assert result.status == "genuine"
    assert result.certificate == issued
    assert independent_check(pdf, _root_cert())


def test_one_changed_byte_fails_both(issued: Certificate) -> None:
    pdf = certificate_pdf(issued).content
    tampered = _flip(pdf, len(pdf) // 3)
    assert verification.verify_pdf_upload(tampered).status == "tampered"
    assert not independent_check(tampered, _root_cert())


def test_pdf_is_cached_per_version(issued: Certificate, settings: Any) -> None:
    first = certificate_pdf(issued)
    assert stored_names(CERTIFICATES) == [f"{issued.verification_id}-v1.pdf"]
    assert certificate_pdf(issued).content == first.content
    assert first.filename.endswith(f"{issued.person.certificate_number}-{YEAR}-v1.pdf")


def test_signed_with_another_departments_key_is_rejected(world: World, issued: Certificate) -> None:
    # Luoyang's genuine key (chained to the same root) signs Zhengzhou's certificate content.
    luoyang = signing_keys.current_key(world.orgs["hr_luoyang"])
    material = signing_keys.signing_material(luoyang)
    snapshot = to_render_snapshot(issued)
    with pytest.raises(ValueError):
        render_and_sign(snapshot, material)  # the library refuses outright
    from dataclasses import replace

    forged = render_and_sign(replace(snapshot, issuer_name=material.department_name), material).content
    result = verification.verify_pdf_upload(forged)
    assert result.status == "tampered"
    assert "issuing department" in result.detail


def test_signed_under_a_foreign_root_is_rejected(issued: Certificate, forger: Any) -> None:
    from dataclasses import replace

    snapshot = replace(to_render_snapshot(issued), issuer_name=forger.department_name)
    forged = render_and_sign(snapshot, forger).content
    assert verification.verify_pdf_upload(forged).status == "tampered"
    assert verification.verify_pdf_upload(b"not a pdf").status == "tampered"


def test_rotated_key_keeps_old_certificates_verifiable(world: World, issued: Certificate) -> None:
    pdf = certificate_pdf(issued).content
    signing_keys.rotate_key(world.orgs["hr_zhengzhou"])
    assert verification.verify_pdf_upload(pdf).status == "genuine"
    assert verification.verify_pdf_upload(render_certificate(issued).content).status == "genuine"
    statuses = {k["key_id"]: k["status"] for k in signing_keys.published_keys()["issuers"]}
    assert statuses[issued.signing_key.key_id] == "retired"


def test_qr_payload_genuine_tampered_and_revoked(world: World, issued: Certificate) -> None:
    payload = qr_payload(issued)
    assert verification.verify_qr(payload).status == "genuine"
    assert verification.verify_qr(f"http://x/verify/qr?p={payload}").status == "genuine"
    body, sig = payload[len("CEC1.") :].split(".")
    assert verification.verify_qr(f"CEC1.{body[:-2]}AA.{sig}").status == "tampered"
    assert verification.verify_qr("garbage").status == "tampered"
    new = issuance.reissue_certificate(issued, "测试撤销", by=world.users["hr_zhengzhou"])
    result = verification.verify_qr(payload)
    assert result.status == "revoked"
    assert result.as_dict()["certificates"][0]["replaced_by"] == new.serial


def test_qr_signed_by_another_departments_key_is_tampered(world: World, issued: Certificate) -> None:
    from cecert.certificates.crypto.qr_payload import encode_payload
    from cecert.certificates.pdf import qr_fields_for

    luoyang = signing_keys.signing_material(signing_keys.current_key(world.orgs["hr_luoyang"]))
    forged = encode_payload(qr_fields_for(to_render_snapshot(issued)), luoyang.sm2_key, luoyang.sm2_key_id)
    assert verification.verify_qr(forged).status == "tampered"


def test_number_and_name(world: World, issued: Certificate) -> None:
    person = issued.person
    assert verification.verify_by_number(issued.serial, person.name).status == "genuine"
    assert verification.verify_by_number(issued.serial, f" {person.name[0]} {person.name[1:]} ").status == "genuine"
    assert verification.verify_by_number(person.certificate_number, person.name).status == "genuine"
    view = verification.verify_by_number(issued.serial, person.name).as_dict()["certificates"][0]
    assert view["hours"] == {"public": "24", "professional": "72", "total": "96"}
    assert view["issuer"] == world.orgs["hr_zhengzhou"].name
    assert view["holder_name"] != person.name  # masked


def test_wrong_name_and_no_such_number_answer_the_same(
    world: World, issued: Certificate, django_assert_num_queries: Any
) -> None:
    wrong = verification.verify_by_number(issued.serial, "李四")
    missing = verification.verify_by_number("2025-4101-9999999", issued.person.name)
    assert wrong.as_dict() == missing.as_dict() == {"status": "not_found", "detail": "", "certificates": []}
    # the certificate, and a moved-in certificate (ADR 0023) looked for either way
    with django_assert_num_queries(2):
        verification.verify_by_number(issued.serial, "李四")
    with django_assert_num_queries(2):
        verification.verify_by_number("2025-4101-9999999", issued.person.name)

    def timing(number: str, name: str) -> float:
        samples = []
        for _ in range(40):
            start = time.perf_counter()
            verification.verify_by_number(number, name)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    t_wrong, t_missing = timing(issued.serial, "李四"), timing("2025-4101-9999999", "李四")
    assert abs(t_wrong - t_missing) < 0.5 * max(t_wrong, t_missing) + 0.002


def test_revoked_by_number_names_the_replacement(world: World, issued: Certificate) -> None:
    new = issuance.reissue_certificate(issued, "抽查撤销", by=world.users["hr_zhengzhou"])
    old = verification.verify_by_number(issued.serial, issued.person.name).as_dict()
    assert old["status"] == "revoked"
    assert old["certificates"][0]["replaced_by"] == new.serial
    assert old["certificates"][0]["revocation_reason"] == "抽查撤销"
    current = verification.verify_by_number(issued.person.certificate_number, issued.person.name)
    assert [c.serial for c in current.certificates] == [new.serial]


def test_completion_proof_verifies_the_same_way(world: World) -> None:
    person = world.people["emp_provincial"]
    full_year(person, YEAR - 1)
    full_year(person, YEAR)
    proof = issuance.issue_completion_proof(person, YEAR - 1, YEAR, by=person.user)
    assert proof.issuer == world.orgs["hr_province"]
    pdf = certificate_pdf(proof).content
    assert verification.verify_pdf_upload(pdf).status == "genuine"
    assert verification.verify_qr(qr_payload(proof)).status == "genuine"
    assert verification.verify_by_number(proof.serial, person.name).status == "genuine"
