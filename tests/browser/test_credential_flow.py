"""The holder downloads their certificate as a portable credential and a verifier without an account
checks it on /verify/ (ADR 0024); a pasted, edited credential is refused in Chinese."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cecert.certificates.domain import issuance, verification
from tests.browser.conftest import login, submit
from tests.certificates.factories import YEAR, full_year
from tests.factories import PASSWORD, World, build_world

# Set to a directory to keep screenshots of the pages at phone and desktop width (for a look by eye).
SHOTS = os.environ.get("CECERT_SHOTS_DIR", "")


def _shoot(page: Any, name: str) -> None:
    if not SHOTS:
        return
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


def test_holder_downloads_a_credential_and_a_stranger_verifies_it(
    page: Any, browser: Any, live_server: Any, transactional_db: None, tmp_path: Path
) -> None:
    world: World = build_world()
    person = world.people["emp_jinshui"]
    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=None)

    login(page, person.id_number, PASSWORD)
    page.goto(f"/certificates/{certificate.verification_id}/")
    _shoot(page, "certificate-detail")
    with page.expect_download() as download:
        page.click("#download-credential")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"{certificate.serial}.jwt"

    verifier = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    verifier.goto("/verify/keys/")
    assert verifier.get_attribute("#jwks-link", "href") == "/verify/jwks.json"
    _shoot(verifier, "keys")
    verifier.goto("/verify/")
    _shoot(verifier, "verify-forms")
    verifier.set_input_files("#credential_file", str(path))
    submit(verifier, "#verify-credential button[type=submit]")
    assert verifier.get_attribute("#verify-result", "data-status") == "genuine"
    assert certificate.serial in verifier.inner_text("#verify-result")
    _shoot(verifier, "verify-credential-genuine")

    token = path.read_text().strip()
    header, payload, signature = token.split(".")
    edited = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    verifier.goto("/verify/")
    verifier.fill("#credential", edited)
    submit(verifier, "#verify-credential button[type=submit]")
    assert verifier.get_attribute("#verify-result", "data-status") == "tampered"
    assert verification.REASONS["vc_bad_signature"] in verifier.inner_text("#verify-result")
    _shoot(verifier, "verify-credential-tampered")
