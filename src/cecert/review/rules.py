"""Who may act on records (Article 11). Jurisdiction filters decide what is visible; these decide acts.

Each predicate takes the acting user and a ``Record`` (or ``Person`` for
declaring). Permissions are combined per action and checked by the one
transition function, so a refused act changes nothing whatever the UI shows.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from cecert.accounts.models import Person, Role, User
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
from cecert.records.enums import Channel, RecordSubject
from cecert.records.models import Leave, Record


def _admin_of(user: User, employer_id: int) -> bool:
    return any(o.pk == employer_id for o in user.organisations_for(Role.EMPLOYER_ADMIN))


def hr_covers(user: User, employer: Organisation) -> bool:
    """An HR officer whose region subtree contains the employer."""
    return any(employer.jurisdiction_path.startswith(hr.region.path) for hr in user.organisations_for(Role.HR_OFFICER))


def _authority_in_charge(authority: Organisation, employer: Organisation) -> bool:
    """An industry authority covers the employers it supervises and those of its industry in its region."""
    if authority.kind != OrganisationKind.INDUSTRY_AUTHORITY or authority.state != OrganisationState.APPROVED:
        return False
    if employer.authority_id == authority.pk:
        return True
    return (
        employer.industry_id is not None
        and employer.industry_id == authority.industry_id
        and employer.jurisdiction_path.startswith(authority.region.path)
    )


def professional_certifier_covers(body: Organisation, employer: Organisation) -> bool:
    """Article 11(3): 各级行业主管部门或行业组织 — the authority in charge of the employer, or an industry
    organisation that authority authorises (``body.authority``), inside the organisation's own region."""
    if body.kind == OrganisationKind.INDUSTRY_ORGANISATION:
        authority = body.authority if body.authority_id is not None else None
        if body.state != OrganisationState.APPROVED or authority is None:
            return False
        return employer.jurisdiction_path.startswith(body.region.path) and _authority_in_charge(authority, employer)
    return _authority_in_charge(body, employer)


def professional_employers_q(body: Organisation, via: str = "person__employer__") -> Q:
    """``professional_certifier_covers`` as a filter on employers (reached through ``via``)."""
    nothing = Q(pk__in=[])
    authority: Organisation | None = body
    inside = Q()
    if body.kind == OrganisationKind.INDUSTRY_ORGANISATION:
        authority = body.authority if body.authority_id is not None else None
        if body.state != OrganisationState.APPROVED:
            return nothing
        inside = Q(**{f"{via}jurisdiction_path__startswith": body.region.path})
    if (
        authority is None
        or authority.kind != OrganisationKind.INDUSTRY_AUTHORITY
        or authority.state != OrganisationState.APPROVED
    ):
        return nothing
    in_charge = Q(**{f"{via}authority_id": authority.pk})
    if authority.industry_id is not None:
        in_charge |= Q(
            **{
                f"{via}industry_id": authority.industry_id,
                f"{via}jurisdiction_path__startswith": authority.region.path,
            }
        )
    return in_charge & inside


def authority_covers(user: User, employer: Organisation) -> bool:
    """An industry officer of a body that may certify the employer's professional subjects."""
    return any(professional_certifier_covers(o, employer) for o in user.organisations_for(Role.INDUSTRY_OFFICER))


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
    """Public subjects (11(2)): the HR department of the person's jurisdiction — also the public part of a
    "both" record, until that part is certified."""
    if record is None or not user.is_authenticated or record.subject == RecordSubject.PROFESSIONAL:
        return False
    if record.subject == RecordSubject.BOTH and record.public_certified_at is not None:
        return False
    return hr_covers(user, record.person.employer)


@rules.predicate
def is_professional_certifier(user: User, record: Record | None) -> bool:
    """Professional subjects (11(3)): the industry authority in charge of the employer or an industry
    organisation it authorises — also the professional part of a "both" record, until certified."""
    if record is None or not user.is_authenticated or record.subject == RecordSubject.PUBLIC:
        return False
    if record.subject == RecordSubject.BOTH and record.professional_certified_at is not None:
        return False
    return authority_covers(user, record.person.employer)


@rules.predicate
def is_spot_checker(user: User, record: Record | None) -> bool:
    return record is not None and user.is_authenticated and hr_covers(user, record.person.employer)


@rules.predicate
def is_source_base_admin(user: User, record: Record | None) -> bool:
    """The admin of the training base a record came from: it registers (9(1)) and submits, nothing more."""
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
def is_leave_authority_officer(user: User, leave: Leave | None) -> bool:
    """Article 8(4): an officer of the employer's 业务主管部门 (the industry authority in charge of it)."""
    if leave is None or not user.is_authenticated:
        return False
    authority_id = leave.person.employer.authority_id
    return authority_id is not None and any(
        o.pk == authority_id and o.kind == OrganisationKind.INDUSTRY_AUTHORITY
        for o in user.organisations_for(Role.INDUSTRY_OFFICER)
    )


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
rules.add_perm("records.merge", is_record_owner | is_record_employer_admin)
rules.add_perm("records.record_leave", is_own_person | is_person_employer_admin)
rules.add_perm("records.confirm_leave", is_leave_employer_admin)
rules.add_perm("records.approve_leave", is_leave_authority_officer)
rules.add_perm("records.close_year", is_provincial_hr)
