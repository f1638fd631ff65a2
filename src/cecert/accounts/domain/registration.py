"""Registration of professionals, their approval by the employer, transfers and identity corrections.

Each workflow has one transition function that runs: veto → write → audit (→ notify), in
one transaction, so a refused step changes nothing and an accepted one is
always logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cecert.accounts.domain.contacts import set_contacts
from cecert.accounts.domain.numbering import allocate_certificate_number
from cecert.accounts.idnumbers import IdNumberError, id_number_digest, parse_id_number
from cecert.accounts.models import (
    PERSON_LOGIN_PREFIX,
    Person,
    RegistrationState,
    Role,
    Transfer,
    TransferState,
    User,
)
from cecert.accounts.signals import person_approved, person_transferred
from cecert.audit.domain import record
from cecert.core.crypto import encrypt_text
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
from cecert.regions.domain import certificate_prefix

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class PersonApplication:
    id_number: str
    password: str
    name: str
    gender: str
    birth_date: dt.date
    education: str
    specialty: str
    title_series: str
    phone: str
    email: str
    employer: Organisation


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("password", "；".join(exc.messages), "the password is too weak") from None


def _identity_fields(id_number: str) -> dict[str, str]:
    return {
        "id_number_digest": id_number_digest(id_number, settings.CECERT_ID_HASH_KEY),
        "id_number_encrypted": encrypt_text(id_number),
        "id_number_masked": id_number[:6] + "********" + id_number[-4:],
    }


def _parse_id(raw: str) -> str:
    try:
        return parse_id_number(raw).value
    except IdNumberError as exc:
        raise DomainError("id_number", exc.message_zh, exc.message_en) from None


def register_person(application: PersonApplication, *, request: HttpRequest | None = None) -> Person:
    """Submit (or resubmit after a return or withdrawal) a professional's registration."""
    id_number = _parse_id(application.id_number)
    parsed = parse_id_number(id_number)
    if parsed.birth_date != application.birth_date:
        raise DomainError("birth_date", "出生日期与身份证号码不一致", "the birth date does not match the ID number")
    if parsed.gender != application.gender:
        raise DomainError("gender", "性别与身份证号码不一致", "the gender does not match the ID number")
    employer = application.employer
    if employer.kind != OrganisationKind.EMPLOYER or employer.state != OrganisationState.APPROVED:
        raise DomainError("employer", "请选择已通过审核的工作单位", "choose an approved employer")
    _check_password(application.password)
    identity = _identity_fields(id_number)
    username = PERSON_LOGIN_PREFIX + identity["id_number_digest"]
    name = application.name.strip()
    profile: dict[str, object] = {
        "name": name,
        "gender": application.gender,
        "birth_date": application.birth_date,
        "education": application.education,
        "specialty": application.specialty.strip(),
        "title_series": application.title_series.strip(),
        "employer": employer,
    }
    with transaction.atomic():
        existing = Person.objects.select_for_update().filter(id_number_digest=identity["id_number_digest"]).first()
        if existing is not None and existing.state not in (
            RegistrationState.RETURNED,
            RegistrationState.WITHDRAWN,
        ):
            raise DomainError("id_number", "该身份证号码已注册", "this ID number is already registered")
        if existing is None:
            user = User(username=username, display_name=name, is_active=False)
        else:
            user = existing.user
            user.display_name = name
        set_contacts(user, application.phone.strip(), application.email.strip())
        user.set_password(application.password)
        try:
            user.save()
        except IntegrityError:
            raise DomainError("id_number", "该身份证号码已注册", "this ID number is already registered") from None
        person = existing or Person(user=user, **identity)
        before = {"state": existing.state} if existing else None
        for field, value in profile.items():
            setattr(person, field, value)
        person.state, person.state_reason = RegistrationState.PENDING, ""
        person.registered_at = timezone.now()
        person.save()
        record(
            "registration.submit",
            actor=user,
            role=Role.PROFESSIONAL,
            obj=person,
            before=before,
            after={"state": person.state, "employer": employer.pk},
            request=request,
        )
    return person


REGISTRATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (RegistrationState.PENDING, RegistrationState.APPROVED): "employer",
    (RegistrationState.PENDING, RegistrationState.RETURNED): "employer",
    (RegistrationState.PENDING, RegistrationState.WITHDRAWN): "applicant",
}


def transition_registration(
    person: Person, to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> Person:
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("employer__region").get(pk=person.pk)
        actor_kind = REGISTRATION_TRANSITIONS.get((person.state, to_state))
        if actor_kind is None:
            raise DomainError(
                "state",
                f"注册申请当前为“{person.get_state_display()}”，不能执行此操作",
                f"a registration in state {person.state} cannot move to {to_state}",
            )
        if actor_kind == "employer" and not by.has_perm("accounts.review_registration", person):
            raise DomainError("person", "只有所在单位管理员可以审核", "only the employer's admin may review")
        if actor_kind == "applicant" and person.user_id != by.pk:
            raise DomainError("person", "只有申请人本人可以撤回", "only the applicant may withdraw")
        if to_state == RegistrationState.RETURNED and not reason.strip():
            raise DomainError("reason", "退回时必须填写原因", "a reason is required to return")
        before = {"state": person.state}
        person.state, person.state_reason = to_state, reason.strip()
        if to_state == RegistrationState.APPROVED:
            person.approved_at = timezone.now()
            if not person.certificate_number:  # assigned once, never changed (Article 13)
                person.certificate_number = allocate_certificate_number(
                    certificate_prefix(person.employer.region, provincial_direct=person.employer.provincial_direct)
                )
            User.objects.filter(pk=person.user_id).update(is_active=True)
        person.save()
        if to_state == RegistrationState.APPROVED:
            person_approved.send(sender=Person, person=person)
        record(
            f"registration.{to_state}",
            actor=by,
            role=Role.PROFESSIONAL if actor_kind == "applicant" else Role.EMPLOYER_ADMIN,
            obj=person,
            before=before,
            after={"state": to_state, "certificate_number": person.certificate_number},
            reason=reason,
            request=request,
        )
        if to_state in (RegistrationState.APPROVED, RegistrationState.RETURNED):
            from cecert.notifications.domain.sending import notify

            context = {"name": person.name, "certificate_number": person.certificate_number or "", "reason": reason}
            notify([person.user_id], f"registration.{to_state}", context)
    return person


def correct_identity(
    person: Person,
    *,
    by: User,
    reason: str,
    id_number: str | None = None,
    name: str | None = None,
    request: HttpRequest | None = None,
) -> Person:
    """ID number and name are fixed after approval; only the employer admin corrects them, audited."""
    if not by.has_perm("accounts.correct_identity", person):
        raise DomainError("person", "只有所在单位管理员可以更正", "only the employer's admin may correct")
    if not reason.strip():
        raise DomainError("reason", "更正必须填写原因", "a reason is required")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = {"name": person.name, "id_number": person.id_number_masked}
        if id_number:
            value = _parse_id(id_number)
            identity = _identity_fields(value)
            if Person.objects.filter(id_number_digest=identity["id_number_digest"]).exclude(pk=person.pk).exists():
                raise DomainError("id_number", "该身份证号码已被他人注册", "another person has this ID number")
            for field, field_value in identity.items():
                setattr(person, field, field_value)
            User.objects.filter(pk=person.user_id).update(username=PERSON_LOGIN_PREFIX + identity["id_number_digest"])
        if name:
            person.name = name.strip()
            User.objects.filter(pk=person.user_id).update(display_name=person.name)
        person.save()
        record(
            "person.correct_identity",
            actor=by,
            role=Role.EMPLOYER_ADMIN,
            obj=person,
            before=before,
            after={"name": person.name, "id_number": person.id_number_masked},
            reason=reason,
            request=request,
        )
    return person


def request_transfer(
    person: Person, to_employer: Organisation, *, by: User, request: HttpRequest | None = None
) -> Transfer:
    if not by.has_perm("accounts.request_transfer", person):
        raise DomainError("person", "只能为本人申请调动", "only the person may request a transfer")
    if to_employer.kind != OrganisationKind.EMPLOYER or to_employer.state != OrganisationState.APPROVED:
        raise DomainError("employer", "请选择已通过审核的工作单位", "choose an approved employer")
    if to_employer.pk == person.employer_id:
        raise DomainError("employer", "新单位与当前单位相同", "the new employer is the current one")
    with transaction.atomic():
        if Transfer.objects.filter(person=person, state=TransferState.PENDING).exists():
            raise DomainError("employer", "已有待审核的调动申请", "a transfer is already pending")
        transfer = Transfer.objects.create(person=person, from_employer_id=person.employer_id, to_employer=to_employer)
        record(
            "transfer.request",
            actor=by,
            role=Role.PROFESSIONAL,
            obj=transfer,
            after={"from": person.employer_id, "to": to_employer.pk},
            request=request,
        )
    return transfer


TRANSFER_TRANSITIONS: dict[tuple[str, str], str] = {
    (TransferState.PENDING, TransferState.APPROVED): "target",
    (TransferState.PENDING, TransferState.RETURNED): "target",
    (TransferState.PENDING, TransferState.WITHDRAWN): "person",
}


def transition_transfer(
    transfer: Transfer, to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> Transfer:
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update(of=("self",)).select_related("person").get(pk=transfer.pk)
        actor_kind = TRANSFER_TRANSITIONS.get((transfer.state, to_state))
        if actor_kind is None:
            raise DomainError(
                "state",
                "调动申请当前状态不能执行此操作",
                f"a transfer in state {transfer.state} cannot move to {to_state}",
            )
        if actor_kind == "target" and not by.has_perm("accounts.review_transfer", transfer):
            raise DomainError("transfer", "只有新单位管理员可以审核", "only the new employer's admin may review")
        if actor_kind == "person" and transfer.person.user_id != by.pk:
            raise DomainError("transfer", "只有本人可以撤回", "only the person may withdraw")
        if to_state == TransferState.RETURNED and not reason.strip():
            raise DomainError("reason", "退回时必须填写原因", "a reason is required to return")
        transfer.state, transfer.reason = to_state, reason.strip()
        transfer.decided_at, transfer.decided_by = timezone.now(), by
        transfer.save()
        if to_state == TransferState.APPROVED:
            # The certificate number stays: it names where the person first registered.
            Person.objects.filter(pk=transfer.person_id).update(employer_id=transfer.to_employer_id)
            person_transferred.send(
                sender=Transfer,
                person=Person.objects.get(pk=transfer.person_id),
                from_employer_id=transfer.from_employer_id,
            )
        record(
            f"transfer.{to_state}",
            actor=by,
            role=Role.EMPLOYER_ADMIN if actor_kind == "target" else Role.PROFESSIONAL,
            obj=transfer,
            before={"state": TransferState.PENDING},
            after={"state": to_state},
            reason=reason,
            request=request,
        )
    return transfer
