"""``cecert certificates`` and ``cecert keys``: JSON out, exit 0 only for genuine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

from cecert.certificates.domain import issuance
from cecert.certificates.domain.rendering import certificate_pdf, qr_payload
from cecert.certificates.models import Certificate, KeyStatus, SigningKey
from tests.certificates.factories import YEAR, full_year
from tests.factories import World


def _run(capsys: Any, *args: str) -> tuple[int, dict[str, Any]]:
    code = 0
    try:
        call_command(*args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_verify_pdf_and_qr(world: World, tmp_path: Path, capsys: Any) -> None:
    person = world.people["emp_jinshui"]
    full_year(person)
    cert = issuance.issue_annual_certificate(person, YEAR, by=None)
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificate_pdf(cert).content)
    assert _run(capsys, "certificates", "verify", str(pdf))[0] == 0
    code, out = _run(capsys, "certificates", "verify-qr", qr_payload(cert))
    assert (code, out["status"]) == (0, "genuine")
    broken = bytearray(pdf.read_bytes())
    broken[len(broken) // 2] ^= 1
    pdf.write_bytes(bytes(broken))
    code, out = _run(capsys, "certificates", "verify", str(pdf))
    assert (code, out["status"]) == (1, "tampered")
    issuance.revoke_certificate(cert, "测试", by=None)
    code, out = _run(capsys, "certificates", "verify-qr", qr_payload(cert))
    assert (code, out["status"]) == (1, "revoked")


def test_issue_person_and_region(world: World, capsys: Any) -> None:
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang"):
        full_year(world.people[key])
    call_command(
        "certificates", "issue", "--person", world.people["emp_luoyang"].certificate_number, "--year", str(YEAR)
    )
    call_command("certificates", "issue", "--region", "410100", "--year", str(YEAR))
    assert Certificate.objects.count() == 3


def test_keys_create_list_rotate(world: World, capsys: Any) -> None:
    call_command("keys", "create", "--region", "410300")
    call_command("keys", "rotate", "--region", "410300")
    capsys.readouterr()
    call_command("keys", "list")
    listed = json.loads(capsys.readouterr().out)
    assert sorted(k["status"] for k in listed) == ["current", "retired"]
    assert SigningKey.objects.filter(department=world.orgs["hr_luoyang"], status=KeyStatus.CURRENT).count() == 1


def test_keys_create_all_departments(db: None, capsys: Any) -> None:
    call_command("keys", "create")
    assert SigningKey.objects.count() == 29
