"""A certificate states the requirement in the unit of the person's policy (hours, or credits, Article 5)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cecert.certificates.domain import issuance
from cecert.certificates.domain.rendering import certificate_pdf
from tests.certificates.factories import YEAR, full_year
from tests.factories import World


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("employer_key, unit", [("emp_zhongyuan", "学时"), ("emp_jinshui", "学分")])
def test_requirement_line_uses_the_policy_unit(world: World, tmp_path: object, employer_key: str, unit: str) -> None:
    person = world.people[employer_key]  # 金水医院 is in the health sector: the example credit scheme
    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    assert certificate.snapshot["required"]["unit"] == ("credit" if unit == "学分" else "hour")
    pdf = certificate_pdf(certificate).content
    pdftotext = shutil.which("pdftotext") or "pdftotext"
    text = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603
    assert "年度要求：累计不少于" in text and f"{unit}，其中公需科目" in text
