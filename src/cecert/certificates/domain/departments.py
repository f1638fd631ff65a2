"""Who issues (Article 12): the HR departments that issue certificates, and those a user acts for.

Reads organisations and accounts only, never the certificate models, so that the models' querysets
can ask it without an import loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cecert.accounts.models import Role
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.regions.models import ISSUING_LEVELS

if TYPE_CHECKING:
    from cecert.accounts.models import User


def is_issuing_department(org: Organisation) -> bool:
    return org.kind == OrganisationKind.HR_DEPARTMENT and org.region.level in ISSUING_LEVELS


def issuing_departments_of(user: User) -> list[Organisation]:
    """The issuing departments a user acts for (HR officers of province, city, direct county)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [o for o in user.organisations_for(Role.HR_OFFICER) if is_issuing_department(o)]
