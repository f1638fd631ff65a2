"""Two gunicorn instances behind the shipped nginx site (TLS), sharing PostgreSQL, Redis and an object store.

Each instance has a var directory of its own, as two machines would; their files live in one bucket of
an S3 API (moto's standalone server, started here). A professional declares with an upload through
instance A; the employer approves, HR certifies, downloads the proof A stored and issues the
certificate through instance B, whose PDF instance A then serves from the shared cache; a verifier
checks it through the load-balanced site; a client behind the proxy is recorded under its own address,
not the proxy's.
"""

from __future__ import annotations

import http.client
import io
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from cecert.audit.models import AuditEntry
from cecert.certificates.domain.signing_keys import create_department_key
from cecert.certificates.models import Certificate
from cecert.records.models import Record
from tests.browser.conftest import enrolled_officer, launch, login, logout, submit
from tests.deploy.instances import two_instances
from tests.factories import PASSWORD, build_world
from tests.s3_server import S3Server, moto_server

REDIS_URL = "redis://127.0.0.1:6379/11"
CLIENT_BEHIND_PROXY = "127.0.0.5"  # any 127/8 address is local on Linux: a client that is not the proxy


@pytest.fixture
def object_store(tmp_path: Path) -> Iterator[S3Server]:
    """The object store both machines share: an S3 API on loopback, its log kept beside the test's files."""
    with moto_server(tmp_path / "moto.log") as server:
        yield server


@pytest.fixture
def platform(tmp_path: Path, transactional_db: None, object_store: S3Server) -> Iterator[dict[str, Any]]:
    if connection.vendor != "postgresql":
        pytest.skip("two instances share one database: run with DATABASE_URL=postgres://… (make test-deploy)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    with two_instances(
        tmp_path, settings=django_settings, database_url=database_url, redis_url=REDIS_URL, s3=object_store
    ) as running:
        yield running


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _failed_login_from(address: str, port: int, context: ssl.SSLContext) -> None:
    """A client that is not the proxy: a wrong password through the TLS site, from ``address``."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, source_address=(address, 0), timeout=20)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = next(v for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = f"csrfmiddlewaretoken={token.group(1)}&username=410105199001010000&password=wrong"
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie.split(";")[0],
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/accounts/login/",
        },
    )
    assert conn.getresponse().status == 200  # the form again, with an error


def test_declare_on_one_instance_review_on_the_other_verify_through_the_proxy(
    platform: dict[str, Any], playwright: Any
) -> None:
    world = build_world()
    person = world.people["emp_jinshui"]
    create_department_key(world.orgs["hr_zhengzhou"])  # production creates no key on its own (ADR 0010)
    sites = platform["sites"]
    browser = launch(playwright)
    try:
        # Instance A: the professional declares a public-subject course and uploads its proof.
        a = browser.new_context(base_url=f"https://127.0.0.1:{sites['a']}", locale="zh-CN", ignore_https_errors=True)
        a.set_default_timeout(30_000)
        page = a.new_page()
        login(page, person.id_number, PASSWORD)
        page.goto("/records/declare/?type=online_course")
        page.fill("#id_title", "2025年公需科目网络课程")
        page.fill("#id_form", "网络学习")
        page.fill("#id_start_date", "2025-05-10")
        page.fill("#id_end_date", "2025-05-12")
        page.fill("#id_assessment", "合格")
        page.select_option("#id_a-subject", "public")
        page.fill("#id_a-hours", "24")
        submit(page)
        page.wait_for_selector("#record-state:has-text('草稿')")
        record = Record.objects.get(title="2025年公需科目网络课程")
        proof = _png()
        page.select_option("#id_kind", "completion")
        page.set_input_files("#id_file", files=[{"name": "证明.png", "mimeType": "image/png", "buffer": proof}])
        submit(page, "#upload")
        page.wait_for_selector("text=已上传：证明.png")
        submit(page, "#to-submitted")
        page.wait_for_selector("#record-state:has-text('待单位初审')")
        a.close()

        # Instance B: the employer approves, HR certifies, reads the proof A stored, and issues.
        b = browser.new_context(base_url=f"https://127.0.0.1:{sites['b']}", locale="zh-CN", ignore_https_errors=True)
        b.set_default_timeout(30_000)
        page = b.new_page()
        admin = world.users["admin_emp_jinshui"]
        login(page, admin.username, PASSWORD, enrolled_officer(admin))
        page.goto("/review/queue/")
        page.check(f"input[name=ids][value='{record.pk}']")
        submit(page, "#bulk-approve")
        page.wait_for_selector("text=已处理 1 条记录")
        logout(page)
        officer = world.users["hr_zhengzhou"]
        login(page, officer.username, PASSWORD, enrolled_officer(officer))
        page.goto(f"/records/{record.pk}/")
        submit(page, "#to-certified")
        page.wait_for_selector("#record-state:has-text('已认定')")
        href = page.get_attribute("a[href*='/proofs/']", "href")
        assert href
        download = page.request.get(href)
        assert download.status == 200
        assert download.body() == proof
        page.goto("/certificates/issue/?year=2025")
        page.fill("#lookup-number", person.certificate_number)
        submit(page, "#lookup-form button[type=submit]")
        submit(page, "#issue-form button[type=submit]")
        if page.locator("#confirm-form").count():  # one record: the year is not met, the page asks first
            submit(page, "#confirm-form button[type=submit]")
        assert page.locator("#serial").count() == 1, page.inner_text("main")
        serial = page.inner_text("#serial").strip()
        certificate = Certificate.objects.get(serial=serial)
        pdf_url = f"/certificates/{certificate.verification_id}/pdf/"
        issued_pdf = page.request.get(pdf_url)
        assert issued_pdf.status == 200
        issued_body = issued_pdf.body()  # read before the context closes
        assert issued_body.startswith(b"%PDF-")
        b.close()

        # Instance A serves the PDF B cached in the shared store: a marked copy put there comes back.
        cache_key = f"certificates/{certificate.verification_id}-v{certificate.version}.pdf"
        s3 = platform["s3"].client()
        assert s3.get_object(Bucket=platform["bucket"], Key=cache_key)["Body"].read() == issued_body
        marked = issued_body + b"\n%served from the shared cache\n"
        s3.put_object(Bucket=platform["bucket"], Key=cache_key, Body=marked)
        a = browser.new_context(base_url=f"https://127.0.0.1:{sites['a']}", locale="zh-CN", ignore_https_errors=True)
        a.set_default_timeout(30_000)
        page = a.new_page()
        login(page, person.id_number, PASSWORD)
        assert page.request.get(pdf_url).body() == marked
        a.close()

        # Through the load-balanced site: a verifier, not logged in.
        front = browser.new_context(
            base_url=f"https://127.0.0.1:{sites['front']}", locale="zh-CN", ignore_https_errors=True
        )
        page = front.new_page()
        page.goto("/verify/")
        page.fill("#verify-number #number", serial)
        page.fill("#verify-number #name", person.name)
        submit(page, "#verify-number button[type=submit]")
        assert page.get_attribute("#verify-result", "data-status") == "genuine"
        page.goto("/verify/")  # the blank page loads the QR scanner from the static files
        static = page.request.get(page.get_attribute("script[src*='/static/']", "src") or "")
        assert static.status == 200
        assert "immutable" in static.headers["cache-control"]
        assert re.search(r"\.[0-9a-f]{12}\.js$", static.url), static.url  # collectstatic's hashed name
        assert "Server" not in static.headers or "nginx/" not in static.headers.get("server", "")
        front.close()
    finally:
        browser.close()

    # The files crossed machines through the bucket only: the proof A received is the object B served,
    # and neither var directory holds a stored file.
    proof_file = record.proofs.get()
    proof_key = f"proofs/{proof_file.storage_key[:2]}/{proof_file.storage_key}"
    assert platform["s3"].keys(platform["bucket"]) == sorted([proof_key, cache_key])
    assert s3.get_object(Bucket=platform["bucket"], Key=proof_key)["Body"].read() == proof
    for var in platform["var"].values():
        assert not (var / "private").exists()
        assert not (var / "cache").exists()

    # Each instance served its part: the upload on A, the proof download and the issuance on B.
    log_a, log_b = (platform["logs"][name].read_text() for name in ("a", "b"))
    assert f"POST /records/{record.pk}/proofs/" in log_a
    assert "GET /records/proofs/" in log_b and "GET /records/proofs/" not in log_a
    assert "POST /certificates/" in log_b

    # A client behind the proxy is recorded under its own address.
    _failed_login_from(CLIENT_BEHIND_PROXY, sites["front"], platform["tls"])
    failed = AuditEntry.objects.filter(action="login.failed").latest("id")
    assert failed.source_ip == CLIENT_BEHIND_PROXY
    # The proxy keeps /metrics to itself.
    conn = http.client.HTTPSConnection("127.0.0.1", sites["front"], context=platform["tls"])
    conn.request("GET", "/metrics")
    assert conn.getresponse().status == 404
