"""Who may act in the catalogs app. Scope filters decide what is visible; these decide acts."""

from __future__ import annotations

import rules

from cecert.accounts.models import Role, User
from cecert.catalogs.models import Catalog
from cecert.organisations.models import Organisation, OrganisationKind


@rules.predicate
def is_provincial_hr(user: User) -> bool:
    return user.is_authenticated and any(
        hr.region.level == "province" for hr in user.organisations_for(Role.HR_OFFICER)
    )


@rules.predicate
def is_hr_over_base(user: User, base: Organisation | None) -> bool:
    """HR officers whose region subtree contains the base decide its recognition (Article 6)."""
    if base is None or not user.is_authenticated or base.kind != OrganisationKind.TRAINING_BASE:
        return False
    return any(base.jurisdiction_path.startswith(hr.region.path) for hr in user.organisations_for(Role.HR_OFFICER))


@rules.predicate
def is_base_admin(user: User, base: Organisation | None) -> bool:
    return (
        base is not None
        and user.is_authenticated
        and any(o.pk == base.pk for o in user.organisations_for(Role.BASE_ADMIN))
    )


@rules.predicate
def is_catalog_author(user: User, catalog: Catalog | None) -> bool:
    return (
        catalog is not None
        and user.is_authenticated
        and any(o.pk == catalog.authority_id for o in user.organisations_for(Role.INDUSTRY_OFFICER))
    )


@rules.predicate
def is_industry_officer(user: User) -> bool:
    return user.is_authenticated and bool(user.organisations_for(Role.INDUSTRY_OFFICER))


rules.add_perm("catalogs.publish_guide", is_provincial_hr)
rules.add_perm("catalogs.draft_catalog", is_industry_officer)
rules.add_perm("catalogs.file_catalog", is_catalog_author)
rules.add_perm("catalogs.decide_catalog", is_provincial_hr)
rules.add_perm("catalogs.recognise_base", is_hr_over_base)
rules.add_perm("catalogs.manage_base", is_base_admin)
