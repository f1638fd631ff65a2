"""The second factor on django-otp: one use per code, throttling, single-use recovery codes, safe ``next``."""

from __future__ import annotations

import base64
import datetime as dt
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP

from cecert.accounts.domain import second_factor
from cecert.accounts.models import AuthenticatorDevice, RecoveryCodeDevice, RecoveryToken, User
from cecert.audit.models import AuditEntry
from tests.factories import PASSWORD, World, logged_in
from tests.records.factories import declared

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_at(secret: str, at: float | None = None) -> str:
    """What an authenticator app shows for ``secret`` at ``at`` (default: now)."""
    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() if at is None else at
    return str(totp.token()).zfill(6)


def enrolled(user: User) -> tuple[AuthenticatorDevice, list[str]]:
    device = second_factor.enrol_device(user, SECRET, confirmed=True)
    return device, second_factor.issue_recovery_codes(user)


def password_only(user: User, next_url: str = "") -> Client:
    """A client past the password, facing the second factor."""
    client = Client()
    query = f"?next={next_url}" if next_url else ""
    client.post(f"/accounts/login/{query}", {"username": user.username, "password": PASSWORD})
    return client


def wait_out_throttle(device: AuthenticatorDevice | RecoveryCodeDevice) -> None:
    """As if the exponential wait after the last failure had passed (failures still counted)."""
    device.refresh_from_db()
    if device.throttling_failure_timestamp is not None:
        device.throttling_failure_timestamp -= dt.timedelta(days=1)
        device.save(update_fields=["throttling_failure_timestamp"])


@pytest.fixture
def officer(world: World) -> User:
    return world.users["hr_zhengzhou"]


def test_a_code_is_accepted_once(officer: User) -> None:
    enrolled(officer)
    code = code_at(SECRET)
    first = password_only(officer)
    assert first.post("/accounts/2fa/verify/", {"code": code}).url == "/accounts/dashboard/"
    assert first.get("/people/").status_code == 200
    replay = password_only(officer)
    refused = replay.post("/accounts/2fa/verify/", {"code": code})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert replay.get("/people/").status_code == 302  # still held at the second factor
    assert AuditEntry.objects.filter(action="login.second_factor", actor=officer).count() == 1
    assert AuditEntry.objects.filter(action="login.second_factor_failed", actor=officer).count() == 1


def test_one_step_of_clock_drift_is_tolerated_two_are_not(officer: User) -> None:
    device, _ = enrolled(officer)
    assert password_only(officer).post("/accounts/2fa/verify/", {"code": code_at(SECRET, time.time() + 30)}).url
    device.refresh_from_db()
    assert device.drift == 1  # the phone runs a step ahead: learnt
    wait_out_throttle(device)
    stale = password_only(officer).post("/accounts/2fa/verify/", {"code": code_at(SECRET, time.time() - 90)})
    assert "验证码不正确" in stale.content.decode()


def test_failures_throttle_even_a_correct_code_and_say_when_to_retry(officer: User) -> None:
    device, recovery = enrolled(officer)
    client = password_only(officer, "/people/")
    for _ in range(5):
        client.post("/accounts/2fa/verify/?next=/people/", {"code": "000000"})
        wait_out_throttle(device)
    client.post("/accounts/2fa/verify/?next=/people/", {"code": "000000"})  # the sixth: now a 32-second wait
    device.refresh_from_db()
    assert device.throttling_failure_count == 6

    for code in (code_at(SECRET), recovery[0]):  # neither kind of code is even looked at
        refused = client.post("/accounts/2fa/verify/?next=/people/", {"code": code})
        page = refused.content.decode()
        assert refused.status_code == 200 and "错误次数过多" in page
        retry_at = timezone.localtime(device.throttling_failure_timestamp + dt.timedelta(seconds=32))
        assert f"{retry_at:%H:%M:%S}" in page  # local time
    assert AuditEntry.objects.filter(action="login.second_factor_throttled", actor=officer).count() == 2
    assert RecoveryToken.objects.filter(used_at__isnull=False).count() == 0
    device.refresh_from_db()
    assert device.throttling_failure_count == 6  # refused while throttled: not counted, the wait does not grow

    wait_out_throttle(device)
    assert client.post("/accounts/2fa/verify/?next=/people/", {"code": code_at(SECRET)}).url == "/people/"
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_works_once(officer: User) -> None:
    _, codes = enrolled(officer)
    assert len(set(codes)) == 10
    typed = codes[3].upper().replace("-", " ")  # case, spaces and hyphens do not matter
    first = password_only(officer)
    assert first.post("/accounts/2fa/verify/", {"code": typed}).url == "/accounts/dashboard/"
    assert second_factor.recovery_codes_left(officer) == 9
    entry = AuditEntry.objects.get(action="login.second_factor", actor=officer)
    assert entry.after == {"method": "recovery_code", "recovery_codes_left": 9}

    again = password_only(officer)
    refused = again.post("/accounts/2fa/verify/", {"code": codes[3]})
    assert "恢复码不正确或已使用" in refused.content.decode()
    assert RecoveryToken.objects.filter(device__user=officer, used_at__isnull=False).count() == 1


def test_recovery_codes_are_stored_as_keyed_digests_only(officer: User) -> None:
    _, codes = enrolled(officer)
    stored = list(RecoveryToken.objects.values_list("digest", flat=True))
    assert all(len(d) == 64 for d in stored)
    for code in codes:
        assert second_factor.normalise_recovery_code(code) not in "".join(stored)
    device = second_factor.authenticator(officer)
    assert device is not None and SECRET not in device.key_encrypted and device.secret == SECRET


def test_the_last_recovery_code_brings_ten_new_ones(officer: User) -> None:
    _, codes = enrolled(officer)
    RecoveryToken.objects.filter(device__user=officer).exclude(
        digest=second_factor.recovery_code_digest(codes[0])
    ).update(used_at=timezone.now())
    page = password_only(officer, "/people/").post("/accounts/2fa/verify/?next=/people/", {"code": codes[0]})
    html = page.content.decode()
    assert page.status_code == 200 and "恢复码" in html and 'href="/people/"' in html
    assert second_factor.recovery_codes_left(officer) == 10
    assert AuditEntry.objects.filter(action="second_factor.recovery_codes_issued", actor=officer).count() == 2


@pytest.mark.parametrize(
    "hostile",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "http:/evil.example", " //evil.example"],
)
def test_next_never_leaves_the_site(officer: User, world: World, hostile: str) -> None:
    enrolled(officer)
    client = password_only(officer)
    response = client.post(f"/accounts/2fa/verify/?{urlencode({'next': hostile})}", {"code": code_at(SECRET)})
    assert response.status_code == 302 and response.url == "/accounts/dashboard/"

    person = world.people["emp_jinshui"]
    login = Client().post(
        "/accounts/login/",
        {"username": person.id_number, "password": PASSWORD, "next": hostile},
    )
    assert login.status_code == 302 and login.url == "/accounts/dashboard/"


def test_next_within_the_site_is_kept_through_password_and_second_factor(officer: User) -> None:
    enrolled(officer)
    client = Client()
    after_password = client.post("/accounts/login/?next=/people/", {"username": officer.username, "password": PASSWORD})
    assert after_password.url == "/people/"
    held = client.get("/people/")
    assert held.url == "/accounts/2fa/verify/?next=%2Fpeople%2F"
    assert client.post(held.url, {"code": code_at(SECRET)}).url == "/people/"


def test_on_https_next_may_not_downgrade_to_http(officer: User) -> None:
    enrolled(officer)
    client = password_only(officer)
    response = client.post(
        "/accounts/2fa/verify/",
        {"code": code_at(SECRET), "next": "http://testserver/people/"},
        secure=True,
    )
    assert response.url == "/accounts/dashboard/"


@pytest.mark.parametrize(("next_url", "lands"), [("//evil.example", None), ("/records/", "/records/")])
def test_record_transition_next_is_checked_too(world: World, next_url: str, lands: str | None) -> None:
    record = declared(world.people["emp_jinshui"])
    client = logged_in(world.people["emp_jinshui"].user)
    response = client.post(f"/records/{record.pk}/transition/", {"to": "submitted", "next": next_url})
    assert response.status_code == 302 and response.url == (lands or f"/records/{record.pk}/")


def test_the_second_factor_pages_are_for_privileged_users_only(world: World) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": world.people["emp_jinshui"].id_number, "password": PASSWORD})
    assert client.get("/accounts/2fa/verify/").status_code == 404
    assert client.get("/accounts/2fa/enrol/").status_code == 404
    assert Client().get("/accounts/2fa/verify/").status_code == 404


def test_enrolled_officer_cannot_re_enrol_without_the_second_factor(officer: User) -> None:
    enrolled(officer)
    client = password_only(officer)
    response = client.get("/accounts/2fa/enrol/")
    assert response.url == "/accounts/2fa/verify/"
    assert AuthenticatorDevice.objects.filter(user=officer, confirmed=False).count() == 0


def test_cli_prints_the_code_the_device_accepts_next(officer: User) -> None:
    from io import StringIO

    from django.core.management import call_command

    enrolled(officer)
    out = StringIO()
    call_command("totp-code", officer.username, stdout=out)
    first = out.getvalue().strip()
    assert password_only(officer).post("/accounts/2fa/verify/", {"code": first}).status_code == 302
    out = StringIO()
    call_command("totp-code", officer.username, stdout=out)
    second = out.getvalue().strip()
    assert second != first  # the used step is skipped: the next step's code, within tolerance
    assert password_only(officer).post("/accounts/2fa/verify/", {"code": second}).status_code == 302
