"""Suspicious verifications (Article 15): recorded from every route, append-only, capped per client and
overall, seen by the issuing department only (404 for everyone else)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cecert.certificates.crypto import sm2
from cecert.certificates.crypto.qr_payload import PREFIX, encode_payload
from cecert.certificates.domain import issuance, signing_keys, suspicious, verification
from cecert.certificates.domain.rendering import certificate_pdf, qr_payload, to_render_snapshot
from cecert.certificates.models import Certificate, ImmutableError, SuspiciousVerification, VerificationRoute
from cecert.certificates.pdf import qr_fields_for
from tests.certificates.factories import YEAR, full_year
from tests.certificates.test_forgery_corpus import relabel
from tests.factories import World, logged_in


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Any) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (10_000, 60)}


@pytest.fixture
def issued(world: World) -> dict[str, Certificate]:
    out = {}
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang"):
        full_year(world.people[key])
        out[key] = issuance.issue_annual_certificate(world.people[key], YEAR, by=None)
    return out


def _relabelled(issued: dict[str, Certificate]) -> bytes:
    return relabel(certificate_pdf(issued["emp_jinshui"]).content, issued["emp_zhongyuan"].serial)


def _upload(client: Client, pdf: bytes) -> str:
    return client.post("/verify/upload", {"file": SimpleUploadedFile("c.pdf", pdf)}).content.decode()


# ---------------------------------------------------------------- what is recorded


def test_a_relabelled_upload_is_recorded_for_the_claimed_certificate(issued: dict[str, Certificate]) -> None:
    target, claimed = issued["emp_jinshui"], issued["emp_zhongyuan"]
    page = _upload(Client(REMOTE_ADDR="203.0.113.7"), _relabelled(issued))
    assert 'data-status="tampered"' in page and verification.REASONS["modified_after_signing"] in page
    row = SuspiciousVerification.objects.get()
    assert (row.claimed_serial, row.signed_serial, row.certificate, row.issuer) == (
        claimed.serial,
        target.serial,
        claimed,
        claimed.issuer,
    )
    assert (row.route, row.client_address, row.verdict, row.reason) == (
        VerificationRoute.PAGE_UPLOAD,
        "203.0.113.7",
        "tampered",
        "modified_after_signing",
    )
    assert len(row.file_sha256) == 64 and row.public_id is not None and row.created_at is not None


def test_the_client_address_behind_our_proxy_is_recorded(issued: dict[str, Certificate], settings: Any) -> None:
    settings.CECERT_TRUSTED_PROXIES = ["10.1.0.0/16"]
    client = Client(REMOTE_ADDR="10.1.0.5", HTTP_X_FORWARDED_FOR="198.51.100.4")
    client.post("/api/v1/certificates/verify/pdf", {"file": SimpleUploadedFile("c.pdf", _relabelled(issued))})
    assert SuspiciousVerification.objects.get().client_address == "198.51.100.4"


def test_qr_forgeries_are_recorded_from_page_api_and_cli(issued: dict[str, Certificate], capsys: Any) -> None:
    cert = issued["emp_jinshui"]
    body, sig = qr_payload(cert)[len(PREFIX) :].split(".")
    row = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    row[5] = "200"  # total hours
    body_json = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()
    edited = PREFIX + base64.urlsafe_b64encode(body_json).decode().rstrip("=") + "." + sig
    Client().get("/verify/qr", {"p": edited})
    Client().post("/api/v1/certificates/verify", {"qr": edited}, content_type="application/json")
    with pytest.raises(SystemExit):
        call_command("certificates", "verify-qr", edited)
    capsys.readouterr()
    rows = SuspiciousVerification.objects.order_by("pk")
    assert [r.route for r in rows] == ["qr_page", "qr_api", "qr_cli"]
    assert {(r.claimed_serial, r.certificate_id, r.reason) for r in rows} == {(cert.serial, cert.pk, "qr_invalid")}


def test_genuine_revoked_and_name_lookups_are_not_recorded(
    world: World, issued: dict[str, Certificate], tmp_path: Path, capsys: Any
) -> None:
    cert = issued["emp_jinshui"]
    client = Client()
    _upload(client, certificate_pdf(cert).content)
    client.get("/verify/qr", {"p": qr_payload(cert)})
    client.post("/verify/", {"number": cert.serial, "name": "李四"})  # wrong name: not found, not forged
    issuance.reissue_certificate(cert, "测试", by=world.users["hr_zhengzhou"])
    _upload(client, certificate_pdf(cert).content)  # revoked: genuine file, answered "revoked"
    assert not SuspiciousVerification.objects.exists()


# ---------------------------------------------------------------- append-only, capped


def test_records_are_append_only(issued: dict[str, Certificate]) -> None:
    _upload(Client(), _relabelled(issued))
    row = SuspiciousVerification.objects.get()
    row.reason = "x"
    with pytest.raises(ImmutableError):
        row.save()
    with pytest.raises(ImmutableError):
        row.delete()
    with pytest.raises(ImmutableError):
        SuspiciousVerification.objects.all().delete()
    with pytest.raises(ImmutableError):
        SuspiciousVerification.objects.update(reason="x")


def test_recording_is_capped_per_client_and_overall(issued: dict[str, Certificate], settings: Any) -> None:
    forged = _relabelled(issued)
    settings.CECERT_SUSPICIOUS_RECORDS = (2, 3, 3600)
    one, two, three = (Client(REMOTE_ADDR=f"192.0.2.{n}") for n in (1, 2, 3))
    answers = [_upload(one, forged) for _ in range(4)]
    assert all('data-status="tampered"' in a for a in answers)  # still answered, only not stored
    assert SuspiciousVerification.objects.filter(client_address="192.0.2.1").count() == 2
    _upload(two, forged)
    _upload(two, forged)
    _upload(three, forged)
    assert SuspiciousVerification.objects.count() == 3  # the overall cap
    assert 'data-status="tampered"' in _upload(three, forged)


def test_the_cap_is_per_window(issued: dict[str, Certificate], settings: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    settings.CECERT_SUSPICIOUS_RECORDS = (1, 100, 3600)
    result = verification.verify_pdf_upload(_relabelled(issued))
    first = suspicious.record(result, route=VerificationRoute.CLI, client="192.0.2.9")
    assert first is not None
    assert suspicious.record(result, route=VerificationRoute.CLI, client="192.0.2.9") is None
    # a window later the same client is recorded again
    later = timezone.now() + dt.timedelta(seconds=3601)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        assert suspicious.record(result, route=VerificationRoute.CLI, client="192.0.2.9") is not None


# ---------------------------------------------------------------- who sees them


def test_the_issuing_department_sees_records_others_get_404(world: World, issued: dict[str, Certificate]) -> None:
    claimed = issued["emp_zhongyuan"]
    _upload(Client(), _relabelled(issued))
    row = SuspiciousVerification.objects.get()

    zhengzhou = logged_in(world.users["hr_zhengzhou"])
    page = zhengzhou.get(f"/certificates/{claimed.verification_id}/").content.decode()
    assert 'id="suspicious"' in page and "（1）" in page and verification.REASONS["modified_after_signing"] in page
    listing = zhengzhou.get("/certificates/suspicious/").content.decode()
    assert str(row.public_id) in listing and 'id="suspicious-total">1<' in listing
    detail = zhengzhou.get(f"/certificates/suspicious/{row.public_id}/")
    assert detail.status_code == 200 and claimed.serial in detail.content.decode()
    dashboard = zhengzhou.get("/reports/").content.decode()
    assert 'data-figure="suspicious_total">1<' in dashboard

    luoyang = logged_in(world.users["hr_luoyang"])
    assert luoyang.get(f"/certificates/suspicious/{row.public_id}/").status_code == 404
    assert str(row.public_id) not in luoyang.get("/certificates/suspicious/").content.decode()
    assert 'data-figure="suspicious_total">0<' in luoyang.get("/reports/").content.decode()
    for key in ("hr_jinshui", "emp_jinshui"):  # not an issuing department; a holder
        user = world.users.get(key) or world.people[key].user
        other = logged_in(user)
        assert other.get(f"/certificates/suspicious/{row.public_id}/").status_code == 404
        assert other.get("/certificates/suspicious/").status_code == 404
    # the district office sees the certificate (jurisdiction) but not the department's record of forgeries
    district = logged_in(world.users["hr_jinshui"]).get(f"/certificates/{issued['emp_jinshui'].verification_id}/")
    assert district.status_code == 200 and 'id="suspicious"' not in district.content.decode()
    assert Client().get("/certificates/suspicious/").status_code == 302  # anonymous: to the login page


def test_foreign_sm2_key_and_other_departments_key_are_recorded(issued: dict[str, Certificate]) -> None:
    cert = issued["emp_jinshui"]
    fields = qr_fields_for(to_render_snapshot(cert))
    foreign = sm2.generate_sm2_key()
    luoyang = signing_keys.signing_material(issued["emp_luoyang"].signing_key)
    for text in (
        encode_payload(fields, foreign, sm2.sm2_key_id(foreign.public_key())),
        encode_payload(fields, luoyang.sm2_key, luoyang.sm2_key_id),
    ):
        Client().get("/verify/qr", {"p": text})
    assert [r.reason for r in SuspiciousVerification.objects.order_by("pk")] == ["qr_unknown_key", "qr_mismatch"]
    assert {r.certificate_id for r in SuspiciousVerification.objects.all()} == {cert.pk}


def test_a_forged_verification_opens_one_case_for_the_issuing_department(
    world: World, issued: dict[str, Certificate]
) -> None:
    from cecert.violations.enums import CaseKind, CaseSource
    from cecert.violations.models import Case

    claimed = issued["emp_zhongyuan"]
    _upload(Client(REMOTE_ADDR="203.0.113.7"), _relabelled(issued))
    row = SuspiciousVerification.objects.get()
    url = f"/violations/from-suspicious/{row.public_id}/"
    assert logged_in(world.users["hr_luoyang"]).post(url).status_code == 404  # another department
    zhengzhou = logged_in(world.users["hr_zhengzhou"])
    assert 'id="open-case"' in zhengzhou.get(f"/certificates/suspicious/{row.public_id}/").content.decode()
    first = zhengzhou.post(url)
    case = Case.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/violations/{case.pk}/"
    assert (case.kind, case.source, case.certificate_serial, case.person, case.suspicious_verification) == (
        CaseKind.FORGED,
        CaseSource.VERIFICATION,
        claimed.serial,
        claimed.person,
        str(row.public_id),
    )
    assert "203.0.113.7" in case.evidence and verification.REASONS["modified_after_signing"] in case.evidence
    zhengzhou.post(url)  # a second click opens nothing new
    assert Case.objects.count() == 1
