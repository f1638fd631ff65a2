"""Employer registration and its approval by the HR department or industry authority in charge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from cecert.accounts.domain.registration import _check_password
from cecert.accounts.models import Membership, Role, User
from cecert.audit.domain import record
from cecert.core.errors import DomainError
from cecert.organisations.models import (
    Organisation,
    OrganisationKind,
    OrganisationState,
)
from cecert.organisations.uscc import uscc_problem
from cecert.regions.models import Region

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class EmployerApplication:
    name: str
    uscc: str
    region: Region
    authority: Organisation
    provincial_direct: bool
    admin_username: str
    admin_name: str
    admin_phone: str
    admin_password: str


def check_admin_login(username: str, password: str) -> None:
    """The login an organisation applies with: a name nobody has and a password the policy accepts."""
    if User.objects.filter(username=username.strip()).exists():
        raise DomainError("admin_username", "该登录名已被使用", "this login name is taken")
    try:
        _check_password(password)
    except DomainError as exc:
        raise DomainError("admin_password", exc.message_zh, exc.message_en) from None


def create_pending_admin(org: Organisation, role: str, *, username: str, name: str, phone: str, password: str) -> User:
    """The applying organisation's admin: inactive until the organisation is approved."""
    admin = User(username=username.strip(), display_name=name.strip(), phone=phone.strip(), is_active=False)
    admin.set_password(password)
    admin.save()
    Membership.objects.create(user=admin, role=role, organisation=org)
    return admin


def register_employer(application: EmployerApplication, *, request: HttpRequest | None = None) -> Organisation:
    problem = uscc_problem(application.uscc)
    if problem:
        raise DomainError("uscc", *problem)
    uscc = application.uscc.strip().upper()
    authority = application.authority
    if authority.kind != OrganisationKind.INDUSTRY_AUTHORITY:
        raise DomainError("authority", "请选择行业主管部门", "choose an industry authority")
    if Organisation.objects.filter(uscc=uscc).exists():
        raise DomainError("uscc", "该统一社会信用代码已注册", "this credit code is already registered")
    check_admin_login(application.admin_username, application.admin_password)
    with transaction.atomic():
        employer = Organisation.objects.create(
            kind=OrganisationKind.EMPLOYER,
            name=application.name.strip(),
            uscc=uscc,
            region=application.region,
            industry_id=authority.industry_id,
            authority=authority,
            provincial_direct=application.provincial_direct,
            state=OrganisationState.PENDING,
        )
        admin = create_pending_admin(
            employer,
            Role.EMPLOYER_ADMIN,
            username=application.admin_username,
            name=application.admin_name,
            phone=application.admin_phone,
            password=application.admin_password,
        )
        record(
            "employer.submit",
            actor=admin,
            role=Role.EMPLOYER_ADMIN,
            obj=employer,
            after={"state": employer.state, "name": employer.name},
            request=request,
        )
    return employer


EMPLOYER_TRANSITIONS = {
    (OrganisationState.PENDING, OrganisationState.APPROVED),
    (OrganisationState.PENDING, OrganisationState.RETURNED),
    (OrganisationState.APPROVED, OrganisationState.SUSPENDED),
    (OrganisationState.SUSPENDED, OrganisationState.APPROVED),
}


def transition_employer(
    employer: Organisation, to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> Organisation:
    with transaction.atomic():
        employer = Organisation.objects.select_for_update().get(pk=employer.pk)
        if (employer.state, to_state) not in EMPLOYER_TRANSITIONS:
            raise DomainError(
                "state",
                f"单位当前为“{employer.get_state_display()}”，不能执行此操作",
                f"an employer in state {employer.state} cannot move to {to_state}",
            )
        if not by.has_perm("organisations.review_employer", employer):
            raise DomainError("employer", "无权审核该单位", "you may not review this employer")
        if to_state in (OrganisationState.RETURNED, OrganisationState.SUSPENDED) and not reason.strip():
            raise DomainError("reason", "必须填写原因", "a reason is required")
        before = {"state": employer.state}
        employer.state, employer.state_reason = to_state, reason.strip()
        employer.save(update_fields=["state", "state_reason"])
        if to_state == OrganisationState.APPROVED:
            User.objects.filter(memberships__organisation=employer, memberships__role=Role.EMPLOYER_ADMIN).update(
                is_active=True
            )
        role = Role.HR_OFFICER if by.organisations_for(Role.HR_OFFICER) else Role.INDUSTRY_OFFICER
        record(
            f"employer.{to_state}",
            actor=by,
            role=role,
            obj=employer,
            before=before,
            after={"state": to_state},
            reason=reason,
            request=request,
        )
    return employer
