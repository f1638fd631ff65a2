"""Who may act on records (Article 11). Jurisdiction filters decide what is visible; these decide acts.

Each predicate takes the acting user and a ``Record`` (or ``Person`` for
declaring). Permissions are combined per action and checked by the one
transition function, so a refused act changes nothing whatever the UI shows.
"""

from __future__ import annotations

import rules

from cecert.accounts.models import Person, Role, User
from cecert.organisations.models import Organisation
from cecert.records.enums import Channel, RecordSubject
from cecert.records.models import Leave, Record


def _admin_of(user: User, employer_id: int) -> bool:
    return any(o.pk == employer_id for o in user.organisations_for(Role.EMPLOYER_ADMIN))


def hr_covers(user: User, employer: Organisation) -> bool:
    """An HR officer whose region subtree contains the employer."""
    return any(employer.jurisdiction_path.startswith(hr.region.path) for hr in user.organisations_for(Role.HR_OFFICER))


def authority_covers(user: User, employer: Organisation) -> bool:
    """An industry officer of the authority in charge of the employer (or same industry within its region)."""
    for authority in user.organisations_for(Role.INDUSTRY_OFFICER):
        if employer.authority_id == authority.pk:
            return True
        if (
            employer.industry_id is not None
            and employer.industry_id == authority.industry_id
            and employer.jurisdiction_path.startswith(authority.region.path)
        ):
            return True
    return False


@rules.predicate
def is_own_person(user: User, person: Person | None) -> bool:
    return person is not None and user.is_authenticated and person.user_id == user.pk


@rules.predicate
def is_person_employer_admin(user: User, person: Person | None) -> bool:
    return person is not None and user.is_authenticated and _admin_of(user, person.employer_id)


@rules.predicate
def is_record_owner(user: User, record: Record | None) -> bool:
    return record is not None and user.is_authenticated and record.person.user_id == user.pk


@rules.predicate
def is_record_employer_admin(user: User, record: Record | None) -> bool:
    return record is not None and user.is_authenticated and _admin_of(user, record.person.employer_id)


@rules.predicate
def is_public_certifier(user: User, record: Record | None) -> bool:
    """Public-subject (and "both") records: the HR department of the person's jurisdiction."""
    if record is None or not user.is_authenticated or record.subject == RecordSubject.PROFESSIONAL:
        return False
    return hr_covers(user, record.person.employer)


@rules.predicate
def is_professional_certifier(user: User, record: Record | None) -> bool:
    """Professional-subject records: the industry authority in charge of the employer."""
    if record is None or not user.is_authenticated or record.subject != RecordSubject.PROFESSIONAL:
        return False
    return authority_covers(user, record.person.employer)


@rules.predicate
def is_spot_checker(user: User, record: Record | None) -> bool:
    return record is not None and user.is_authenticated and hr_covers(user, record.person.employer)


@rules.predicate
def is_source_base_admin(user: User, record: Record | None) -> bool:
    """The admin of the training base a record came from (Article 11(3) skips)."""
    if record is None or not user.is_authenticated or record.channel not in (Channel.BASE, Channel.ONLINE):
        return False
    return record.source_id is not None and any(
        o.pk == record.source_id for o in user.organisations_for(Role.BASE_ADMIN)
    )


@rules.predicate
def is_leave_owner(user: User, leave: Leave | None) -> bool:
    return leave is not None and user.is_authenticated and leave.person.user_id == user.pk


@rules.predicate
def is_leave_employer_admin(user: User, leave: Leave | None) -> bool:
    return leave is not None and user.is_authenticated and _admin_of(user, leave.person.employer_id)


@rules.predicate
def is_provincial_hr(user: User) -> bool:
    return user.is_authenticated and any(
        hr.region.level == "province" for hr in user.organisations_for(Role.HR_OFFICER)
    )


rules.add_perm("records.declare_for", is_own_person | is_person_employer_admin)
rules.add_perm("records.submit", is_record_owner | is_record_employer_admin | is_source_base_admin)
rules.add_perm("records.first_review", is_record_employer_admin)
rules.add_perm("records.certify", is_public_certifier | is_professional_certifier)
rules.add_perm("records.spot_check", is_spot_checker)
rules.add_perm("records.register_as_source", is_source_base_admin)
rules.add_perm("records.merge", is_record_owner | is_record_employer_admin)
rules.add_perm("records.record_leave", is_own_person | is_person_employer_admin)
rules.add_perm("records.confirm_leave", is_leave_employer_admin)
rules.add_perm("records.close_year", is_provincial_hr)
