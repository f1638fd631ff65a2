"""Password change, forgotten password by a one-time code (SMS or e-mail), assisted reset (issue 15.1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from cecert.accounts.domain.passwords import MAX_CODES_PER_HOUR, MAX_WRONG_ENTRIES
from cecert.accounts.models import PasswordResetCode, User
from cecert.audit.models import AuditEntry
from cecert.core import sms
from tests.factories import PASSWORD, World, logged_in

NEW_PASSWORD = "Fresh#2026pass"


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: pytest.FixtureRequest) -> None:
    settings.CECERT_SMS_BACKEND = "cecert.core.sms.LocmemBackend"  # type: ignore[attr-defined]
    sms.outbox.clear()


@pytest.fixture
def world(world: World) -> World:
    """Everyone's contacts verified: codes go only to verified contacts (tests/accounts/test_contacts.py)."""
    User.objects.update(phone_verified_at=timezone.now(), email_verified_at=timezone.now())
    return world


def can_log_in(login: str, password: str) -> bool:
    return Client().post("/accounts/login/", {"username": login, "password": password}).status_code == 302


def forgot(login: str, channel: str = "sms") -> str:
    response = Client().post("/accounts/password/forgot/", {"login": login, "channel": channel}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/"
    return response.content.decode()


def sent_code() -> str:
    return re.search(r"验证码 (\d{6})", sms.outbox[-1].body).group(1)  # type: ignore[union-attr]


def reset(login: str, code: str, password: str = NEW_PASSWORD) -> Client:
    client = Client()
    client.post(
        "/accounts/password/reset/",
        {"login": login, "code": code, "new_password1": password, "new_password2": password},
    )
    return client


# --- password change -------------------------------------------------------------------------------


def test_everyone_signed_in_changes_their_password_with_the_current_one(world: World) -> None:
    person = world.people["emp_jinshui"]
    client = Client()
    client.post("/accounts/login/", {"username": person.id_number, "password": PASSWORD})
    assert "修改密码" in client.get("/accounts/password/change/").content.decode()

    wrong = client.post(
        "/accounts/password/change/",
        {"old_password": "Not@2026right", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "旧密码" in wrong.content.decode()
    weak = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "abcdefgh1", "new_password2": "abcdefgh1"},
    )
    assert "至少三类" in weak.content.decode()
    assert can_log_in(person.id_number, PASSWORD)

    done = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.url == "/accounts/dashboard/"
    assert client.get("/accounts/me/").status_code == 200  # this session stays signed in
    assert can_log_in(person.id_number, NEW_PASSWORD) and not can_log_in(person.id_number, PASSWORD)
    assert AuditEntry.objects.filter(action="password.changed", actor=person.user).count() == 1


def test_officers_change_theirs_too_and_anonymous_users_are_sent_to_login(world: World) -> None:
    officer = world.users["hr_luoyang"]
    response = logged_in(officer).post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == "/accounts/dashboard/"
    assert can_log_in(officer.username, NEW_PASSWORD)
    assert Client().get("/accounts/password/change/").url.startswith("/accounts/login/")


# --- forgotten password ----------------------------------------------------------------------------


def test_a_code_by_sms_resets_the_password_once(world: World) -> None:
    person = world.people["emp_jinshui"]
    page = forgot(person.id_number, "sms")
    assert "验证码已发送" in page
    assert len(sms.outbox) == 1 and sms.outbox[0].to == person.user.phone
    code = sent_code()
    stored = PasswordResetCode.objects.get(user=person.user)
    assert code not in stored.digest and len(stored.digest) == 64  # kept as a keyed digest

    reset(person.id_number, code)
    assert can_log_in(person.id_number, NEW_PASSWORD)
    reset(person.id_number, code, "Other#2026pass")  # single use
    assert can_log_in(person.id_number, NEW_PASSWORD) and not can_log_in(person.id_number, "Other#2026pass")
    actions = list(AuditEntry.objects.filter(actor=person.user, action__startswith="password.").values_list("action"))
    assert ("password.reset_code_sent",) in actions and ("password.reset",) in actions
    assert AuditEntry.objects.filter(action="password.reset_requested", actor=None).count() == 1
    assert ("password.reset_failed",) in actions


def test_a_code_by_e_mail(world: World) -> None:
    admin = world.users["admin_emp_luoyang"]
    admin.email = "hr@example.cn"
    admin.email_verified_at = timezone.now()
    admin.save()
    forgot(admin.username, "email")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hr@example.cn"] and not sms.outbox
    code = re.search(r"验证码 (\d{6})", mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    reset(admin.username, code)
    assert can_log_in(admin.username, NEW_PASSWORD)


def test_unknown_accounts_get_the_same_answer_and_nothing_is_sent(world: World) -> None:
    person = world.people["emp_jinshui"]
    known = forgot(person.id_number)
    unknown = forgot("nobody_here")
    no_phone = world.users["hr_zhengzhou"]  # an account without a mobile number on file
    assert not no_phone.phone
    missing_contact = forgot(no_phone.username)

    assert _no_csrf(known) == _no_csrf(unknown) == _no_csrf(missing_contact)
    assert len(sms.outbox) == 1
    assert AuditEntry.objects.filter(action="password.reset_requested_unknown").count() == 1
    assert AuditEntry.objects.filter(action="password.reset_unverified_contact", actor=no_phone).count() == 1


def test_a_code_goes_only_to_a_verified_contact(world: World) -> None:
    person = world.people["emp_jinshui"]
    User.objects.filter(pk=person.user_id).update(phone_verified_at=None)
    forgot(person.id_number, "sms")
    assert not sms.outbox and not PasswordResetCode.objects.exists()
    forgot(person.id_number, "email")  # the e-mail address is still verified
    assert [m.to for m in mail.outbox] == [[person.user.email]]


def test_known_and_unknown_accounts_cost_the_request_the_same_work(
    world: World, settings: pytest.FixtureRequest
) -> None:
    """Timing enumeration: the request only hashes the login and queues one task of the same shape;
    finding the account and sending happen in the worker."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    person = world.people["emp_jinshui"]
    audit_before = AuditEntry.objects.count()
    known, unknown = forgot(person.id_number), forgot("nobody_here")
    queued = list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", "args_kwargs"))
    assert [path for path, _ in queued] == ["cecert.accounts.tasks.send_reset_code_task"] * 2
    (known_args, unknown_args) = [payload["args"] for _, payload in queued]
    assert len(known_args) == len(unknown_args) == 2 and known_args[1] == unknown_args[1] == "sms"
    assert known_args[0] == person.user.username and unknown_args[0] == "nobody_here"
    assert person.id_number not in str(queued)  # the queue holds the login digest, never the ID number
    assert not sms.outbox and not PasswordResetCode.objects.exists()  # nothing found or sent by the request
    new_audit = AuditEntry.objects.order_by("id")[audit_before:]
    assert [(e.action, e.actor_id) for e in new_audit] == [("password.reset_requested", None)] * 2
    assert _no_csrf(known) == _no_csrf(unknown)


def _no_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", page)


def test_a_code_expires_and_a_new_one_replaces_the_old(world: World) -> None:
    person = world.people["emp_jinshui"]
    forgot(person.id_number)
    first = sent_code()
    forgot(person.id_number)
    second = sent_code()
    if first != second:
        reset(person.id_number, first)
        assert not can_log_in(person.id_number, NEW_PASSWORD)  # superseded
    PasswordResetCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    reset(person.id_number, second)
    assert not can_log_in(person.id_number, NEW_PASSWORD)  # expired
    assert can_log_in(person.id_number, PASSWORD)


def test_five_wrong_codes_burn_the_code(world: World) -> None:
    person = world.people["emp_jinshui"]
    forgot(person.id_number)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(MAX_WRONG_ENTRIES):
        reset(person.id_number, wrong)
    assert PasswordResetCode.objects.get().failed_attempts == MAX_WRONG_ENTRIES
    reset(person.id_number, code)
    assert not can_log_in(person.id_number, NEW_PASSWORD)


def test_codes_per_account_are_limited_per_hour(world: World) -> None:
    person = world.people["emp_jinshui"]
    for _ in range(MAX_CODES_PER_HOUR + 2):
        forgot(person.id_number)
    assert len(sms.outbox) == MAX_CODES_PER_HOUR
    assert AuditEntry.objects.filter(action="password.reset_throttled", actor=person.user).count() == 2


def test_requests_per_address_are_rate_limited(world: World, settings: pytest.FixtureRequest) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "password": (3, 600)}  # type: ignore[attr-defined]
    client = Client()
    statuses = [
        client.post("/accounts/password/forgot/", {"login": f"someone{n}", "channel": "sms"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert client.post("/accounts/password/reset/", {}).status_code == 429


def test_the_new_password_must_meet_the_rules(world: World) -> None:
    person = world.people["emp_jinshui"]
    forgot(person.id_number)
    client = Client()
    weak = client.post(
        "/accounts/password/reset/",
        {"login": person.id_number, "code": sent_code(), "new_password1": "password", "new_password2": "password"},
    )
    assert "至少三类" in weak.content.decode() or "常见" in weak.content.decode()
    assert PasswordResetCode.objects.get().used_at is None  # the code is still good for a proper password


def test_a_reset_lifts_the_login_lockout(world: World) -> None:
    person = world.people["emp_jinshui"]
    for _ in range(5):
        Client().post("/accounts/login/", {"username": person.id_number, "password": "Wrong@2026x"})
    assert Client().post("/accounts/login/", {"username": person.id_number, "password": PASSWORD}).status_code == 429
    forgot(person.id_number)
    reset(person.id_number, sent_code())
    assert can_log_in(person.id_number, NEW_PASSWORD)


# --- assisted reset --------------------------------------------------------------------------------


def assisted(client: Client, url: str) -> str:
    response = client.post(url)
    assert response.status_code == 200
    return re.search(r'<code id="temporary-password">([^<]+)</code>', response.content.decode()).group(1)  # type: ignore[union-attr]


def test_employer_admin_resets_its_staff_who_must_then_choose_a_password(world: World) -> None:
    person = world.people["emp_jinshui"]
    admin_client = logged_in(world.users["admin_emp_jinshui"])
    assert "重置为临时密码" in admin_client.get(f"/people/{person.pk}/").content.decode()
    temporary = assisted(admin_client, f"/people/{person.pk}/reset-password/")
    entry = AuditEntry.objects.get(action="password.assisted_reset")
    assert entry.actor == world.users["admin_emp_jinshui"] and entry.object_id == str(person.user.pk)

    client = Client()
    assert client.post("/accounts/login/", {"username": person.id_number, "password": temporary}).status_code == 302
    assert client.get("/accounts/me/").url == "/accounts/password/change/"
    assert "已由管理员重置" in client.get("/accounts/password/change/").content.decode()
    client.post(
        "/accounts/password/change/",
        {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert client.get("/accounts/me/").status_code == 200


@pytest.mark.parametrize("outsider", ["admin_emp_luoyang", "hr_jinshui", "health", "sysadmin", "person_jinshui"])
def test_outside_the_employer_a_staff_reset_answers_404(world: World, outsider: str) -> None:
    person = world.people["emp_jinshui"]
    before = User.objects.get(pk=person.user.pk).password
    assert logged_in(world.users[outsider]).post(f"/people/{person.pk}/reset-password/").status_code == 404
    assert User.objects.get(pk=person.user.pk).password == before


def test_hr_resets_employer_admins_within_its_region(world: World) -> None:
    employer = world.orgs["emp_luoyang"]
    admin = world.users["admin_emp_luoyang"]
    hr = logged_in(world.users["hr_luoyang"])
    assert "重置为临时密码" in hr.get(f"/organisations/employers/{employer.pk}/").content.decode()
    temporary = assisted(hr, f"/accounts/employers/{employer.pk}/admins/{admin.pk}/reset-password/")
    admin.refresh_from_db()
    assert admin.password_must_change and admin.check_password(temporary)


@pytest.mark.parametrize("outsider", ["hr_zhengzhou", "health", "admin_emp_jinshui", "sysadmin"])
def test_hr_reset_outside_its_region_or_by_others_answers_404(world: World, outsider: str) -> None:
    employer = world.orgs["emp_luoyang"]
    admin = world.users["admin_emp_luoyang"]
    before = User.objects.get(pk=admin.pk).password
    url = f"/accounts/employers/{employer.pk}/admins/{admin.pk}/reset-password/"
    assert logged_in(world.users[outsider]).post(url).status_code == 404
    assert User.objects.get(pk=admin.pk).password == before


def test_hr_cannot_reset_someone_who_is_not_that_employers_admin(world: World) -> None:
    employer = world.orgs["emp_luoyang"]
    other = world.users["hr_luoyang"]  # not an admin of the employer
    url = f"/accounts/employers/{employer.pk}/admins/{other.pk}/reset-password/"
    assert logged_in(world.users["hr_province"]).post(url).status_code == 404
