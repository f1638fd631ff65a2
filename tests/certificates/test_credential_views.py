"""Credential download (holder and issuing department only, 404 for everyone else), the public issuer,
JWKS and status-list endpoints, the verification page's new form, the API and the CLI export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cecert.certificates.domain import issuance
from cecert.certificates.domain.credential_verification import verify_credential
from cecert.certificates.models import Certificate, CredentialStatusEntry
from tests.certificates.factories import YEAR, full_year
from tests.factories import VISIBLE_PEOPLE, World, logged_in

ALL_PEOPLE = ["emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"]
# Who may download each person's credential: the holder (only emp_jinshui has a login in the world) and
# the issuing department's officers (Article 12).
ISSUING = {
    "emp_jinshui": "hr_zhengzhou",
    "emp_zhongyuan": "hr_zhengzhou",
    "emp_luoyang": "hr_luoyang",
    "emp_gongyi": "hr_gongyi",
    "emp_provincial": "hr_province",
}
HOLDERS = {"person_jinshui": "emp_jinshui"}


pytestmark = pytest.mark.usefixtures("unlimited_verification")


@pytest.fixture
def certificates(world: World) -> dict[str, Certificate]:
    for key in ALL_PEOPLE:
        full_year(world.people[key])
    return {k: issuance.issue_annual_certificate(world.people[k], YEAR, by=None) for k in ALL_PEOPLE}


def _may_download(user_key: str, person_key: str) -> bool:
    return ISSUING[person_key] == user_key or HOLDERS.get(user_key) == person_key


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_only_the_holder_and_the_issuing_department_download_everyone_else_404(
    world: World, certificates: dict[str, Certificate], user_key: str
) -> None:
    client = logged_in(world.users[user_key])
    for person_key, cert in certificates.items():
        allowed = _may_download(user_key, person_key)
        for url in (
            f"/certificates/{cert.verification_id}/credential/",
            f"/api/v1/certificates/{cert.verification_id}/credential",
        ):
            response = client.get(url)
            assert response.status_code == (200 if allowed else 404), (url, person_key)
            if allowed:
                assert response["Content-Type"] == "application/vc+jwt"
                assert f'filename="{cert.serial}.jwt"' in response["Content-Disposition"]
                assert verify_credential(response.content).status == "genuine"
        page = client.get(f"/certificates/{cert.verification_id}/")
        if page.status_code == 200:  # the link shows exactly where the download works
            assert ('id="download-credential"' in page.content.decode()) is allowed
    # a refused download allocated nothing
    exported = set(CredentialStatusEntry.objects.values_list("certificate__person__pk", flat=True))
    assert exported <= {world.people[p].pk for p in ALL_PEOPLE if _may_download(user_key, p)}


def test_anonymous_download_is_refused(certificates: dict[str, Certificate]) -> None:
    cert = certificates["emp_jinshui"]
    assert Client().get(f"/certificates/{cert.verification_id}/credential/").status_code == 302
    assert Client().get(f"/api/v1/certificates/{cert.verification_id}/credential").status_code == 401
    assert not CredentialStatusEntry.objects.exists()


def test_the_public_endpoints_need_no_login(world: World, certificates: dict[str, Certificate]) -> None:
    holder = logged_in(world.users["person_jinshui"])
    holder.get(f"/certificates/{certificates['emp_jinshui'].verification_id}/credential/")
    anonymous = Client()
    jwks = anonymous.get("/verify/jwks.json")
    assert jwks.status_code == 200 and all("d" not in k for k in jwks.json()["keys"])
    assert anonymous.get("/verify/issuers/410100").json()["name"] == world.orgs["hr_zhengzhou"].name
    assert anonymous.get("/verify/issuers/410100/status/0")["Content-Type"] == "application/vc+jwt"
    assert 'href="/verify/jwks.json"' in anonymous.get("/verify/keys/").content.decode()


def test_the_verification_page_offers_the_credential_form(world: World) -> None:
    page = Client().get("/verify/").content.decode()
    assert 'id="verify-credential"' in page and 'name="credential_file"' in page
    assert "电子凭证查验" in page


def test_cli_exports_a_credential_that_verifies(
    certificates: dict[str, Certificate], tmp_path: Path, capsys: Any
) -> None:
    cert = certificates["emp_luoyang"]
    path = tmp_path / "out.jwt"
    call_command("certificates", "export-vc", cert.serial, "--output", str(path))
    assert verify_credential(path.read_bytes()).status == "genuine"
    call_command("certificates", "export-vc", cert.serial)
    token = capsys.readouterr().out.strip()
    assert verify_credential(token.encode()).status == "genuine"
    with pytest.raises(Exception, match="no certificate"):
        call_command("certificates", "export-vc", "2099-4101-9999999")
    # the API verifies what the CLI wrote
    answer = (
        Client()
        .post("/api/v1/certificates/verify/credential", {"file": SimpleUploadedFile("c.jwt", path.read_bytes())})
        .json()
    )
    assert answer["status"] == "genuine" and answer["certificates"][0]["serial"] == cert.serial
    assert json.dumps(answer, ensure_ascii=False).count(cert.person.id_number) == 0
