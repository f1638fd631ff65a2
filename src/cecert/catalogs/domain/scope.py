"""Jurisdiction of catalogs-app objects as query filters, failing closed (outside → 404).

* A training base's admin sees its own base, programs, enrolments and imports.
* An HR officer sees the bases (and their programs, enrolments, flags) whose
  jurisdiction lies in their region subtree, plus enrolments of people in it.
* A professional sees their own enrolments.
* An importer (base or employer admin) sees its organisation's imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from cecert.accounts.jurisdiction import NOTHING, person_scope
from cecert.accounts.models import Role
from cecert.catalogs.enums import CatalogState

if TYPE_CHECKING:
    from cecert.accounts.models import User


def _active(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def base_scope(user: User, via: str = "") -> Q:
    """Filter on Organisation (kind base), or on a model reaching it through ``via`` (e.g. ``"base__"``)."""
    if not _active(user):
        return NOTHING
    scope = NOTHING
    for membership in user.active_memberships:
        org = membership.organisation
        if org is None:
            continue
        if membership.role == Role.HR_OFFICER:
            scope |= Q(**{f"{via}kind": "base", f"{via}jurisdiction_path__startswith": org.region.path})
        elif membership.role == Role.BASE_ADMIN:
            scope |= Q(**{f"{via}pk": org.pk})
    return scope


def managed_base_scope(user: User, via: str = "") -> Q:
    """Only the bases the user administers (writes: programs, enrolments, completions, imports)."""
    if not _active(user):
        return NOTHING
    scope = NOTHING
    for org in user.organisations_for(Role.BASE_ADMIN):
        scope |= Q(**{f"{via}pk": org.pk})
    return scope


def enrolment_scope(user: User) -> Q:
    """Filter on Enrolment: the base's admins and HR above the base, HR/employers of the person, the person."""
    if not _active(user):
        return NOTHING
    return base_scope(user, via="program__base__") | person_scope(user, via="person__")


def catalog_scope(user: User, via: str = "") -> Q:
    """Filter on Catalog: the authority's officers see all of theirs; provincial HR what was filed; all, accepted."""
    if not _active(user):
        return NOTHING
    scope = Q(**{f"{via}state": CatalogState.ACCEPTED})
    for membership in user.active_memberships:
        org = membership.organisation
        if org is None:
            continue
        if membership.role == Role.INDUSTRY_OFFICER:
            scope |= Q(**{f"{via}authority_id": org.pk})
        elif membership.role == Role.HR_OFFICER and org.region.level == "province":
            scope |= Q(**{f"{via}state__in": [CatalogState.FILED, CatalogState.ACCEPTED, CatalogState.RETURNED]})
    return scope


def import_scope(user: User, via: str = "") -> Q:
    """Filter on ImportRun: imports of the organisations the user administers (base or employer)."""
    if not _active(user):
        return NOTHING
    scope = NOTHING
    for role in (Role.BASE_ADMIN, Role.EMPLOYER_ADMIN):
        for org in user.organisations_for(role):
            scope |= Q(**{f"{via}organisation_id": org.pk})
    return scope


def flag_scope(user: User) -> Q:
    """Filter on ProgressReport: the base's admins, HR above the base or above the person."""
    if not _active(user):
        return NOTHING
    scope = managed_base_scope(user, via="base__")
    for hr in user.organisations_for(Role.HR_OFFICER):
        scope |= Q(base__jurisdiction_path__startswith=hr.region.path)
        scope |= Q(person__employer__jurisdiction_path__startswith=hr.region.path)
    return scope
