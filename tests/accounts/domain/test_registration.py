"""Registration, approval, numbering, transfer and identity correction, through the domain functions."""

from __future__ import annotations

import pytest
from django.conf import settings

from cecert.accounts.domain.registration import (
    correct_identity,
    register_person,
    request_transfer,
    transition_registration,
    transition_transfer,
)
from cecert.accounts.idnumbers import id_number_digest
from cecert.accounts.models import Person, RegistrationState, TransferState, User
from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from tests.factories import (
    PASSWORD,
    World,
    application,
    employer,
    employer_admin_of,
    id_number_for,
    registered_person,
)


def test_registration_waits_for_the_employer_and_login_only_after_approval(world: World) -> None:
    emp = world.orgs["emp_jinshui"]
    person = register_person(application(emp, id_number=id_number_for("410105", 77)))
    assert person.state == RegistrationState.PENDING
    assert person.certificate_number is None
    assert not person.user.is_active
    approved = transition_registration(person, RegistrationState.APPROVED, by=world.users["admin_emp_jinshui"])
    assert approved.state == RegistrationState.APPROVED
    assert approved.certificate_number is not None
    assert User.objects.get(pk=person.user_id).is_active


def test_the_id_number_is_not_stored_readably(world: World) -> None:
    number = id_number_for("410105", 78)
    person = register_person(application(world.orgs["emp_jinshui"], id_number=number))
    row = Person.objects.values().get(pk=person.pk)
    assert number not in str(row)
    assert number not in str(User.objects.values().get(pk=person.user_id))
    assert row["id_number_digest"] == id_number_digest(number, settings.CECERT_ID_HASH_KEY)
    assert row["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert person.id_number == number
    assert number not in str(list(AuditEntry.objects.values()))


@pytest.mark.parametrize(
    "employer_key, prefix",
    [
        ("emp_jinshui", "410105"),  # 郑州 01, 金水区 05
        ("emp_zhongyuan", "410102"),
        ("emp_luoyang", "410302"),
        ("emp_gongyi", "412081"),  # 巩义: province-administered county code 20, county digits 81
        ("emp_provincial", "410000"),  # provincial-direct unit
    ],
)
def test_certificate_number_follows_article_13(world: World, employer_key: str, prefix: str) -> None:
    number = world.people[employer_key].certificate_number
    assert number is not None and len(number) == 13 and number.isdigit()
    assert number[:6] == prefix


def test_serials_are_consecutive_within_a_prefix(world: World) -> None:
    emp = world.orgs["emp_jinshui"]
    numbers = [registered_person(emp).certificate_number for _ in range(3)]
    serials = [int(n[6:]) for n in numbers if n]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]


def test_jiyuan_uses_issuing_code_90(world: World) -> None:
    emp = employer("419001", world.orgs["health"])
    person = registered_person(emp, id_number=id_number_for("419001", 5))
    assert person.certificate_number is not None and person.certificate_number.startswith("419000")


def test_return_needs_a_reason_and_the_applicant_can_resubmit(world: World) -> None:
    emp = world.orgs["emp_jinshui"]
    admin = world.users["admin_emp_jinshui"]
    number = id_number_for("410105", 91)
    person = register_person(application(emp, id_number=number))
    with pytest.raises(DomainError) as caught:
        transition_registration(person, RegistrationState.RETURNED, by=admin, reason=" ")
    assert caught.value.field == "reason"
    returned = transition_registration(person, RegistrationState.RETURNED, by=admin, reason="学历证明不清晰")
    assert returned.state_reason == "学历证明不清晰"
    again = register_person(application(emp, id_number=number, name="张三丰"))
    assert (again.pk, again.state, again.name) == (person.pk, RegistrationState.PENDING, "张三丰")


def test_applicant_can_withdraw_but_not_approve(world: World) -> None:
    person = register_person(application(world.orgs["emp_jinshui"]))
    with pytest.raises(DomainError):
        transition_registration(person, RegistrationState.APPROVED, by=person.user)
    withdrawn = transition_registration(person, RegistrationState.WITHDRAWN, by=person.user)
    assert withdrawn.state == RegistrationState.WITHDRAWN


@pytest.mark.parametrize("reviewer", ["admin_emp_luoyang", "hr_province", "health", "sysadmin"])
def test_only_the_employer_admin_approves(world: World, reviewer: str) -> None:
    person = register_person(application(world.orgs["emp_jinshui"]))
    with pytest.raises(DomainError):
        transition_registration(person, RegistrationState.APPROVED, by=world.users[reviewer])
    person.refresh_from_db()
    assert (person.state, person.certificate_number) == (RegistrationState.PENDING, None)


def test_an_approved_registration_cannot_be_approved_again(world: World) -> None:
    person = world.people["emp_jinshui"]
    with pytest.raises(DomainError) as caught:
        transition_registration(person, RegistrationState.APPROVED, by=world.users["admin_emp_jinshui"])
    assert caught.value.field == "state"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"password": "short"}, "password"),
        ({"password": "alllowercaseletters"}, "password"),
        ({"gender": "male", "id_number": id_number_for("410105", 2)}, "gender"),  # sequence 2: female
        ({"birth_date": __import__("datetime").date(1999, 1, 1)}, "birth_date"),
    ],
)
def test_bad_registration_input_names_the_field_and_saves_nothing(
    world: World, overrides: dict[str, object], field: str
) -> None:
    before = (Person.objects.count(), User.objects.count())
    with pytest.raises(DomainError) as caught:
        register_person(application(world.orgs["emp_jinshui"], **overrides))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.message_zh and caught.value.message_en
    assert (Person.objects.count(), User.objects.count()) == before


def test_a_second_registration_with_the_same_number_is_refused(world: World) -> None:
    number = id_number_for("410105", 93)
    register_person(application(world.orgs["emp_jinshui"], id_number=number))
    with pytest.raises(DomainError) as caught:
        register_person(application(world.orgs["emp_zhongyuan"], id_number=number))
    assert caught.value.field == "id_number"


def test_unapproved_employer_cannot_be_chosen(world: World) -> None:
    pending = employer("410105", world.orgs["health"], state="pending")
    with pytest.raises(DomainError) as caught:
        register_person(application(pending))
    assert caught.value.field == "employer"


def test_transfer_keeps_number_and_needs_the_new_employer(world: World) -> None:
    person = world.people["emp_jinshui"]
    number = person.certificate_number
    transfer = request_transfer(person, world.orgs["emp_luoyang"], by=person.user)
    with pytest.raises(DomainError):
        transition_transfer(transfer, TransferState.APPROVED, by=world.users["admin_emp_jinshui"])
    transition_transfer(transfer, TransferState.APPROVED, by=world.users["admin_emp_luoyang"])
    person.refresh_from_db()
    assert person.employer_id == world.orgs["emp_luoyang"].pk
    assert person.certificate_number == number


def test_only_one_pending_transfer(world: World) -> None:
    person = world.people["emp_jinshui"]
    request_transfer(person, world.orgs["emp_luoyang"], by=person.user)
    with pytest.raises(DomainError):
        request_transfer(person, world.orgs["emp_zhongyuan"], by=person.user)


def test_identity_correction_is_audited_and_changes_the_login(world: World) -> None:
    person = world.people["emp_jinshui"]
    admin = world.users["admin_emp_jinshui"]
    new_number = id_number_for("410105", 555)
    correct_identity(person, by=admin, reason="身份证号码录入错误", id_number=new_number, name="李四")
    person.refresh_from_db()
    assert (person.name, person.id_number) == ("李四", new_number)
    entry = AuditEntry.objects.filter(action="person.correct_identity").get()
    assert entry.reason == "身份证号码录入错误" and entry.actor == admin
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=new_number, password=PASSWORD) == person.user


def test_identity_correction_by_another_employer_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        correct_identity(
            world.people["emp_jinshui"], by=employer_admin_of(world.orgs["emp_luoyang"]), reason="x", name="王五"
        )
