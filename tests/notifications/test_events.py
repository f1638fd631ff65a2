"""The events wired into the transition functions reach the person concerned, in-app and by their verified
contacts: registration decided, record returned or certified, certificate issued or revoked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from cecert.accounts.domain.registration import register_person, transition_registration
from cecert.accounts.models import RegistrationState, User
from cecert.certificates.domain import issuance
from cecert.core import sms
from cecert.crediting.decimals import format_decimal
from cecert.notifications.models import Delivery, Notification
from cecert.records.enums import RecordState
from cecert.review.domain.workflow import transition_record
from tests.certificates.factories import YEAR, full_year
from tests.factories import World, application
from tests.records.factories import advanced, declared


@pytest.fixture(autouse=True)
def _daytime(settings: Any) -> None:
    settings.CECERT_QUIET_HOURS = ""


def verified(user: User) -> User:
    User.objects.filter(pk=user.pk).update(phone_verified_at=timezone.now(), email_verified_at=timezone.now())
    user.refresh_from_db()
    return user


def events_of(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("event", flat=True))


def test_registration_approved_and_returned(world: World) -> None:
    admin = world.users["admin_emp_jinshui"]
    approved = register_person(application(world.orgs["emp_jinshui"]))
    verified(approved.user)
    approved = transition_registration(approved, RegistrationState.APPROVED, by=admin)
    assert events_of(approved.user) == ["registration.approved"]
    assert approved.certificate_number in Notification.objects.get(user=approved.user).message
    assert [m.subject for m in mail.outbox] == ["注册申请已通过"]
    assert approved.certificate_number in sms.outbox[0].body

    returned = register_person(application(world.orgs["emp_jinshui"], phone="13900000001"))
    transition_registration(returned, RegistrationState.RETURNED, by=admin, reason="单位名称填写错误")
    assert events_of(returned.user) == ["registration.returned"]
    assert "单位名称填写错误" in Notification.objects.get(user=returned.user).message
    assert not Delivery.objects.filter(user=returned.user).exists()  # nothing verified: in-app only


def test_record_returned_and_certified(world: World) -> None:
    person = world.people["emp_jinshui"]
    owner = verified(person.user)
    record = advanced(world, declared(person), RecordState.SUBMITTED)
    transition_record(record, RecordState.RETURNED, by=world.users["admin_emp_jinshui"], reason="发票不清晰")
    returned = Notification.objects.get(user=owner, event="record.returned")
    assert returned.message == "记录“公需科目培训”已退回：发票不清晰" and returned.record_id == record.pk
    admin_notice = Notification.objects.get(
        user=world.users["admin_emp_jinshui"], event="task", record=record, message__contains="已退回"
    )
    assert "发票不清晰" in admin_notice.message
    assert set(Delivery.objects.filter(user=owner).values_list("event", "channel")) == {
        ("record.returned", "email"),
        ("record.returned", "sms"),
    }

    certified = advanced(world, declared(person, title="第二次培训"))
    assert certified.state == RecordState.CERTIFIED
    notice = Notification.objects.get(user=owner, event="record.certified")
    assert notice.message == f"记录“第二次培训”已认定，计 {format_decimal(certified.hours)} 学时"


def test_certificate_issued_and_revoked(world: World, settings: Any, tmp_path: Path) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True
    person = world.people["emp_jinshui"]
    owner = verified(person.user)
    full_year(person)
    Notification.objects.all().delete()
    mail.outbox.clear()
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    issued = Notification.objects.get(user=owner, event="certificate.issued")
    assert issued.message == f"您的年度继续教育证书已颁发，编号 {certificate.serial}。"
    assert issued.url == f"/certificates/{certificate.verification_id}/"  # one certificate: its own page
    assert [m.subject for m in mail.outbox] == ["年度继续教育证书已颁发"]

    issuance.revoke_certificate(certificate, "证明材料系伪造", by=world.users["hr_zhengzhou"])
    revoked = Notification.objects.get(user=owner, event="certificate.revoked")
    assert certificate.serial in revoked.message and "证明材料系伪造" in revoked.message
    assert mail.outbox[-1].subject == "年度继续教育证书已作废"


def test_a_batch_issue_notifies_each_holder(world: World, settings: Any, tmp_path: Path) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True
    people = [world.people["emp_jinshui"], world.people["emp_zhongyuan"]]
    for person in people:
        full_year(person)
    batch = issuance.start_batch(world.orgs["hr_zhengzhou"], YEAR, by=world.users["hr_zhengzhou"])
    issuance.issue_annual_batch(batch)
    holders = set(Notification.objects.filter(event="certificate.issued").values_list("user_id", flat=True))
    assert holders == {p.user_id for p in people}
