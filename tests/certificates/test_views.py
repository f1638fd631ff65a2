"""Pages and API: holders, employers and officers in jurisdiction see certificates, others get 404."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cecert.certificates.domain import issuance, verification
from cecert.certificates.domain.issuance import revoke_certificate
from cecert.certificates.domain.rendering import certificate_pdf, qr_payload
from cecert.certificates.models import Certificate, CertificateBatch
from cecert.core import cache as shared_cache
from tests.certificates.factories import YEAR, full_year
from tests.factories import VISIBLE_PEOPLE, World, logged_in
from tests.redis_server import REDIS, redis_cache, redis_up

ALL_PEOPLE = ["emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"]


@pytest.fixture
def certified_world(world: World) -> World:
    for key in ALL_PEOPLE:
        full_year(world.people[key])
    return world


@pytest.fixture
def certificates(certified_world: World) -> dict[str, Certificate]:
    return {k: issuance.issue_annual_certificate(certified_world.people[k], YEAR, by=None) for k in ALL_PEOPLE}


PAGES = ["/certificates/{id}/", "/certificates/{id}/pdf/", "/api/v1/certificates/{id}", "/api/v1/certificates/{id}/pdf"]


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_every_page_and_endpoint_inside_200_outside_404(
    certified_world: World, certificates: dict[str, Any], user_key: str
) -> None:
    client = logged_in(certified_world.users[user_key])
    for person_key, cert in certificates.items():
        expected = 200 if person_key in VISIBLE_PEOPLE[user_key] else 404
        for page in PAGES:
            response = client.get(page.format(id=cert.verification_id))
            assert response.status_code == expected, (page, person_key)
        revoke = client.post(f"/certificates/{cert.verification_id}/revoke/", {"reason": "x"})
        may_revoke = (
            expected == 200
            and user_key
            == {
                "emp_jinshui": "hr_zhengzhou",
                "emp_zhongyuan": "hr_zhengzhou",
                "emp_luoyang": "hr_luoyang",
                "emp_gongyi": "hr_gongyi",
                "emp_provincial": "hr_province",
            }[person_key]
        )
        assert revoke.status_code == (302 if may_revoke else 404)
    listed = {c["serial"] for c in client.get("/api/v1/certificates").json()}
    assert listed == {certificates[k].serial for k in VISIBLE_PEOPLE[user_key]}


def test_anonymous_is_redirected_or_401(certificates: dict[str, Certificate]) -> None:
    cert = certificates["emp_jinshui"]
    client = Client()
    assert client.get(f"/certificates/{cert.verification_id}/pdf/").status_code == 302
    assert client.get(f"/api/v1/certificates/{cert.verification_id}").status_code == 401


def test_holder_downloads_their_sealed_pdf(certified_world: World, certificates: dict[str, Certificate]) -> None:
    cert = certificates["emp_jinshui"]
    client = logged_in(certified_world.users["person_jinshui"])
    page = client.get("/certificates/")
    assert cert.serial in page.content.decode()
    response = client.get(f"/certificates/{cert.verification_id}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]


def test_officer_issues_one_person_and_not_others(certified_world: World) -> None:
    zz = logged_in(certified_world.users["hr_zhengzhou"])
    own = certified_world.people["emp_jinshui"]
    response = zz.post("/certificates/issue/", {"number": own.certificate_number, "year": YEAR})
    assert response.status_code == 302
    assert Certificate.objects.filter(person=own).count() == 1
    for other in ("emp_luoyang", "emp_provincial"):
        zz.post("/certificates/issue/", {"number": certified_world.people[other].certificate_number, "year": YEAR})
        assert not Certificate.objects.filter(person=certified_world.people[other]).exists()
    assert (
        logged_in(certified_world.users["admin_emp_jinshui"])
        .post("/certificates/issue/", {"number": own.certificate_number, "year": YEAR})
        .status_code
        == 404
    )


def test_batch_page_runs_the_task_and_shows_progress(certified_world: World) -> None:
    client = logged_in(certified_world.users["hr_zhengzhou"])
    response = client.post(
        "/certificates/batches/", {"department": certified_world.orgs["hr_zhengzhou"].pk, "year": YEAR}
    )
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/certificates/batches/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page
    assert (batch.status, batch.issued, batch.total) == ("done", 2, 2)
    assert logged_in(certified_world.users["hr_luoyang"]).get(response["Location"]).status_code == 404
    assert (
        client.post(
            "/certificates/batches/", {"department": certified_world.orgs["hr_luoyang"].pk, "year": YEAR}
        ).status_code
        == 404
    )


def test_proof_request_by_person(certified_world: World) -> None:
    person = certified_world.people["emp_jinshui"]
    client = logged_in(certified_world.users["person_jinshui"])
    response = client.post("/certificates/proof/", {"person": person.pk, "year_from": YEAR, "year_to": YEAR})
    assert response.status_code == 302
    assert Certificate.objects.get(person=person).kind == "completion_proof"
    outsider = logged_in(certified_world.users["admin_emp_luoyang"])
    assert (
        outsider.post("/certificates/proof/", {"person": person.pk, "year_from": YEAR, "year_to": YEAR}).status_code
        == 404
    )


def _result(page: str) -> str:
    return page[page.index('<section id="verify-result"') : page.index("</section>")]


def test_public_verification_pages(certificates: dict[str, Certificate]) -> None:
    cert = certificates["emp_jinshui"]
    client = Client()
    assert client.get("/verify/").status_code == 200
    page = client.post("/verify/", {"number": cert.serial, "name": cert.person.name}).content.decode()
    assert 'data-status="genuine"' in page and cert.issuer.name in page
    page = client.get("/verify/qr", {"p": qr_payload(cert)}).content.decode()
    assert 'data-status="genuine"' in page
    upload = SimpleUploadedFile("c.pdf", certificate_pdf(cert).content, content_type="application/pdf")
    page = client.post("/verify/upload", {"file": upload}).content.decode()
    assert 'data-status="genuine"' in page
    wrong = client.post("/verify/", {"number": cert.serial, "name": "李四"}).content.decode()
    missing = client.post("/verify/", {"number": "2025-4101-7777777", "name": cert.person.name}).content.decode()
    assert _result(wrong) == _result(missing) and 'data-status="not_found"' in _result(wrong)
    api = client.post(
        "/api/v1/certificates/verify",
        {"number": cert.serial, "name": cert.person.name},
        content_type="application/json",
    )
    assert api.json()["status"] == "genuine"


def test_verification_answers_are_never_stored_by_browsers_or_proxies(
    certificates: dict[str, Certificate], settings: Any
) -> None:
    cert = certificates["emp_jinshui"]
    client = Client()
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (1, 60)}
    answers = [
        client.get("/verify/"),
        client.get("/verify/", {"number": cert.serial, "name": cert.person.name}),
        client.get("/verify/qr", {"p": qr_payload(cert)}),  # over the limit: 429
        client.post("/verify/upload", {}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)


def test_published_keys(certificates: dict[str, Certificate]) -> None:
    data = Client().get("/verify/keys.json").json()
    key_ids = {k["key_id"] for k in data["issuers"]}
    assert {c.signing_key.key_id for c in certificates.values()} <= key_ids
    assert all("PRIVATE" not in k["certificate_pem"] for k in data["issuers"])
    assert Client().get("/verify/keys/").status_code == 200


def test_verification_is_rate_limited(certificates: dict[str, Certificate], settings: Any) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (3, 60)}
    client = Client()
    codes = [client.post("/verify/", {"number": "2025-4101-0000001", "name": "x"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    api = client.post("/api/v1/certificates/verify", {"number": "x", "name": "y"}, content_type="application/json")
    assert api.status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/verify/", {"number": "x", "name": "y"}).status_code == 200


def test_clients_behind_our_proxy_are_limited_apart(certificates: dict[str, Certificate], settings: Any) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "verify": (2, 60)}
    settings.CECERT_TRUSTED_PROXIES = ["10.1.0.0/16"]
    number = {"number": "2025-4101-0000001", "name": "x"}

    def via_proxy(client: str) -> int:
        return Client(REMOTE_ADDR="10.1.0.5", HTTP_X_FORWARDED_FOR=client).post("/verify/", number).status_code

    assert [via_proxy("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert via_proxy("203.0.113.8") == 200  # another verifier behind the same proxy
    assert via_proxy("203.0.113.8, 203.0.113.7") == 429  # a forged entry on the left changes nothing
    forged = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert [forged.post("/verify/", number).status_code for _ in range(3)] == [200, 200, 429]


@pytest.fixture(params=["locmem", "redis"])
def page_cache(request: pytest.FixtureRequest, settings: Any) -> None:
    """The verification page cache in this process's memory, and in a real Redis as in production."""
    settings.CECERT_VERIFY_CACHE_SECONDS = 60
    if request.param == "redis":
        if not redis_up():
            pytest.skip(f"Redis is not running at {REDIS}")
        redis.Redis.from_url(REDIS).flushdb()
        settings.CACHES = redis_cache(REDIS)


def test_cached_verification_shows_revocation_at_once(certificates: dict[str, Certificate], page_cache: None) -> None:
    cert = certificates["emp_jinshui"]
    client = Client()
    query = {"number": cert.serial, "name": cert.person.name}
    first = client.get("/verify/", query).content.decode()
    assert 'data-status="genuine"' in first
    key = verification.public_cache_key(cert.serial, "zh-hans")
    assert shared_cache.get(key) is None  # a page is kept only when asked for again
    assert client.get("/verify/", query).content.decode() == first
    assert shared_cache.get(key) is not None
    assert client.get("/verify/", query).content.decode() == first  # from the cache
    # A cached serial with the wrong name answers exactly like an unknown serial.
    wrong = client.get("/verify/", {"number": cert.serial, "name": "李四"}).content.decode()
    missing = client.get("/verify/", {"number": "2025-4101-7777777", "name": cert.person.name}).content.decode()
    assert _result(wrong) == _result(missing) and 'data-status="not_found"' in wrong
    revoke_certificate(cert, "材料不实", by=None)
    assert 'data-status="revoked"' in client.get("/verify/", query).content.decode()


def test_a_page_cached_by_a_request_racing_the_revocation_is_not_served(
    certificates: dict[str, Certificate], page_cache: None
) -> None:
    cert = certificates["emp_jinshui"]
    client = Client()
    query = {"number": cert.serial, "name": cert.person.name}
    client.get("/verify/", query)
    client.get("/verify/", query)  # asked twice: the genuine page is cached
    key = verification.public_cache_key(cert.serial, "zh-hans")
    stale = shared_cache.get(key)
    assert stale is not None
    revoke_certificate(cert, "材料不实", by=None)
    # a verification that read the certificate just before the revocation writes its page after it
    shared_cache.put(key, stale, 60)
    for _ in range(3):
        assert 'data-status="revoked"' in client.get("/verify/", query).content.decode()
