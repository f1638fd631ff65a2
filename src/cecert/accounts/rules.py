"""Permission predicates. Jurisdiction filters decide what is visible; these decide who may act."""

from __future__ import annotations

import rules

from cecert.accounts.models import Person, Role, Transfer, User
from cecert.organisations.models import Organisation, OrganisationKind


@rules.predicate
def is_staff_admin(user: User, person: Person | None) -> bool:
    """An admin of the person's current employer."""
    if person is None or not user.is_authenticated:
        return False
    return any(o.pk == person.employer_id for o in user.organisations_for(Role.EMPLOYER_ADMIN))


@rules.predicate
def is_person_self(user: User, person: Person | None) -> bool:
    return person is not None and user.is_authenticated and person.user_id == user.pk


@rules.predicate
def is_transfer_target_admin(user: User, transfer: Transfer | None) -> bool:
    if transfer is None or not user.is_authenticated:
        return False
    return any(o.pk == transfer.to_employer_id for o in user.organisations_for(Role.EMPLOYER_ADMIN))


@rules.predicate
def supervises_organisation(user: User, org: Organisation | None) -> bool:
    """HR departments approve any employer in their subtree; industry authorities those in their charge."""
    if org is None or not user.is_authenticated or org.kind != OrganisationKind.EMPLOYER:
        return False
    for hr in user.organisations_for(Role.HR_OFFICER):
        if org.jurisdiction_path.startswith(hr.region.path):
            return True
    for authority in user.organisations_for(Role.INDUSTRY_OFFICER):
        if org.authority_id == authority.pk or (
            org.industry_id == authority.industry_id and org.jurisdiction_path.startswith(authority.region.path)
        ):
            return True
    return False


@rules.predicate
def hr_over_employer(user: User, org: Organisation | None) -> bool:
    """An HR officer whose region contains the employer (industry authorities do not reset passwords)."""
    if org is None or not user.is_authenticated or org.kind != OrganisationKind.EMPLOYER:
        return False
    return any(org.jurisdiction_path.startswith(hr.region.path) for hr in user.organisations_for(Role.HR_OFFICER))


@rules.predicate
def is_sysadmin(user: User) -> bool:
    return user.is_authenticated and Role.SYSADMIN in user.roles


@rules.predicate
def is_auditor(user: User) -> bool:
    return user.is_authenticated and Role.AUDITOR in user.roles


rules.add_perm("accounts.review_registration", is_staff_admin)
rules.add_perm("accounts.correct_identity", is_staff_admin)
rules.add_perm("accounts.reset_staff_password", is_staff_admin)
rules.add_perm("accounts.reset_employer_admin_password", hr_over_employer)
rules.add_perm("accounts.request_transfer", is_person_self)
rules.add_perm("accounts.review_transfer", is_transfer_target_admin)
rules.add_perm("organisations.review_employer", supervises_organisation)
rules.add_perm("regions.edit_issuing_codes", is_sysadmin)
rules.add_perm("audit.read", is_auditor)
