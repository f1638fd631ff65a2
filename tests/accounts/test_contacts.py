"""Mobile number and e-mail address verified at registration by a code sent to each (issue 15, item 1)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from cecert.accounts.domain.codes import MAX_WRONG_ENTRIES
from cecert.accounts.domain.contacts import verify_contact
from cecert.accounts.models import Person, User
from cecert.audit.models import AuditEntry
from cecert.core import sms
from tests.factories import PASSWORD, World, id_number_for, logged_in


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: Any) -> None:
    settings.CECERT_SMS_BACKEND = "cecert.core.sms.LocmemBackend"
    sms.outbox.clear()


def register(client: Client, world: World, **overrides: str) -> str:
    number = id_number_for("410105")
    from cecert.accounts.idnumbers import parse_id_number

    parsed = parse_id_number(number)
    data = {
        "id_number": number,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "name": "李四",
        "gender": parsed.gender,
        "birth_date": parsed.birth_date.isoformat(),
        "education": "bachelor",
        "specialty": "临床医学",
        "title_series": "卫生",
        "phone": "13812345678",
        "email": "li.si@example.cn",
        "region": world.orgs["emp_jinshui"].region.code,
        "employer": world.orgs["emp_jinshui"].pk,
        **overrides,
    }
    response = client.post("/accounts/register/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def sms_code() -> str:
    return re.search(r"验证码 (\d{6})", sms.outbox[-1].body).group(1)  # type: ignore[union-attr]


def email_code() -> str:
    return re.search(r"验证码 (\d{6})", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]


def test_registration_sends_a_code_to_each_contact_and_records_what_was_verified(world: World) -> None:
    client = Client()
    page = register(client, world)
    assert "验证手机号码和电子邮箱" in page
    assert [m.to for m in sms.outbox] == ["13812345678"] and [m.to for m in mail.outbox] == [["li.si@example.cn"]]
    user = Person.objects.get(name="李四").user
    assert user.phone_verified_at is None and user.email_verified_at is None

    response = client.post("/accounts/contacts/verify/", {"phone_code": sms_code(), "email_code": ""})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified_at is not None and user.email_verified_at is None
    client.post("/accounts/contacts/verify/", {"email_code": email_code()})
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert "联系方式均已验证" in client.get("/accounts/contacts/verify/").content.decode()
    assert AuditEntry.objects.filter(action="contact.verified", actor=user).count() == 2


def test_a_wrong_code_verifies_nothing_and_five_burn_the_code(world: World) -> None:
    client = Client()
    register(client, world)
    good = sms_code()
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    page = client.post("/accounts/contacts/verify/", {"phone_code": wrong}).content.decode()
    assert "验证码不正确或已过期" in page
    for _ in range(MAX_WRONG_ENTRIES - 1):
        client.post("/accounts/contacts/verify/", {"phone_code": wrong})
    client.post("/accounts/contacts/verify/", {"phone_code": good})
    assert User.objects.get(phone="13812345678").phone_verified_at is None


def test_a_code_proves_only_the_contact_it_was_sent_to(world: World) -> None:
    client = Client()
    register(client, world)
    code = sms_code()
    user = User.objects.get(phone="13812345678")
    user.phone = "13987654321"  # changed after the code went out
    user.save()
    assert not verify_contact(user, "sms", code)
    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_changing_a_contact_at_resubmission_clears_its_verification(world: World) -> None:
    from cecert.accounts.domain.registration import register_person, transition_registration
    from tests.factories import application

    person = register_person(application(world.orgs["emp_jinshui"], phone="13811110000", email="x@example.cn"))
    User.objects.filter(pk=person.user_id).update(phone_verified_at=timezone.now(), email_verified_at=timezone.now())
    transition_registration(person, "returned", by=world.users["admin_emp_jinshui"], reason="补充信息")
    register_person(
        application(world.orgs["emp_jinshui"], id_number=person.id_number, phone="13811119999", email="x@example.cn")
    )
    user = User.objects.get(pk=person.user_id)
    assert user.phone == "13811119999" and user.phone_verified_at is None
    assert user.email_verified_at is not None  # unchanged, still verified


def test_someone_signed_in_verifies_later_and_resends(world: World) -> None:
    user = world.users["person_jinshui"]
    client = logged_in(user)
    assert "未验证" in client.get("/accounts/contacts/verify/").content.decode()
    client.post("/accounts/contacts/verify/", {"resend": "1"})
    assert [m.to for m in sms.outbox] == [user.phone]
    client.post("/accounts/contacts/verify/", {"phone_code": sms_code()})
    user.refresh_from_db()
    assert user.phone_verified_at is not None


def test_without_a_registration_in_this_session_the_page_sends_one_away(world: World) -> None:
    response = Client().get("/accounts/contacts/verify/")
    assert response.status_code == 302 and response.url == "/accounts/register/status/"
    assert Client().post("/accounts/contacts/verify/", {"phone_code": "123456"}).status_code == 302


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "' OR 1=1 --", "1" * 5000, "١٢٣٤٥٦x"])
def test_hostile_code_entries_are_refused_on_the_field(world: World, code: str) -> None:
    client = Client()
    register(client, world)
    page = client.post("/accounts/contacts/verify/", {"phone_code": code, "email_code": code}).content.decode()
    assert page.count("请输入收到的6位数字验证码") == 2
    user = User.objects.get(phone="13812345678")
    assert user.phone_verified_at is None and user.email_verified_at is None
