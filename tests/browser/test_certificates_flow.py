"""Certificates end to end in a browser: an officer issues, the professional downloads the sealed PDF,
a verifier checks it by number and name, by QR payload and by upload, and after a spot-check overturns
a record the old certificate verifies as revoked and names its replacement."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from cecert.certificates.domain.rendering import qr_payload
from cecert.certificates.models import Certificate
from tests.browser.conftest import enrolled_officer, login, logout, submit
from tests.certificates.factories import YEAR, certified_record, full_year
from tests.factories import PASSWORD, World, build_world


def _verify_by_number(page: Any, number: str, name: str) -> str:
    page.goto("/verify/")
    page.fill("#verify-number #number", number)
    page.fill("#verify-number #name", name)
    submit(page, "#verify-number button[type=submit]")
    return page.get_attribute("#verify-result", "data-status")


def test_issue_download_verify_and_revoke_after_spot_check(
    page: Any, browser: Any, live_server: Any, transactional_db: None, tmp_path: Path
) -> None:
    world: World = build_world()
    person = world.people["emp_jinshui"]
    full_year(person)
    extra = certified_record(person, subject="professional", hours=12, title="专业科目：待抽查的讲座")

    # An officer of the issuing department (Zhengzhou, Article 12) issues the certificate.
    officer = world.users["hr_zhengzhou"]
    login(page, officer.username, PASSWORD, enrolled_officer(officer))
    page.goto(f"/certificates/issue/?year={YEAR}")
    page.fill("#lookup-number", person.certificate_number)
    submit(page, "#lookup-form button[type=submit]")
    assert person.name in page.inner_text("#lookup-result")
    submit(page, "#issue-form button[type=submit]")
    serial = page.inner_text("#serial").strip()
    logout(page)

    # The professional downloads their sealed PDF.
    login(page, person.id_number, PASSWORD)
    page.goto("/certificates/")
    page.click(f"text={serial}")
    with page.expect_download() as download:
        page.click("#download")
    pdf_path = tmp_path / "certificate.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    logout(page)

    # A verifier, not logged in: by number and name, by QR payload, by upload.
    verifier = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    assert _verify_by_number(verifier, serial, person.name) == "genuine"
    assert "108 学时" in verifier.inner_text("#verify-result .total")
    assert _verify_by_number(verifier, serial, "李四") == "not_found"
    certificate = Certificate.objects.get(serial=serial)
    verifier.goto("/verify/")
    verifier.fill("#p", qr_payload(certificate))
    submit(verifier, "#verify-qr button[type=submit]")
    assert verifier.get_attribute("#verify-result", "data-status") == "genuine"
    verifier.goto("/verify/")
    verifier.set_input_files("#file", str(pdf_path))
    submit(verifier, "#verify-upload button[type=submit]")
    assert verifier.get_attribute("#verify-result", "data-status") == "genuine"
    assert world.orgs["hr_zhengzhou"].name in verifier.inner_text("#verify-result .issuer")

    # A spot-check overturns one of the records (review's own domain functions).
    from cecert.review.domain.spotchecks import decide_item, draw_spot_check

    check = draw_spot_check(hr=world.orgs["hr_zhengzhou"], year=YEAR, rate=Decimal(1), by=officer, seed="demo")
    item = check.items.get(record=extra)
    decide_item(item, overturn=True, by=officer, reason="证明材料与实际不符")
    certificate.refresh_from_db()
    replacement = certificate.replaced_by

    assert _verify_by_number(verifier, serial, person.name) == "revoked"
    assert verifier.inner_text("#verify-result .replaced-by").strip() == replacement.serial
    verifier.goto("/verify/")
    verifier.set_input_files("#file", str(pdf_path))
    submit(verifier, "#verify-upload button[type=submit]")
    assert verifier.get_attribute("#verify-result", "data-status") == "revoked"
    assert _verify_by_number(verifier, replacement.serial, person.name) == "genuine"
    assert "96 学时" in verifier.inner_text("#verify-result .total")
