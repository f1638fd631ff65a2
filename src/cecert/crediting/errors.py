"""Bilingual input errors that name the offending field.

The CLI prints ``error.to_json()`` and exits 2; the HTTP API answers 400 with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from cecert.crediting.schemas import ACTIVITY_TYPES


class FieldError(TypedDict):
    """One problem: ``field`` is a path such as ``activities[0].days`` (``$`` = whole input)."""

    field: str
    message_zh: str
    message_en: str


class CreditingInputError(Exception):
    """Invalid crediting input. ``errors`` lists every problem found, each naming its field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        summary = "; ".join(f"{e['field']}: {e['message_en']}" for e in self.errors)
        super().__init__(summary or "invalid input")

    @classmethod
    def single(cls, field: str, message_zh: str, message_en: str) -> CreditingInputError:
        return cls([FieldError(field=field, message_zh=message_zh, message_en=message_en)])

    def prefixed(self, prefix: str) -> CreditingInputError:
        """The same errors with field paths under ``prefix`` (e.g. ``activities[2]``)."""
        return CreditingInputError([FieldError(**{**e, "field": join_path(prefix, e["field"])}) for e in self.errors])

    def to_json(self) -> dict[str, Any]:
        return {"error": "invalid_input", "errors": [dict(e) for e in self.errors]}


ROOT = "$"


def join_path(prefix: str, field: str) -> str:
    if not prefix or prefix == ROOT:
        return field
    if field == ROOT or not field:
        return prefix
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


def format_loc(loc: Iterable[int | str]) -> str:
    """Turn a pydantic ``loc`` into ``activities[0].days``.

    A discriminated union puts the tag it chose into ``loc`` right after the list
    index (``('activities', 0, 'conference', 'days')``); that is not a field the
    user wrote, so it is dropped.
    """
    path = ""
    previous: int | str | None = None
    for position, part in enumerate(loc):
        is_union_tag = isinstance(part, str) and part in ACTIVITY_TYPES and (position == 0 or isinstance(previous, int))
        previous = part
        if is_union_tag:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path or ROOT


_TYPE_NAMES_ZH = {
    "int_type": ("整数", "an integer"),
    "int_parsing": ("整数", "an integer"),
    "int_from_float": ("整数", "an integer"),
    "bool_type": ("布尔值 true/false", "a boolean true/false"),
    "bool_parsing": ("布尔值 true/false", "a boolean true/false"),
    "string_type": ("字符串", "a string"),
    "decimal_type": ("数字", "a number"),
    "decimal_parsing": ("数字", "a number"),
    "float_type": ("数字", "a number"),
    "finite_number": ("有限的数字", "a finite number"),
    "dict_type": ("对象", "an object"),
    "model_type": ("对象", "an object"),
    "model_attributes_type": ("对象", "an object"),
    "list_type": ("数组", "an array"),
    "date_type": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_format": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
}


def bilingual_messages(error: ErrorDetails) -> tuple[str, str]:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return "缺少必填字段", "field required"
    if kind == "extra_forbidden":
        return "不允许的字段（字段名是否拼写错误？）", "unknown field (misspelt?)"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("tag")
        shown = f"“{tag}”" if tag is not None else ""
        expected = ", ".join(sorted(ACTIVITY_TYPES))
        return (
            f"未知的活动类型{shown}，可选：{expected}",
            f"unknown activity type {tag!r}; expected one of: {expected}",
        )
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        expected_zh = str(expected).replace(" or ", "、").replace(", ", "、")
        return f"取值无效，可选值：{expected_zh}", f"invalid value; expected {expected}"
    if kind in _TYPE_NAMES_ZH:
        zh, en = _TYPE_NAMES_ZH[kind]
        return f"类型错误，应为{zh}", f"wrong type; expected {en}"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        relation_zh = "大于" if kind == "greater_than" else "大于或等于"
        relation_en = "greater than" if kind == "greater_than" else "at least"
        return f"数值过小，应{relation_zh} {bound}", f"too small; must be {relation_en} {bound}"
    if kind in ("less_than", "less_than_equal"):
        bound = ctx.get("lt", ctx.get("le"))
        return f"数值过大，应不超过 {bound}", f"too large; must be at most {bound}"
    if kind == "decimal_max_places":
        places = ctx.get("decimal_places")
        return f"小数位数过多，最多 {places} 位", f"too many decimal places; at most {places}"
    if kind == "date_invalid":
        return (
            f"日期不存在：{ctx.get('value')}",
            f"not an existing calendar date: {ctx.get('value')}",
        )
    if kind == "end_before_start":
        return (
            f"结束日期 {ctx.get('end')} 早于开始日期 {ctx.get('start')}",
            f"end {ctx.get('end')} is before start {ctx.get('start')}",
        )
    if kind in ("string_pattern_mismatch", "string_too_short", "string_too_long"):
        return "格式无效", f"invalid format: {error['msg']}"
    if kind in ("too_long", "too_short"):
        return "项目数量超出范围", error["msg"]
    return "输入无效", error["msg"]


def from_validation_error(exc: ValidationError, prefix: str = "") -> CreditingInputError:
    """Convert a pydantic ``ValidationError`` into a bilingual ``CreditingInputError``."""
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False):
        field = format_loc(error["loc"])
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # The error sits on the activity object; the field at fault is its `type`.
            field = join_path(field, "type")
        message_zh, message_en = bilingual_messages(error)
        errors.append(FieldError(field=join_path(prefix, field), message_zh=message_zh, message_en=message_en))
    return CreditingInputError(errors)
