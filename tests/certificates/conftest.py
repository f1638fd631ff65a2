"""Shared keys and snapshots. Module scope: key generation and PDF signing are
cheap but not free, and every test module needs a consistent set."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from typing import Any

import pytest

from cecert.certificates.crypto import keys, sm2
from cecert.certificates.pdf import (
    CertificateRecord,
    CertificateSnapshot,
    DepartmentSigningMaterial,
    YearSummary,
)

ZHENGZHOU = "郑州市人力资源和社会保障局"
LUOYANG = "洛阳市人力资源和社会保障局"
PROVINCE = "河南省人力资源和社会保障厅"
BASE_URL = "https://cecert.hrss.henan.gov.cn"


def needs(tool: str) -> Any:
    return pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} not installed")


def run_tool(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run an external validator (poppler, OpenSSL) resolved to an absolute path."""
    exe = shutil.which(tool)
    assert exe is not None, f"{tool} not installed"
    # Fixed executables and arguments built by the tests themselves.
    return subprocess.run([exe, *args], check=check, capture_output=True, text=True)  # noqa: S603


@pytest.fixture(scope="module")
def root() -> tuple[Any, Any]:
    return keys.create_root_ca("河南省专业技术人员继续教育证书根CA")


@pytest.fixture(scope="module")
def foreign_root() -> tuple[Any, Any]:
    # Same name as the real root: a forger would copy it; only the key differs.
    return keys.create_root_ca("河南省专业技术人员继续教育证书根CA")


def _material(root: tuple[Any, Any], name: str, code: str) -> DepartmentSigningMaterial:
    root_key, root_cert = root
    key, cert = keys.create_department_certificate(root_key, root_cert, name, code, 5)
    sm2_key = sm2.generate_sm2_key()
    return DepartmentSigningMaterial(
        department_name=name,
        key=key,
        cert=cert,
        chain=(root_cert,),
        sm2_key=sm2_key,
        sm2_key_id=sm2.sm2_key_id(sm2_key.public_key()),
        verify_base_url=BASE_URL,
        location="郑州",
    )


@pytest.fixture(scope="module")
def zhengzhou(root: tuple[Any, Any]) -> DepartmentSigningMaterial:
    return _material(root, ZHENGZHOU, "410100")


@pytest.fixture(scope="module")
def luoyang(root: tuple[Any, Any]) -> DepartmentSigningMaterial:
    return _material(root, LUOYANG, "410300")


@pytest.fixture(scope="module")
def forger(foreign_root: tuple[Any, Any]) -> DepartmentSigningMaterial:
    return _material(foreign_root, ZHENGZHOU, "410100")


def annual_snapshot(n_records: int = 5, **overrides: Any) -> CertificateSnapshot:
    records = tuple(
        CertificateRecord(
            title=f"临床医学新进展专题研修班第{i}期",
            record_type="培训班" if i % 2 else "网络培训",
            subject="public" if i == 1 else "professional",
            hours=Decimal(24) if i == 1 else Decimal("16.5"),
        )
        for i in range(1, n_records + 1)
    )
    professional = Decimal("16.5") * (n_records - 1)
    fields: dict[str, Any] = {
        "holder_name": "欧阳娜娜",
        "masked_id": "410105********1234",
        "certificate_number": "4101052024001",
        "employer_name": "郑州市第一人民医院",
        "year_from": 2024,
        "year_to": 2024,
        "public_hours": Decimal(24),
        "professional_hours": professional,
        "total_hours": Decimal(24) + professional,
        "met": True,
        "issuer_name": ZHENGZHOU,
        "issue_date": dt.date(2025, 1, 15),
        "serial": "HA2024-0000012345",
        "records": records,
    }
    fields.update(overrides)
    return CertificateSnapshot(**fields)


def proof_snapshot(**overrides: Any) -> CertificateSnapshot:
    years = tuple(YearSummary(y, Decimal(24), Decimal(70), Decimal(94), y != 2021) for y in range(2019, 2024))
    fields: dict[str, Any] = {
        "kind": "completion_proof",
        "holder_name": "张伟",
        "masked_id": "410105********5678",
        "certificate_number": "4101052019007",
        "employer_name": "河南省人民医院",
        "year_from": 2019,
        "year_to": 2023,
        "public_hours": Decimal(120),
        "professional_hours": Decimal(350),
        "total_hours": Decimal(470),
        "met": False,
        "issuer_name": PROVINCE,
        "issue_date": dt.date(2025, 3, 1),
        "serial": "HA-P-2025-000042",
        "years": years,
        "version": 2,
        "replaces_serial": "HA-P-2025-000041",
    }
    fields.update(overrides)
    return CertificateSnapshot(**fields)


# ---------------------------------------------------------------- Django-side fixtures


@pytest.fixture(autouse=True)
def _certificate_keys(settings: Any) -> None:
    """Keys created lazily per department (the PDF cache is the test's own: tests/conftest.py)."""
    settings.CECERT_AUTO_CREATE_KEYS = True


@pytest.fixture
def unlimited_verification(settings: Any) -> None:
    """Public verification without its rate limit (tests that post many uploads from one address)."""
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (10_000, 60)}


@pytest.fixture
def issued_annual(world: Any) -> dict[str, Any]:
    """Annual certificates of three people: two issued by Zhengzhou, one by Luoyang."""
    from cecert.certificates.domain import issuance
    from tests.certificates.factories import YEAR, full_year

    out = {}
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang"):
        full_year(world.people[key])
        out[key] = issuance.issue_annual_certificate(world.people[key], YEAR, by=None)
    return out
