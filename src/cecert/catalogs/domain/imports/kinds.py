"""The kinds of import: the columns of each (their checks, the template files) and the kinds other apps
register on this machinery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cecert.accounts.models import User
from cecert.catalogs import sheets
from cecert.catalogs.enums import ImportKind
from cecert.catalogs.models import ImportRun
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ACTIVITY_MODELS
from cecert.organisations.models import Organisation

BASE_KINDS = (ImportKind.BASE_ENROLMENTS, ImportKind.BASE_COMPLETIONS)


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
