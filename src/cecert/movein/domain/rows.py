"""What the people and the years checkers share: cells, issues, names, the importer's reach."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from django.db.models import Q

from cecert.accounts.idnumbers import IdNumber, IdNumberError, parse_id_number
from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs.domain.imports import DUPLICATE_ROW, Column, Issue, convert
from cecert.catalogs.models import ImportRow, ImportRun
from cecert.certificates.domain.signing_keys import is_issuing_department
from cecert.core.bulk import insert_rows
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


class Row(Protocol):
    row: int


R = TypeVar("R", bound=Row)


class SheetRows:
    """Cells by field, issues naming the row and the column as the sheet shows it, and the natural keys
    seen so far in the file (``seen``: key → first row), which the resumed commit refills from its rows."""

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

    def parse_rows(
        self, rows: list[tuple[int, list[Any]]], skip: set[int], parse: Callable[[int, list[Any]], R | Issue]
    ) -> tuple[list[R], list[Issue]]:
        """Each row not in ``skip`` checked by itself: the candidates and the rejections."""
        candidates: list[R] = []
        issues: list[Issue] = []
        for number, cells in rows:
            if number not in skip:
                outcome = parse(number, cells)
                if isinstance(outcome, Issue):
                    issues.append(outcome)
                else:
                    candidates.append(outcome)
        return candidates, issues

    def keep_first(
        self,
        candidates: list[R],
        keys: Callable[[R], list[tuple[str, str]]],
        against_database: Callable[[R], Issue | None],
    ) -> tuple[list[R], list[Issue]]:
        """Candidates whose natural keys (``(field, key)`` pairs) are new to the file and that the database
        does not contradict; a repeated key names the row it first appeared in."""
        accepted: list[R] = []
        issues: list[Issue] = []
        for item in candidates:
            item_keys = keys(item)
            repeated = next(((field, key) for field, key in item_keys if key in self.seen), None)
            if repeated is not None:
                first = self.seen[repeated[1]]
                issues.append(
                    self.issue(
                        item.row, repeated[0], DUPLICATE_ROW, f"与第 {first} 行重复", f"duplicate of row {first}"
                    )
                )
            elif (problem := against_database(item)) is not None:
                issues.append(problem)
            else:
                for _, key in item_keys:
                    self.seen[key] = item.row
                accepted.append(item)
        return accepted, issues

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


def record_chunk(run: ImportRun, rows: list[int], *, by: User, action: str, role: str, after: dict[str, Any]) -> None:
    """The import's ledger rows for a committed chunk (a resumed commit skips them) and its audit entry."""
    insert_rows(
        ImportRow, ("run_id", "row_number", "record_id", "enrolment_id"), [(run.pk, n, None, None) for n in rows]
    )
    audit(action, actor=by, role=role, obj=run, after={**after, "count": len(rows), "sha256": run.sha256})


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
