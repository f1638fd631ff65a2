"""The three moving-in kinds, registered on the record-import machinery (``catalogs.domain.imports``)."""

from __future__ import annotations

from functools import partial

from cecert.accounts.models import Role
from cecert.catalogs.domain.imports import ImportExtension, register_extension
from cecert.catalogs.enums import ImportKind
from cecert.movein.domain import layout, people, years
from cecert.movein.domain.rows import may_import_for_department, may_import_for_employer

MOVEIN_KINDS = (ImportKind.MOVEIN_PEOPLE, ImportKind.MOVEIN_YEARS, ImportKind.STAFF_PEOPLE)
DEPARTMENT_KINDS = (ImportKind.MOVEIN_PEOPLE, ImportKind.MOVEIN_YEARS)


def register() -> None:
    register_extension(
        ImportKind.MOVEIN_PEOPLE,
        ImportExtension(
            role=Role.HR_OFFICER,
            columns=partial(list, layout.PEOPLE_COLUMNS),
            may_import=may_import_for_department,
            checker=people.PeopleChecker,
            ledger_keys=people.ledger_keys,
            write=people.write,
        ),
    )
    register_extension(
        ImportKind.STAFF_PEOPLE,
        ImportExtension(
            role=Role.EMPLOYER_ADMIN,
            columns=partial(list, layout.STAFF_COLUMNS),
            may_import=may_import_for_employer,
            checker=people.PeopleChecker,
            ledger_keys=people.ledger_keys,
            write=people.write,
        ),
    )
    register_extension(
        ImportKind.MOVEIN_YEARS,
        ImportExtension(
            role=Role.HR_OFFICER,
            columns=partial(list, layout.YEAR_COLUMNS),
            may_import=may_import_for_department,
            checker=years.YearsChecker,
            ledger_keys=years.ledger_keys,
            write=years.write,
        ),
    )
