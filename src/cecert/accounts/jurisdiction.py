"""Who may see whom: jurisdiction as query filters, failing closed.

Every queryset of people, organisations and (later) records that a view or an
endpoint shows goes through these filters. A user with no recognised role gets
an empty filter, never an unrestricted one. Objects outside the filter answer
404: the caller cannot tell "not yours" from "does not exist".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from cecert.accounts.roles import Role

if TYPE_CHECKING:
    from cecert.accounts.models import User

NOTHING = Q(pk__in=[])


def person_scope(user: User, via: str = "") -> Q:
    """Filter on Person (or on a model reaching Person through ``via``, e.g. ``"person__"``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    scope = NOTHING
    for membership in user.active_memberships:
        org = membership.organisation
        if membership.role == Role.HR_OFFICER and org is not None:
            scope |= Q(**{f"{via}employer__jurisdiction_path__startswith": org.region.path})
        elif membership.role == Role.INDUSTRY_OFFICER and org is not None and org.industry_id is not None:
            # (an industry body with no industry sees nobody: ``industry_id=None`` would match every
            # employer without an industry)
            scope |= Q(
                **{
                    f"{via}employer__jurisdiction_path__startswith": org.region.path,
                    f"{via}employer__industry_id": org.industry_id,
                }
            )
        elif membership.role == Role.EMPLOYER_ADMIN and org is not None:
            scope |= Q(**{f"{via}employer_id": org.pk})
    # A professional always sees themselves, whatever other roles they hold.
    scope |= Q(**{f"{via}user_id": user.pk})
    return scope


def organisation_scope(user: User, via: str = "") -> Q:
    """Filter on Organisation: the organisations a user may see and act on."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    scope = NOTHING
    for membership in user.active_memberships:
        org = membership.organisation
        if membership.role == Role.SYSADMIN:
            return Q()  # master data belongs to the system administrator
        if membership.role == Role.HR_OFFICER and org is not None:
            scope |= Q(**{f"{via}jurisdiction_path__startswith": org.region.path})
        elif membership.role == Role.INDUSTRY_OFFICER and org is not None:
            scope |= Q(**{f"{via}pk": org.pk})
            if org.industry_id is not None:
                scope |= Q(
                    **{
                        f"{via}jurisdiction_path__startswith": org.region.path,
                        f"{via}industry_id": org.industry_id,
                    }
                )
        elif membership.role in (Role.EMPLOYER_ADMIN, Role.BASE_ADMIN) and org is not None:
            scope |= Q(**{f"{via}pk": org.pk})
    return scope
