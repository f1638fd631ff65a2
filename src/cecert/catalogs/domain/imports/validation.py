"""Validating the sheet's rows: the issue codes, each row's cells converted and checked, duplicates
within the file and against the database, the people and programs it names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from cecert.accounts.models import Person, RegistrationState
from cecert.catalogs.domain.bases import id_digest, identifier_kind, program_activity
from cecert.catalogs.domain.bulk import PersonRef, PolicyCache, record_fields
from cecert.catalogs.domain.imports.kinds import PERSON, PROGRAM, Column
from cecert.catalogs.enums import EnrolmentState, ImportKind, ProgramForm
from cecert.catalogs.models import Enrolment, ImportRun, Program
from cecert.core.errors import DomainError
from cecert.crediting.errors import CreditingInputError, from_validation_error
from cecert.crediting.schemas import ActivityAdapter
from cecert.organisations.models import Organisation
from cecert.records.domain.declaring import Declaration
from cecert.records.domain.references import program_references
from cecert.records.enums import LIVE_STATES, RecordState
from cecert.records.models import Record

DEFAULT_ASSESSMENT = "合格"


# Issue codes (the report's ``code``); tests import these.
UNKNOWN_PERSON = "unknown_person"


OUTSIDE_SCOPE = "outside_scope"


MISSING = "missing"


INVALID = "invalid"


DUPLICATE_EXISTING = "duplicate_existing"


DUPLICATE_ROW = "duplicate_row"


UNKNOWN_PROGRAM = "unknown_program"


NAME_MISMATCH = "name_mismatch"


PROGRAM_FULL = "program_full"


MISSING_COLUMN = "missing_column"


@dataclass
class Issue:
    row: int
    column: str
    field: str
    code: str
    message_zh: str
    message_en: str

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass
class Accepted:
    row: int
    key: str
    person: PersonRef
    fields: dict[str, Any] = field(default_factory=dict)
    enrolment: EnrolmentRow | None = None
    program: Program | None = None


@dataclass(frozen=True)
class EnrolmentRow:
    pk: int
    state: str
    record_id: int | None


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


_TRUE = {"true", "是", "y", "yes", "1", "√", "t"}


_FALSE = {"false", "否", "n", "no", "0", "×", "f"}


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (m := _DATE.match(value)):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None


def convert(column: Column, value: Any) -> Any:
    """Best-effort conversion of a cell to the JSON type the schema expects; a failure keeps the raw value,
    so the crediting schema itself names the field and the problem."""
    if column.kind == "number":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal):
            return Decimal(str(value)) if isinstance(value, float) else value
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return str(value)
    if column.kind == "integer":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.0+)?", value.strip()):
            return int(Decimal(value.strip()))
        return value
    if column.kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        return True if text in _TRUE else False if text in _FALSE else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if not isinstance(value, str) else value


class RowChecker:
    """Validates rows chunk by chunk for one import; keeps only the natural keys already seen."""

    def __init__(self, run: ImportRun, columns: list[Column], index: dict[str, int]) -> None:
        self.run = run
        self.columns = {c.field: c for c in columns}
        self.index = index
        self.org = run.organisation
        self.cache = PolicyCache()
        self.seen: dict[str, int] = {}
        self.programs: dict[int, Program] = {}
        self.program_taken: dict[int, int] = {}
        if run.kind != ImportKind.EMPLOYER_RECORDS:
            self.programs = {p.pk: p for p in Program.objects.filter(base=self.org)}
        self._activity_cache: dict[int, Any] = {}
        self._form_labels: dict[str, str] = {}
        self._employers: dict[int, Organisation] = {}
        self._reference_cache: dict[tuple[int, int | None], dict[str, Any]] = {}

    # -- helpers
    def _cell(self, cells: list[Any], name: str) -> Any:
        position = self.index.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    def _issue(self, row: int, name: str, code: str, zh: str, en: str) -> Issue:
        column = self.columns.get(name)
        return Issue(row, column.header if column else name, name, code, zh, en)

    def _people(self, rows: list[tuple[int, list[Any]]]) -> tuple[dict[str, PersonRef], dict[str, PersonRef]]:
        numbers, digests = set(), set()
        for _, cells in rows:
            raw = self._cell(cells, "person")
            if raw is None:
                continue
            text = convert(PERSON, raw).upper()
            kind = identifier_kind(text)
            if kind == "certificate":
                numbers.add(text)
            elif kind == "id" and (digest := id_digest(text)):
                digests.add(digest)
        columns = ("pk", "name", "state", "employer_id", "user_id")
        by_number: dict[str, PersonRef] = {}
        by_digest: dict[str, PersonRef] = {}
        if numbers:
            for number, *values in Person.objects.filter(certificate_number__in=numbers).values_list(
                "certificate_number", *columns
            ):
                by_number[number] = PersonRef(*values)
        if digests:
            for digest, *values in Person.objects.filter(id_number_digest__in=digests).values_list(
                "id_number_digest", *columns
            ):
                by_digest[digest] = PersonRef(*values)
        return by_number, by_digest

    def _employer(self, employer_id: int) -> Organisation:
        if employer_id not in self._employers:
            self._employers[employer_id] = Organisation.objects.select_related("region", "industry").get(pk=employer_id)
        return self._employers[employer_id]

    def _references(self, program: Program, employer_id: int) -> dict[str, Any]:
        """Article 4: the program's guide course / catalog entry where it fits (once per program and industry)."""
        employer = self._employer(employer_id)
        key = (program.pk, employer.industry_id)
        if key not in self._reference_cache:
            guide, item = program_references(program, employer)
            self._reference_cache[key] = {"guide_course": guide, "catalog_item": item}
        return self._reference_cache[key]

    def _find(self, raw: str, by_number: dict[str, PersonRef], by_digest: dict[str, PersonRef]) -> PersonRef | None:
        text = raw.upper()
        kind = identifier_kind(text)
        if kind == "certificate":
            return by_number.get(text)
        if kind == "id":
            digest = id_digest(text)
            return by_digest.get(digest) if digest else None
        return None

    # -- the chunk
    def check(self, rows: list[tuple[int, list[Any]]], skip: set[int]) -> tuple[list[Accepted], list[Issue]]:
        by_number, by_digest = self._people(rows)
        accepted: list[Accepted] = []
        issues: list[Issue] = []
        pending: list[tuple[int, list[Any], PersonRef]] = []
        for number, cells in rows:
            if number in skip:
                continue
            raw = self._cell(cells, "person")
            if raw is None:
                issues.append(self._issue(number, "person", MISSING, "缺少必填字段", "field required"))
                continue
            person = self._find(convert(PERSON, raw), by_number, by_digest)
            if person is None or person.state != RegistrationState.APPROVED:
                issues.append(
                    self._issue(
                        number,
                        "person",
                        UNKNOWN_PERSON,
                        "未找到该证书管理号或身份证号码对应的已注册人员",
                        "no registered person has this certificate or ID number",
                    )
                )
                continue
            if self.run.kind == ImportKind.EMPLOYER_RECORDS and person.employer_id != self.org.pk:
                issues.append(
                    self._issue(
                        number, "person", OUTSIDE_SCOPE, "该人员不是本单位人员", "the person is not on your staff"
                    )
                )
                continue
            name = self._cell(cells, "name")
            if name is not None and str(name).strip() != person.name:
                issues.append(
                    self._issue(
                        number,
                        "name",
                        NAME_MISMATCH,
                        "姓名与证书管理号（身份证号码）不一致",
                        "the name does not match the registered person",
                    )
                )
                continue
            pending.append((number, cells, person))
        if self.run.kind == ImportKind.EMPLOYER_RECORDS:
            outcome = [self._record_row(n, c, p) for n, c, p in pending]
        else:
            outcome = self._base_rows(pending)
        for item in outcome:
            if isinstance(item, Issue):
                issues.append(item)
            else:
                accepted.append(item)
        accepted, duplicate_issues = self._duplicates(accepted)
        issues.extend(duplicate_issues)
        issues.sort(key=lambda i: i.row)
        return accepted, issues

    def _record_row(self, number: int, cells: list[Any], person: PersonRef) -> Accepted | Issue:
        values: dict[str, Any] = {}
        for name, column in self.columns.items():
            if name in ("person", "name"):
                continue
            raw = self._cell(cells, name)
            if raw is None:
                if column.required and column.kind in ("text", "date") and name in ("title", "start_date", "end_date"):
                    return self._issue(number, name, MISSING, "缺少必填字段", "field required")
                continue
            if column.kind == "date":
                parsed = parse_date(raw)
                if parsed is None:
                    return self._issue(number, name, INVALID, "应为日期 YYYY-MM-DD", "should be a date YYYY-MM-DD")
                values[name] = parsed
            else:
                values[name] = convert(column, raw)
        start, end = values.pop("start_date"), values.pop("end_date")
        if end < start:
            return self._issue(
                number, "end_date", INVALID, "结束日期早于开始日期", "the end date is before the start date"
            )
        if self.cache.closed(end.year):
            return self._issue(
                number,
                "end_date",
                INVALID,
                f"{end.year} 年度已截止，不能再登记该年度的记录",
                f"year {end.year} is closed",
            )
        declaration = Declaration(
            title=str(values.pop("title")),
            start_date=start,
            end_date=end,
            form=str(values.pop("form", "") or ""),
            assessment=str(values.pop("assessment", "") or ""),
        )
        data = {"type": self.run.activity_type, **values, "date": end.isoformat()}
        try:
            activity = ActivityAdapter.validate_python(data)
            fields = record_fields(person.pk, self._employer(person.employer_id), activity, declaration, self.cache)
        except ValidationError as error:
            return self._crediting_issue(number, from_validation_error(error))
        except CreditingInputError as error:
            return self._crediting_issue(number, error)
        except DomainError as error:
            return self._issue(number, error.field, INVALID, error.message_zh, error.message_en)
        if len(declaration.title) > 200:
            return self._issue(
                number, "title", INVALID, "内容（名称）最多 200 字", "the title has at most 200 characters"
            )
        return Accepted(number, fields["dedupe_key"], person, fields)

    def _crediting_issue(self, number: int, error: CreditingInputError) -> Issue:
        first = error.errors[0]
        name = first["field"].split(".")[0].split("[")[0]
        name = name if name in self.columns else first["field"]
        zh = "；".join(e["message_zh"] for e in error.errors)
        en = "; ".join(e["message_en"] for e in error.errors)
        return self._issue(number, name, MISSING if "required" in en and len(error.errors) == 1 else INVALID, zh, en)

    def _base_rows(self, pending: list[tuple[int, list[Any], PersonRef]]) -> list[Accepted | Issue]:
        out: list[Accepted | Issue] = []
        wanted: list[tuple[int, list[Any], PersonRef, Program]] = []
        for number, cells, person in pending:
            raw = self._cell(cells, "program")
            program_id = convert(PROGRAM, raw) if raw is not None else None
            if program_id is None:
                out.append(self._issue(number, "program", MISSING, "缺少必填字段", "field required"))
                continue
            program = self.programs.get(program_id) if isinstance(program_id, int) else None
            if program is None:
                out.append(
                    self._issue(
                        number, "program", UNKNOWN_PROGRAM, "本基地没有该培训项目", "the base has no such program"
                    )
                )
                continue
            wanted.append((number, cells, person, program))
        enrolments: dict[tuple[int, int], EnrolmentRow] = {}
        if wanted:
            found = Enrolment.objects.filter(
                program_id__in={w[3].pk for w in wanted}, person_id__in={w[2].pk for w in wanted}
            ).values_list("pk", "program_id", "person_id", "state", "record_id")
            enrolments = {(e[1], e[2]): EnrolmentRow(e[0], e[3], e[4]) for e in found}
        for number, cells, person, program in wanted:
            enrolment = enrolments.get((program.pk, person.pk))
            if self.run.kind == ImportKind.BASE_ENROLMENTS:
                out.append(self._enrolment_row(number, person, program, enrolment))
            else:
                out.append(self._completion_row(number, cells, person, program, enrolment))
        return out

    def _enrolment_row(
        self, number: int, person: PersonRef, program: Program, enrolment: EnrolmentRow | None
    ) -> Accepted | Issue:
        if enrolment is not None:
            return self._issue(
                number,
                "person",
                DUPLICATE_EXISTING,
                "该人员已报名该培训项目",
                "the person is already enrolled in this program",
            )
        if program.pk not in self.program_taken:
            self.program_taken[program.pk] = program.enrolments.exclude(state=EnrolmentState.CANCELLED).count()
        key = f"enrol:{program.pk}:{person.pk}"
        return Accepted(number, key, person, program=program)

    def _completion_row(
        self, number: int, cells: list[Any], person: PersonRef, program: Program, enrolment: EnrolmentRow | None
    ) -> Accepted | Issue:
        if enrolment is None or enrolment.state == EnrolmentState.CANCELLED:
            return self._issue(
                number,
                "person",
                OUTSIDE_SCOPE,
                "该人员未报名本基地的该培训项目",
                "the person is not enrolled in this program of the base",
            )
        if enrolment.record_id is not None:
            return self._issue(
                number,
                "person",
                DUPLICATE_EXISTING,
                f"该人员已登记结业（记录 #{enrolment.record_id}）",
                f"the completion is already registered (record #{enrolment.record_id})",
            )
        if program.form == ProgramForm.ONLINE:
            return self._issue(
                number,
                "program",
                INVALID,
                "网络学习项目由平台根据学习进度自动登记",
                "online programs are credited from the reported study progress",
            )
        if self.cache.closed(program.end_date.year):
            return self._issue(
                number,
                "program",
                INVALID,
                f"{program.end_date.year} 年度已截止",
                f"year {program.end_date.year} is closed",
            )
        assessment = self._cell(cells, "assessment")
        declaration = Declaration(
            title=program.title,
            start_date=program.start_date,
            end_date=program.end_date,
            form=self._form_labels.setdefault(program.form, str(ProgramForm(program.form).label)),
            assessment=str(assessment) if assessment is not None else DEFAULT_ASSESSMENT,
            **self._references(program, person.employer_id),
        )
        if program.pk not in self._activity_cache:
            self._activity_cache[program.pk] = program_activity(program)
        try:
            fields = record_fields(
                person.pk,
                self._employer(person.employer_id),
                self._activity_cache[program.pk],
                declaration,
                self.cache,
                memo=("program", program.pk),
            )
        except CreditingInputError as error:
            return self._crediting_issue(number, error)
        except DomainError as error:
            return self._issue(number, "program", INVALID, error.message_zh, error.message_en)
        return Accepted(number, fields["dedupe_key"], person, fields, enrolment=enrolment, program=program)

    def _duplicates(self, accepted: list[Accepted]) -> tuple[list[Accepted], list[Issue]]:
        issues: list[Issue] = []
        keep: list[Accepted] = []
        existing: dict[str, int] = {}
        if self.run.kind != ImportKind.BASE_ENROLMENTS and accepted:
            # Filter the states in Python: a state condition in SQL lets the planner pick the state index
            # and scan every certified record, once per chunk (quadratic on big imports).
            live = {*LIVE_STATES, RecordState.DRAFT}
            existing = {
                key: pk
                for key, pk, state in Record.objects.filter(dedupe_key__in=[a.key for a in accepted]).values_list(
                    "dedupe_key", "pk", "state"
                )
                if state in live
            }
        for item in accepted:
            if item.key in self.seen:
                issues.append(
                    self._issue(
                        item.row,
                        "person",
                        DUPLICATE_ROW,
                        f"与第 {self.seen[item.key]} 行重复",
                        f"duplicate of row {self.seen[item.key]}",
                    )
                )
                continue
            if item.key in existing:
                issues.append(
                    self._issue(
                        item.row,
                        "person",
                        DUPLICATE_EXISTING,
                        f"与已有记录 #{existing[item.key]} 重复",
                        f"duplicate of existing record #{existing[item.key]}",
                    )
                )
                continue
            if item.program is not None and self.run.kind == ImportKind.BASE_ENROLMENTS:
                taken = self.program_taken[item.program.pk]
                if taken >= item.program.capacity:
                    issues.append(
                        self._issue(item.row, "program", PROGRAM_FULL, "该培训项目名额已满", "the program is full")
                    )
                    continue
                self.program_taken[item.program.pk] = taken + 1
            self.seen[item.key] = item.row
            keep.append(item)
        return keep, issues
