"""A certificate uses the unit of the policy that judged the person (hours, or credits, Article 5) throughout:
the requirement, every record's amount and the totals; it never mixes 学时 with 学分."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cecert.certificates.domain import issuance
from cecert.certificates.domain.rendering import certificate_pdf
from tests.certificates.factories import YEAR, full_year
from tests.factories import World, filed_examples


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("employer_key, unit", [("emp_zhongyuan", "学时"), ("emp_jinshui", "学分")])
def test_requirement_line_uses_the_policy_unit(world: World, tmp_path: object, employer_key: str, unit: str) -> None:
    filed_examples()  # test fixtures: 金水医院 is in the health sector, under the (filed) example credit scheme
    person = world.people[employer_key]
    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    assert certificate.snapshot["required"]["unit"] == ("credit" if unit == "学分" else "hour")
    pdf = certificate_pdf(certificate).content
    pdftotext = shutil.which("pdftotext") or "pdftotext"
    text = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603
    assert "年度要求：累计不少于" in text and f"{unit}，其中公需科目" in text
    other = "学时" if unit == "学分" else "学分"
    assert f"{unit}合计：公需科目" in text
    assert other not in text, text
