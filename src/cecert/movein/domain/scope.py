"""Who sees which moving-in imports: only the importer's own organisation (fail closed; 404 outside)."""

from __future__ import annotations

from django.db.models import Q

from cecert.accounts.jurisdiction import NOTHING
from cecert.accounts.models import Role, User
from cecert.catalogs.enums import ImportKind
from cecert.certificates.domain.signing_keys import is_issuing_department
from cecert.organisations.models import Organisation


def importers(user: User) -> dict[str, list[Organisation]]:
    """The organisations ``user`` may run each moving-in kind for."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    departments = [o for o in user.organisations_for(Role.HR_OFFICER) if is_issuing_department(o)]
    employers = user.organisations_for(Role.EMPLOYER_ADMIN)
    out: dict[str, list[Organisation]] = {}
    if departments:
        out[ImportKind.MOVEIN_PEOPLE] = departments
        out[ImportKind.MOVEIN_YEARS] = departments
    if employers:
        out[ImportKind.STAFF_PEOPLE] = employers
    return out


def movein_import_scope(user: User) -> Q:
    """Filter on ImportRun: the moving-in imports of the organisations the user imports for."""
    scope = NOTHING
    for kind, organisations in importers(user).items():
        scope |= Q(kind=kind, organisation_id__in=[o.pk for o in organisations])
    return scope
