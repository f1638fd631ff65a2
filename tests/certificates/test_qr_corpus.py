"""Hostile QR payloads (SM2), generated from a real issued certificate: each refused with one verdict and
reason through the domain, ``/verify/qr``, the API and ``cecert certificates verify-qr``."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from cecert.certificates.crypto import sm2
from cecert.certificates.crypto.qr_payload import PREFIX, encode_payload
from cecert.certificates.domain import issuance, signing_keys, verification
from cecert.certificates.domain.rendering import qr_payload, to_render_snapshot
from cecert.certificates.models import Certificate, SuspiciousVerification
from cecert.certificates.pdf import qr_fields_for
from tests.certificates.factories import YEAR, full_year
from tests.factories import World


@pytest.fixture(autouse=True)
def _generous_limits(settings: Any) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (10_000, 60)}
    settings.CECERT_SUSPICIOUS_RECORDS = (10_000, 10_000, 3600)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _edited(payload: str, index: int, value: Any) -> str:
    """The payload with one field of the signed body changed, the original signature kept."""
    body, sig = payload[len(PREFIX) :].split(".")
    row = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    row[index] = value
    return f"{PREFIX}{_b64(json.dumps(row, ensure_ascii=False, separators=(',', ':')).encode())}.{sig}"


@pytest.fixture
def corpus(world: World) -> dict[str, tuple[str, str]]:
    """name → (text, expected reason); every verdict is "tampered"."""
    for key in ("emp_jinshui", "emp_luoyang"):
        full_year(world.people[key])
    cert: Certificate = issuance.issue_annual_certificate(world.people["emp_jinshui"], YEAR, by=None)
    luoyang_cert = issuance.issue_annual_certificate(world.people["emp_luoyang"], YEAR, by=None)
    genuine = qr_payload(cert)
    fields = qr_fields_for(to_render_snapshot(cert))
    foreign = sm2.generate_sm2_key()
    luoyang = signing_keys.signing_material(luoyang_cert.signing_key)
    body, sig = genuine[len(PREFIX) :].split(".")
    return {
        "truncated": (genuine[: len(genuine) // 2], "qr_invalid"),
        "signature cut short": (genuine[:-4], "qr_invalid"),
        "hours edited": (_edited(genuine, 5, "200"), "qr_invalid"),
        "holder edited": (_edited(genuine, 1, "李*"), "qr_invalid"),
        "serial edited": (_edited(genuine, 0, luoyang_cert.serial), "qr_invalid"),
        "edited inside the verification URL": (
            f"https://cecert.example/verify/qr?p={_edited(genuine, 5, '200')}",
            "qr_invalid",
        ),
        "re-signed by a foreign key under the department's key id": (
            encode_payload(fields, foreign, cert.signing_key.sm2_key_id),
            "qr_invalid",
        ),
        "signed by an unknown key id": (
            encode_payload(fields, foreign, sm2.sm2_key_id(foreign.public_key())),
            "qr_unknown_key",
        ),
        "signed by another department's genuine key": (
            encode_payload(fields, luoyang.sm2_key, luoyang.sm2_key_id),
            "qr_mismatch",
        ),
        "signature of another payload": (f"{PREFIX}{body}.{qr_payload(luoyang_cert).split('.')[-1]}", "qr_invalid"),
        "non-canonical base64 padding": (f"{PREFIX}{body}==.{sig}", "qr_invalid"),
        "oversized": (PREFIX + "A" * 20_000 + "." + sig, "qr_invalid"),
        "garbage": ("garbage", "qr_invalid"),
        "binary": ("\x00\xff\ufffd" * 10, "qr_invalid"),
        "empty fields": (f"{PREFIX}.", "qr_invalid"),
        "JSON of the wrong shape": (f"{PREFIX}{_b64(b'{}')}.{sig}", "qr_invalid"),
    }


def _outcomes(corpus: dict[str, tuple[str, str]], verify: Callable[[str], tuple[str, str]]) -> None:
    got = {name: verify(text) for name, (text, _reason) in corpus.items()}
    assert got == {name: ("tampered", reason) for name, (_text, reason) in corpus.items()}


def test_domain(corpus: dict[str, tuple[str, str]]) -> None:
    def verify(text: str) -> tuple[str, str]:
        result = verification.verify_qr(text)
        assert result.certificates == ()
        return result.status, result.reason

    _outcomes(corpus, verify)


def test_page(corpus: dict[str, tuple[str, str]]) -> None:
    def verify(text: str) -> tuple[str, str]:
        page = Client().get("/verify/qr", {"p": text}).content.decode()
        status = re.search(r'data-status="(\w+)"', page)
        assert status is not None
        return status.group(1), next((code for code, label in verification.REASONS.items() if label in page), "")

    _outcomes(corpus, verify)
    assert SuspiciousVerification.objects.filter(route="qr_page").count() == len(corpus)


def test_api(corpus: dict[str, tuple[str, str]]) -> None:
    def verify(text: str) -> tuple[str, str]:
        body = Client().post("/api/v1/certificates/verify", {"qr": text}, content_type="application/json").json()
        return body["status"], body["reason"]

    _outcomes(corpus, verify)
    assert SuspiciousVerification.objects.filter(route="qr_api").count() == len(corpus)


def test_cli(corpus: dict[str, tuple[str, str]], capsys: Any) -> None:
    def verify(text: str) -> tuple[str, str]:
        with pytest.raises(SystemExit) as exited:
            call_command("certificates", "verify-qr", text)
        assert exited.value.code == 1
        out = json.loads(capsys.readouterr().out)
        return out["status"], out["reason"]

    _outcomes(corpus, verify)
