"""Who may handle an Article 15 case: the HR department of its region (or one above it)."""

from __future__ import annotations

import rules

from cecert.accounts.models import Role, User
from cecert.violations.models import Case


@rules.predicate
def handles_case(user: User, case: Case | None) -> bool:
    return (
        case is not None
        and user.is_authenticated
        and any(case.region_path.startswith(hr.region.path) for hr in user.organisations_for(Role.HR_OFFICER))
    )


rules.add_perm("violations.handle", handles_case)
