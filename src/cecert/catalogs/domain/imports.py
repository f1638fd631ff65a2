"""Bulk import from .xlsx or CSV: templates, a dry run that writes nothing, a resumable commit.

* ``create_import`` stores the upload once per (importer, kind, activity type,
  content hash): the same file uploaded again is the same import, so
  importing it twice creates nothing new.
* ``check_import`` (the dry run) streams the rows and reports, for every
  rejected row, the row number, the column and the reason; nothing but the
  report is written.
* ``commit_import`` validates again and writes the accepted rows chunk by
  chunk; each chunk (records, the import-row ledger keyed by (import, row
  number), the issues and the progress counters) is one transaction, so an
  interrupted commit resumes after the last finished chunk and never writes a
  row twice. Within a file rows are compared by their natural key (the
  records' ``dedupe_key``, or (program, person) for enrolments), and against
  the database by the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from pydantic import ValidationError

from cecert.accounts.models import Person, RegistrationState, Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs import sheets
from cecert.catalogs.domain.bases import id_digest, identifier_kind, program_activity
from cecert.catalogs.domain.bulk import BulkRecord, PersonRef, PolicyCache, bulk_register, record_fields
from cecert.catalogs.enums import EnrolmentState, ImportKind, ImportState, ProgramForm, RecognitionState, Via
from cecert.catalogs.models import BaseRecognition, Enrolment, ImportIssue, ImportRow, ImportRun, Program
from cecert.core.bulk import insert_rows
from cecert.core.errors import DomainError
from cecert.core.files import IMPORTS, StoredFileMissing, delete_file, local_copy, save_file
from cecert.crediting.errors import CreditingInputError, from_validation_error
from cecert.crediting.schemas import ACTIVITY_MODELS, ActivityAdapter
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.records.domain.declaring import Declaration
from cecert.records.domain.references import program_references
from cecert.records.enums import LIVE_STATES, Channel, RecordState
from cecert.records.models import Record

CHUNK_ROWS = 2000
MAX_UPLOAD_BYTES = sheets.MAX_UPLOAD_BYTES  # the other limits of an import file live beside it in ``sheets``
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
BASE_KINDS = (ImportKind.BASE_ENROLMENTS, ImportKind.BASE_COMPLETIONS)


# --- columns and templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    title: str
    required: bool
    kind: str  # identifier | text | date | number | integer | boolean
    help: str = ""

    @property
    def header(self) -> str:
        return f"{self.title} [{self.field}]"


PERSON = Column(
    "person",
    "证书管理号或身份证号码",
    True,
    "identifier",
    "13 位证书管理号或 18 位身份证号码 / certificate number or ID number",
)
NAME = Column("name", "姓名", False, "text", "填写时须与注册姓名一致 / if given, must match the registered name")
PROGRAM = Column("program", "培训项目编号", True, "integer", "本基地培训项目编号 / the base's program number")
ASSESSMENT = Column("assessment", "考核结果", False, "text", "缺省为“合格” / default 合格")
RECORD_COLUMNS = [
    PERSON,
    NAME,
    Column("title", "内容（名称）", True, "text", "继续教育内容或名称 / what the activity was"),
    Column("start_date", "开始日期", True, "date", "YYYY-MM-DD"),
    Column("end_date", "结束日期", True, "date", "YYYY-MM-DD；决定计入年度 / decides the year"),
    Column("form", "形式", False, "text", "如 面授、网络 / e.g. classroom, online"),
    Column("assessment", "考核结果", False, "text", "如 合格 / e.g. passed"),
]
ACTIVITY_TYPES = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in ACTIVITY_MODELS
}


def activity_columns(activity_type: str) -> list[Column]:
    """Columns of one activity type, from its crediting schema (titles, types, required fields)."""
    model = ACTIVITY_TYPES[activity_type]
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    columns = []
    for name, prop in schema["properties"].items():
        if name in ("type", "date"):
            continue
        options = prop.get("anyOf", [prop])
        kinds = {o.get("type") for o in options} - {"null"}
        enum = [v for o in options for v in (o.get("enum") or ([o["const"]] if "const" in o else []))]
        kind = (
            "number"
            if "number" in kinds
            else "integer"
            if "integer" in kinds
            else "boolean"
            if "boolean" in kinds
            else "text"
        )
        help_text = prop.get("description", "")
        if enum:
            help_text += "；可选：" + "、".join(str(v) for v in enum)
        columns.append(Column(name, prop.get("title", name), name in required, kind, help_text))
    return columns


def columns_for(kind: str, activity_type: str = "") -> list[Column]:
    if kind in EXTENSIONS:
        return EXTENSIONS[kind].columns()
    if kind == ImportKind.BASE_ENROLMENTS:
        return [PERSON, NAME, PROGRAM]
    if kind == ImportKind.BASE_COMPLETIONS:
        return [PERSON, NAME, PROGRAM, ASSESSMENT]
    if kind == ImportKind.EMPLOYER_RECORDS:
        if activity_type not in ACTIVITY_TYPES:
            raise DomainError("activity_type", "请选择活动类型", "choose an activity type")
        return [*RECORD_COLUMNS, *activity_columns(activity_type)]
    raise DomainError("kind", "导入类别无效", "invalid import kind")


def template_name(kind: str, activity_type: str = "") -> str:
    return f"{kind}{'-' + activity_type if activity_type else ''}.xlsx"


def template_bytes(kind: str, activity_type: str = "") -> bytes:
    """The platform's template for one record type (headers ``中文 [field]``, a 说明 sheet)."""
    columns = columns_for(kind, activity_type)
    notes = [(c.header, "必填" if c.required else "选填", c.help) for c in columns]
    title = activity_type or kind
    return sheets.template_workbook(title, [c.header for c in columns], notes)


# --- kinds defined by other apps --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportExtension:
    """An import kind another app defines (moving in, ADR 0023) on this machinery: upload, dry run,
    row-level report, ledger and resumable chunked commit stay here; the app gives its layout, who may
    run it, a checker (``check(chunk, skip) -> (accepted, issues)`` and ``seen``) and a chunk writer."""

    role: str
    columns: Callable[[], list[Column]]
    may_import: Callable[[Organisation, User], bool]
    checker: Callable[[ImportRun, list[Column], dict[str, int]], Any]
    ledger_keys: Callable[[ImportRun, Any], set[int]]
    write: Callable[[ImportRun, list[Any], User], int]


EXTENSIONS: dict[str, ImportExtension] = {}


def register_extension(kind: str, extension: ImportExtension) -> None:
    EXTENSIONS[kind] = extension


# --- storing uploads -----------------------------------------------------------------------------------------


def stored_rows(run: ImportRun) -> Iterator[tuple[int, list[Any]]]:
    """The rows of the stored upload (from a local copy when the ``imports`` store is remote)."""
    try:
        with local_copy(IMPORTS, run.storage_name) as path:
            yield from sheets.iter_rows(path, run.file_format)
    except StoredFileMissing:
        raise sheets.SheetError(
            "导入文件已不在文件存储中，请重新上传", "the uploaded file is missing from the store"
        ) from None


def _may_import(organisation: Organisation, kind: str, by: User) -> bool:
    if kind in EXTENSIONS:
        return EXTENSIONS[kind].may_import(organisation, by)
    if kind == ImportKind.EMPLOYER_RECORDS:
        return organisation.kind == OrganisationKind.EMPLOYER and any(
            o.pk == organisation.pk for o in by.organisations_for(Role.EMPLOYER_ADMIN)
        )
    return organisation.kind == OrganisationKind.TRAINING_BASE and any(
        o.pk == organisation.pk for o in by.organisations_for(Role.BASE_ADMIN)
    )


def create_import(
    organisation: Organisation, *, kind: str, filename: str, content: IO[bytes], by: User, activity_type: str = ""
) -> tuple[ImportRun, bool]:
    """Store an upload; ``(run, created)``. The same file again returns the existing import (created False)."""
    if kind not in ImportKind.values:
        raise DomainError("kind", "导入类别无效", "invalid import kind")
    if not by.is_active or not _may_import(organisation, kind, by):
        raise DomainError("organisation", "无权为该机构导入", "you may not import for this organisation")
    if kind != ImportKind.EMPLOYER_RECORDS:
        activity_type = ""
    columns_for(kind, activity_type)  # validates the activity type
    if kind in BASE_KINDS:
        recognition = BaseRecognition.objects.filter(base=organisation).first()
        if recognition is None or recognition.state != RecognitionState.RECOGNISED:
            raise DomainError("organisation", "基地未经备案认可，不能导入", "the base is not recognised")
    storage_name = secrets.token_hex(16)
    # Received and checked in a temporary file on this machine; only an accepted, new file reaches the store.
    with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="cecert-import-") as out:
        target = Path(out.name)
        digest, size = hashlib.sha256(), 0
        while block := content.read(1 << 20):
            size += len(block)
            if size > MAX_UPLOAD_BYTES:
                raise DomainError("file", "文件过大（上限 50 MB）", "the file is too large (50 MB at most)")
            digest.update(block)
            out.write(block)
        out.flush()
        if size == 0:
            raise DomainError("file", "文件为空", "the file is empty")
        try:
            # Sniffed, and inspected before any parser builds it: zip members, sheet extent, CSV rows and fields.
            file_format = sheets.check_file(target, filename)
        except sheets.SheetError as exc:
            raise DomainError("file", exc.message_zh, exc.message_en) from None
        sha = digest.hexdigest()
        with transaction.atomic():
            existing = (
                ImportRun.objects.select_for_update()
                .filter(organisation=organisation, kind=kind, activity_type=activity_type, sha256=sha)
                .first()
            )
            if existing is not None:
                return existing, False
            out.seek(0)
            save_file(IMPORTS, storage_name, out)
            try:
                run = ImportRun.objects.create(
                    organisation=organisation,
                    kind=kind,
                    activity_type=activity_type,
                    filename=Path(filename).name[:200] or "import",
                    file_format=file_format,
                    sha256=sha,
                    size=size,
                    storage_name=storage_name,
                    created_by=by,
                )
                audit(
                    "import.uploaded",
                    actor=by,
                    role=_role(kind),
                    obj=run,
                    after={"kind": kind, "activity_type": activity_type, "sha256": sha, "size": size},
                )
            except Exception:
                delete_file(IMPORTS, storage_name)
                raise
    return run, True


def _role(kind: str) -> str:
    if kind in EXTENSIONS:
        return EXTENSIONS[kind].role
    return Role.EMPLOYER_ADMIN if kind == ImportKind.EMPLOYER_RECORDS else Role.BASE_ADMIN


# --- validating rows ----------------------------------------------------------------------------------------


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


# --- running an import ----------------------------------------------------------------------------------------


def _header(run: ImportRun, columns: list[Column], cells: list[Any]) -> tuple[dict[str, int], list[Issue]]:
    index: dict[str, int] = {}
    for position, value in enumerate(cells):
        if value is None:
            continue
        text = str(value).strip()
        match = re.search(r"\[([a-z_]+)\]\s*$", text)
        for column in columns:
            if text in (column.header, column.title, column.field) or (match and match[1] == column.field):
                index.setdefault(column.field, position)
                break
    issues = [
        Issue(0, c.header, c.field, MISSING_COLUMN, f"缺少必填列“{c.header}”", f"missing column {c.header!r}")
        for c in columns
        if c.required and c.field not in index
    ]
    return index, issues


def _chunks(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[tuple[int, list[Any]]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


@dataclass
class Opened:
    rows: Iterator[tuple[int, list[Any]]]
    header_row: int
    checker: RowChecker | None
    issues: list[Issue]


def _open(run: ImportRun) -> Opened:
    columns = columns_for(run.kind, run.activity_type)
    rows = stored_rows(run)
    try:
        header_row, header = next(rows)
    except StopIteration:
        return Opened(iter(()), 1, None, [Issue(1, "", "", MISSING_COLUMN, "文件没有表头", "the file has no header")])
    except sheets.SheetError as exc:
        return Opened(iter(()), 1, None, [Issue(1, "", "", INVALID, exc.message_zh, exc.message_en)])
    index, issues = _header(run, columns, header)
    for issue in issues:
        issue.row = header_row
    checker = EXTENSIONS[run.kind].checker if run.kind in EXTENSIONS else RowChecker
    return Opened(rows, header_row, None if issues else checker(run, columns, index), issues)


def _save_issues(run: ImportRun, issues: list[Issue]) -> None:
    ImportIssue.objects.bulk_create(
        [
            ImportIssue(
                run=run,
                row=i.row,
                column=i.column[:64],
                field=i.field[:64],
                code=i.code,
                message_zh=i.message_zh,
                message_en=i.message_en,
            )
            for i in issues
        ],
        batch_size=1000,
    )


def check_import(run: ImportRun, *, progress: Callable[[ImportRun], None] | None = None) -> ImportRun:
    """The dry run: validate every row, store the report (issues, counts); no record, enrolment or ledger row."""
    run = ImportRun.objects.select_related("organisation").get(pk=run.pk)
    if run.state in (ImportState.COMMITTING, ImportState.COMMITTED):
        return run
    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.CHECKING, processed_rows=0)
    run.issues.all().delete()
    opened = _open(run)
    total = accepted_count = rejected = 0
    if opened.checker is None:
        _save_issues(run, opened.issues)
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportState.FAILED, message=opened.issues[0].message_zh, checked_at=timezone.now()
        )
        return ImportRun.objects.get(pk=run.pk)
    try:
        for chunk in _chunks(opened.rows, CHUNK_ROWS):
            accepted, issues = opened.checker.check(chunk, skip=set())
            _save_issues(run, issues)
            total += len(chunk)
            accepted_count += len(accepted)
            rejected += len({i.row for i in issues})
            ImportRun.objects.filter(pk=run.pk).update(processed_rows=total)
            if progress:
                progress(run)
    except sheets.SheetError as exc:
        ImportRun.objects.filter(pk=run.pk).update(state=ImportState.FAILED, message=exc.message_zh)
        return ImportRun.objects.get(pk=run.pk)
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportState.CHECKED,
        total_rows=total,
        processed_rows=total,
        accepted_rows=accepted_count,
        rejected_rows=rejected,
        checked_at=timezone.now(),
        message="",
    )
    return ImportRun.objects.get(pk=run.pk)


def commit_import(
    run: ImportRun, *, by: User, progress: Callable[[ImportRun], None] | None = None, max_chunks: int | None = None
) -> ImportRun:
    """Write the accepted rows, one transaction per chunk; resumes after the last finished chunk.

    ``max_chunks`` stops after that many chunks (the run stays ``committing`` and a later call resumes).
    """
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().select_related("organisation").get(pk=run.pk)
        if run.state == ImportState.COMMITTED:
            return run
        if run.state not in (ImportState.CHECKED, ImportState.COMMITTING):
            raise DomainError("state", "请先完成试导入检查", "run the dry run first")
        if not by.is_active or not _may_import(run.organisation, run.kind, by):
            raise DomainError("organisation", "无权为该机构导入", "you may not import for this organisation")
        resuming = run.state == ImportState.COMMITTING
        if not resuming:
            run.issues.all().delete()
            run.state, run.processed_rows, run.committed_rows, run.rejected_rows = ImportState.COMMITTING, 0, 0, 0
            run.save(update_fields=["state", "processed_rows", "committed_rows", "rejected_rows"])
    recognition = None
    if run.kind in BASE_KINDS:
        recognition = BaseRecognition.objects.filter(base=run.organisation).first()
        if recognition is None or recognition.state != RecognitionState.RECOGNISED:
            raise DomainError("organisation", "基地未经备案认可，不能导入", "the base is not recognised")
    opened = _open(run)
    checker = opened.checker
    if checker is None:
        raise DomainError("file", opened.issues[0].message_zh, opened.issues[0].message_en)
    # Rows already written (the ledger) are skipped; their natural keys still count for duplicates.
    done_rows = _ledger_keys(run, checker)
    last_row = run.last_row
    chunks = 0
    for chunk in _chunks(opened.rows, CHUNK_ROWS):
        if chunk[-1][0] <= last_row:
            continue  # finished before the interruption: records, ledger and issues are all stored
        if max_chunks is not None and chunks >= max_chunks:
            return ImportRun.objects.get(pk=run.pk)
        with transaction.atomic():
            accepted, issues = checker.check(chunk, skip=done_rows)
            written = _write(run, accepted, by=by, recognition=recognition)
            _save_issues(run, issues)
            ImportRun.objects.filter(pk=run.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                committed_rows=F("committed_rows") + written,
                rejected_rows=F("rejected_rows") + len({i.row for i in issues}),
                last_row=chunk[-1][0],
            )
        chunks += 1
        if progress:
            progress(run)
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportState.COMMITTED, committed_at=timezone.now(), total_rows=F("processed_rows")
        )
        run = ImportRun.objects.get(pk=run.pk)
        audit(
            "import.committed",
            actor=by,
            role=_role(run.kind),
            obj=run,
            after={"rows": run.total_rows, "committed": run.committed_rows, "rejected": run.rejected_rows},
        )
    return run


def _ledger_keys(run: ImportRun, checker: RowChecker) -> set[int]:
    if run.kind in EXTENSIONS:
        return EXTENSIONS[run.kind].ledger_keys(run, checker)
    done: set[int] = set()
    if run.kind == ImportKind.BASE_ENROLMENTS:
        rows = ImportRow.objects.filter(run=run).values_list(
            "row_number", "enrolment__program_id", "enrolment__person_id"
        )
        for number, program_id, person_id in rows.iterator(chunk_size=5000):
            checker.seen[f"enrol:{program_id}:{person_id}"] = number
            done.add(number)
    else:
        for number, key in (
            ImportRow.objects.filter(run=run).values_list("row_number", "record__dedupe_key").iterator(chunk_size=5000)
        ):
            checker.seen[key] = number
            done.add(number)
    return done


def _write(run: ImportRun, accepted: list[Accepted], *, by: User, recognition: BaseRecognition | None) -> int:
    """Write one chunk's accepted rows and their ledger rows; returns how many were written."""
    if not accepted:
        return 0
    if run.kind in EXTENSIONS:
        return EXTENSIONS[run.kind].write(run, accepted, by)
    if run.kind == ImportKind.BASE_ENROLMENTS:
        now = timezone.now()
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(program=a.program, person_id=a.person.pk, via=Via.IMPORT, enrolled_by=by, enrolled_at=now)
                for a in accepted
            ],
            batch_size=1000,
        )
        audit(
            "enrolment.bulk_created",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=run,
            after={"count": len(enrolments), "enrolments": [e.pk for e in enrolments]},
        )
        _ledger(run, [(a.row, None, e.pk) for a, e in zip(accepted, enrolments, strict=True)])
        return len(enrolments)
    if run.kind == ImportKind.EMPLOYER_RECORDS:
        records = bulk_register(
            [BulkRecord(a.person, a.fields) for a in accepted],
            channel=Channel.EMPLOYER,
            by=by,
            source=None,
            to_state=RecordState.DRAFT,
            audit_obj=run,
        )
        _ledger(run, [(a.row, r.pk, None) for a, r in zip(accepted, records, strict=True)])
        return len(records)
    assert recognition is not None
    records = bulk_register(
        [BulkRecord(a.person, a.fields) for a in accepted],
        channel=Channel.BASE,
        by=by,
        source=run.organisation,
        to_state=RecordState.SUBMITTED,  # Article 11(1): the employer's first review, whatever the channel
        audit_obj=run,
    )
    ledger = [(a.row, r.pk, a.enrolment.pk if a.enrolment else None) for a, r in zip(accepted, records, strict=True)]
    _ledger(run, ledger)
    # One set-based UPDATE links each enrolment to its record through the ledger (no per-row statements).
    # (filtered on the enrolment alone so that the database uses the enrolment index; an enrolment is
    # completed at most once, so its ledger row with a record is this one)
    link = ImportRow.objects.filter(enrolment_id=OuterRef("pk"), record_id__isnull=False)
    Enrolment.objects.filter(pk__in=[e for _, _, e in ledger]).update(
        state=EnrolmentState.COMPLETED,
        completed_at=timezone.now(),
        record_id=Subquery(link.values("record_id")[:1]),
        assessment=Subquery(link.values("record__assessment")[:1]),
    )
    return len(records)


def _ledger(run: ImportRun, rows: Sequence[tuple[int, int | None, int | None]]) -> None:
    insert_rows(ImportRow, ("run_id", "row_number", "record_id", "enrolment_id"), [(run.pk, *row) for row in rows])


# --- reports -------------------------------------------------------------------------------------------


def import_report(run: ImportRun, *, limit: int | None = None) -> dict[str, Any]:
    """The report as JSON (the page, the CLI and the API show the same)."""
    run.refresh_from_db()
    issues = run.issues.order_by("row", "pk")
    rows = [
        {
            "row": i.row,
            "column": i.column,
            "field": i.field,
            "code": i.code,
            "message_zh": i.message_zh,
            "message_en": i.message_en,
        }
        for i in (issues[:limit] if limit else issues.iterator(chunk_size=2000))
    ]
    return {
        "import": run.pk,
        "file": run.filename,
        "kind": run.kind,
        "activity_type": run.activity_type,
        "state": run.state,
        "dry_run": run.state != ImportState.COMMITTED,
        "rows": run.total_rows or run.processed_rows,
        "processed": run.processed_rows,
        "accepted": run.accepted_rows if run.state != ImportState.COMMITTED else run.committed_rows,
        "rejected": run.rejected_rows,
        "committed": run.committed_rows,
        "errors": rows,
        "message": run.message,
    }


def error_sheet(run: ImportRun) -> bytes:
    """The original sheet with an error column and the rejected rows (and bad cells) in red."""
    columns = columns_for(run.kind, run.activity_type)
    rows_iter = stored_rows(run)
    first = next(rows_iter, None)
    if first is None:
        return b""
    header_row, header = first
    index, _ = _header(run, columns, header)
    width = max(len(header), 1)

    def all_rows() -> Iterator[tuple[int, list[Any]]]:
        yield first
        yield from rows_iter

    def grouped() -> Iterator[tuple[int, list[int], str]]:
        current: int | None = None
        bad: list[int] = []
        texts: list[str] = []
        for issue in run.issues.order_by("row", "pk").iterator(chunk_size=2000):
            if current is not None and issue.row != current:
                yield current, bad, "；".join(texts)
                bad, texts = [], []
            current = issue.row
            if issue.field in index:
                bad.append(index[issue.field])
            texts.append(f"{issue.column or '文件'}：{issue.message_zh}")
        if current is not None:
            yield current, bad, "；".join(texts)

    buffer = io.BytesIO()
    sheets.error_workbook(all_rows(), grouped(), width, header_row, buffer)
    return buffer.getvalue()


def run_import(run: ImportRun, *, by: User, dry_run: bool) -> ImportRun:
    """Check, and unless ``dry_run`` commit (the CLI and the task)."""
    run = check_import(run) if run.state in (ImportState.UPLOADED, ImportState.CHECKING, ImportState.FAILED) else run
    if dry_run or run.state not in (ImportState.CHECKED, ImportState.COMMITTING):
        return run
    return commit_import(run, by=by)
