"""What the people and the years checkers share: cells, issues, names, the importer's reach."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q

from cecert.accounts.idnumbers import IdNumber, IdNumberError, parse_id_number
from cecert.accounts.models import Role, User
from cecert.catalogs.domain.imports import Column, Issue, convert
from cecert.catalogs.models import ImportRun
from cecert.certificates.domain.signing_keys import is_issuing_department
from cecert.core.cells import FORMULA_TRIGGERS
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState

CONFLICT = "conflict"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_HOURS_TENTHS = 10000  # 1000 学时 a year: far above any real year, far below a typo's 10^6


def may_import_for_department(organisation: Organisation, by: User) -> bool:
    """Moving in: an HR officer of an issuing department (province, city, province-administered county)."""
    return is_issuing_department(organisation) and any(
        o.pk == organisation.pk for o in by.organisations_for(Role.HR_OFFICER)
    )


def may_import_for_employer(organisation: Organisation, by: User) -> bool:
    """Bulk registration: the employer's own admin, for an approved employer."""
    return (
        organisation.kind == OrganisationKind.EMPLOYER
        and organisation.state == OrganisationState.APPROVED
        and any(o.pk == organisation.pk for o in by.organisations_for(Role.EMPLOYER_ADMIN))
    )


def employers_in_reach(importer: Organisation) -> Q:
    """Filter on Organisation: the approved employers an import of ``importer`` may place people in."""
    approved = Q(kind=OrganisationKind.EMPLOYER, state=OrganisationState.APPROVED)
    if importer.kind == OrganisationKind.EMPLOYER:
        return approved & Q(pk=importer.pk)
    return approved & Q(jurisdiction_path__startswith=importer.region.path)


class SheetRows:
    """Cells by field and issues naming the row and the column as the sheet shows it."""

    def __init__(self, run: ImportRun, columns: list[Column], index: dict[str, int]) -> None:
        self.run = run
        self.columns = {c.field: c for c in columns}
        self.index = index
        self.seen: dict[str, int] = {}

    def cell(self, cells: list[Any], name: str) -> Any:
        position = self.index.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    def text(self, cells: list[Any], name: str) -> str:
        """The cell as text ('' when empty); a whole number read as a float loses its '.0'."""
        raw = self.cell(cells, name)
        return "" if raw is None else str(convert(self.columns[name], raw)).strip()

    def issue(self, row: int, name: str, code: str, zh: str, en: str) -> Issue:
        column = self.columns.get(name)
        return Issue(row, column.header if column else name, name, code, zh, en)

    def name_problem(self, name: str) -> tuple[str, str] | None:
        if not name:
            return "缺少必填字段", "field required"
        return plain_text_problem(name, 64)


def plain_text_problem(value: str, limit: int) -> tuple[str, str] | None:
    """A text cell stored as given must not be a formula (it reaches exports and pages) nor overlong."""
    if value.startswith(FORMULA_TRIGGERS) or _CONTROL.search(value):
        return "内容含有公式或控制字符", "the cell holds a formula or control characters"
    if len(value) > limit:
        return f"最多 {limit} 个字", f"at most {limit} characters"
    return None


def parse_id_cell(raw: Any) -> IdNumber | tuple[str, str]:
    """The ID number of a cell, or why not (Chinese, English). A number cell has lost its last digits."""
    if not isinstance(raw, str):
        return (
            "身份证号须以文本格式填写（数字格式会丢失末尾几位）",
            "the ID number must be a text cell (a number cell loses its last digits)",
        )
    try:
        return parse_id_number(raw)
    except IdNumberError as exc:
        return exc.message_zh, exc.message_en


def tenths(text: str) -> int | None:
    """``"12.5"`` → 125; None unless a number ≥ 0 with at most one decimal, below the yearly ceiling."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.1")):
        return None
    result = int(value * 10)
    return result if result <= MAX_HOURS_TENTHS else None
