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
    """Each kind: who runs it (role and predicate), its layout, its checker and its writer."""
    for kind, role, may_import, module in (
        (ImportKind.MOVEIN_PEOPLE, Role.HR_OFFICER, may_import_for_department, people),
        (ImportKind.STAFF_PEOPLE, Role.EMPLOYER_ADMIN, may_import_for_employer, people),
        (ImportKind.MOVEIN_YEARS, Role.HR_OFFICER, may_import_for_department, years),
    ):
        register_extension(
            kind,
            ImportExtension(
                role=role,
                columns=partial(list, layout.COLUMNS[kind]),
                may_import=may_import,
                checker=module.CHECKER,
                ledger_keys=module.ledger_keys,
                write=module.write,
            ),
        )
