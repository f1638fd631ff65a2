"""Input validation: strict, exact, and every error names its field."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from cecert.crediting.errors import CreditingInputError, from_validation_error
from cecert.crediting.schemas import (
    ACTIVITY_MODELS,
    ACTIVITY_TYPES,
    ActivityAdapter,
    Book,
    ComplianceRequest,
    LeaveSchema,
    OnlineCourse,
    parse_activities,
)

CONFERENCE = {"type": "conference", "level": "national", "days": 2, "presented": False}
BOOK = {"type": "book", "ten_thousand_chars": 1.5, "author_rank": 1}
PAPER = {"type": "paper", "journal": "issn_cn", "author_rank": 1}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def errors_of(value: Any) -> CreditingInputError:
    with pytest.raises(ValidationError) as caught:
        parse_activities(value)
    return from_validation_error(caught.value)


def fields_of(value: Any) -> list[str]:
    return [error["field"] for error in errors_of(value).errors]


INVALID = [
    # (input, the field that must be named)
    pytest.param({"type": "seminar", "days": 2}, "type", id="unknown type"),
    pytest.param({"level": "national", "days": 2}, "type", id="missing type"),
    pytest.param({"type": "conference", "level": "national", "presented": True}, "days", id="missing"),
    pytest.param({**CONFERENCE, "level": "National"}, "level", id="enum case"),
    pytest.param({**CONFERENCE, "level": "city"}, "level", id="enum value"),
    pytest.param({**PAPER, "journal": "core"}, "journal", id="journal enum"),
    pytest.param({**CONFERENCE, "days": 0}, "days", id="zero days"),
    pytest.param({**CONFERENCE, "days": -3}, "days", id="negative days"),
    pytest.param({"type": "degree_course", "courses_passed": 0}, "courses_passed", id="zero courses"),
    pytest.param({"type": "course_study", "months": 0, "passed": True}, "months", id="zero months"),
    pytest.param({"type": "aid_assignment", "months": -1}, "months", id="negative months"),
    pytest.param({"type": "grassroots_service", "days": 0}, "days", id="zero service days"),
    pytest.param({"type": "online_course", "subject": "public", "hours": 0}, "hours", id="0 hours"),
    pytest.param({"type": "online_course", "subject": "public", "hours": -2}, "hours", id="-hours"),
    pytest.param({**BOOK, "ten_thousand_chars": 0}, "ten_thousand_chars", id="zero chars"),
    pytest.param(
        {"type": "research_project", "level": "national", "role": "main", "rank": 0},
        "rank",
        id="rank 0",
    ),
    pytest.param({**PAPER, "author_rank": 0}, "author_rank", id="author rank 0"),
    pytest.param({"type": "patent", "kind": "design", "holder_rank": 0}, "holder_rank", id="holder 0"),
    pytest.param({"type": "award", "level": "national", "rank": -1}, "rank", id="award rank -1"),
    pytest.param({**CONFERENCE, "days": "2"}, "days", id="string for int"),
    pytest.param({**BOOK, "ten_thousand_chars": "1.5"}, "ten_thousand_chars", id="string for decimal"),
    pytest.param({"type": "online_course", "subject": "public", "hours": "30"}, "hours", id="string hours"),
    pytest.param({**CONFERENCE, "days": 2.0}, "days", id="float for int"),
    pytest.param({**CONFERENCE, "days": True}, "days", id="bool for int"),
    pytest.param({**PAPER, "author_rank": True}, "author_rank", id="bool for rank"),
    pytest.param({"type": "online_course", "subject": "public", "hours": True}, "hours", id="bool for hours"),
    pytest.param({**CONFERENCE, "presented": 1}, "presented", id="int for bool"),
    pytest.param({**CONFERENCE, "presented": "yes"}, "presented", id="string for bool"),
    pytest.param({"type": "online_course", "subject": "public", "hours": 1.25}, "hours", id="two decimals"),
    pytest.param({"type": "online_course", "subject": "public", "hours": float("nan")}, "hours", id="nan"),
    pytest.param({"type": "online_course", "subject": "public", "hours": float("inf")}, "hours", id="inf"),
    pytest.param({**BOOK, "ten_thousand_chars": 1.00001}, "ten_thousand_chars", id="5 decimals"),
    pytest.param({**CONFERENCE, "date": "2026-02-30"}, "date", id="30 February"),
    pytest.param({**CONFERENCE, "date": "2025-02-29"}, "date", id="29 Feb not leap"),
    pytest.param({**CONFERENCE, "date": "2026-13-01"}, "date", id="month 13"),
    pytest.param({**CONFERENCE, "date": "20260101"}, "date", id="compact date"),
    pytest.param({**CONFERENCE, "date": "2026-03-01T10:00:00"}, "date", id="datetime"),
    pytest.param({**CONFERENCE, "date": 20260101}, "date", id="number date"),
    pytest.param({**CONFERENCE, "dayz": 2}, "dayz", id="misspelt field"),
    pytest.param({**PAPER, "suplement": True}, "suplement", id="misspelt optional field"),
    pytest.param({"type": "other", "hours": 3}, "approved_by", id="other without approver"),
    pytest.param({"type": "other", "hours": 3, "approved_by": ""}, "approved_by", id="empty approver"),
    pytest.param({"type": "training", "subject": "public", "hours": 3}, "organizer", id="organizer"),
    pytest.param({"type": "training_base", "subject": "general", "hours": 3}, "subject", id="subject"),
    pytest.param("conference", "$", id="not an object"),
]


@pytest.mark.parametrize(("value", "field"), INVALID)
def test_invalid_input_names_the_field(value: Any, field: str) -> None:
    error = errors_of(value)
    assert field in [item["field"] for item in error.errors]
    for item in error.errors:
        assert CHINESE.search(item["message_zh"]), item
        assert item["message_en"]


@pytest.mark.parametrize(("value", "field"), INVALID)
def test_invalid_input_in_a_list_is_indexed(value: Any, field: str) -> None:
    expected = f"[1]{field}" if field == "$" else f"[1].{field}"
    if field == "$":
        expected = "[1]"
    assert expected in fields_of([CONFERENCE, value])


def test_misspelt_field_never_falls_back_to_a_default() -> None:
    # `supplement` has a default; a misspelling must not silently use it.
    assert fields_of({**PAPER, "supplemnt": True}) == ["supplemnt"]


def test_misspelt_required_field_reports_both_problems() -> None:
    assert sorted(fields_of({"type": "grassroots_service", "dayz": 3})) == ["days", "dayz"]


@pytest.mark.parametrize(
    ("error_value", "zh", "en"),
    [
        ({"type": "seminar"}, "未知的活动类型", "unknown activity type"),
        ({"days": 1}, "未知的活动类型", "unknown activity type"),
        ({"type": "grassroots_service"}, "缺少必填字段", "field required"),
        ({"type": "grassroots_service", "days": 1, "x": 1}, "不允许的字段", "unknown field"),
        ({"type": "grassroots_service", "days": "1"}, "类型错误", "wrong type"),
        ({"type": "endorsed_report", "date": "2026-02-30"}, "日期不存在", "not an existing"),
        ({"type": "grassroots_service", "days": 0}, "数值过小", "too small"),
        ({**CONFERENCE, "level": "x"}, "取值无效", "invalid value"),
    ],
)
def test_common_errors_have_chinese_messages(error_value: Any, zh: str, en: str) -> None:
    (error,) = errors_of(error_value).errors
    assert zh in error["message_zh"]
    assert en in error["message_en"]


def test_all_errors_are_reported_together() -> None:
    value = {"type": "conference", "level": "x", "days": 0, "presented": "no", "extra": 1}
    assert sorted(fields_of(value)) == ["days", "extra", "level", "presented"]


# --- accepted input ---------------------------------------------------------------


def test_float_input_is_read_as_the_decimal_that_was_typed() -> None:
    activity = ActivityAdapter.validate_python({"type": "online_course", "subject": "public", "hours": 0.1})
    assert activity.hours == Decimal("0.1")  # type: ignore[union-attr]
    book = ActivityAdapter.validate_python({**BOOK, "ten_thousand_chars": 0.35})
    assert book.ten_thousand_chars == Decimal("0.35")  # type: ignore[union-attr]


def test_decimal_and_int_input_are_accepted() -> None:
    decimal_hours = {"type": "online_course", "subject": "public", "hours": Decimal("12.5")}
    assert ActivityAdapter.validate_python(decimal_hours).hours == Decimal("12.5")  # type: ignore[union-attr]
    int_hours = {"type": "online_course", "subject": "public", "hours": 30}
    assert ActivityAdapter.validate_python(int_hours).hours == 30  # type: ignore[union-attr]


def test_trailing_zero_decimals_are_one_decimal() -> None:
    activity = {"type": "online_course", "subject": "public", "hours": Decimal("12.50")}
    assert ActivityAdapter.validate_python(activity).hours == Decimal("12.5")  # type: ignore[union-attr]


def test_dates_and_defaults() -> None:
    conference = ActivityAdapter.validate_python({**CONFERENCE, "date": "2024-02-29"})
    assert conference.date == date(2024, 2, 29)
    assert ActivityAdapter.validate_python(CONFERENCE).date is None
    paper = ActivityAdapter.validate_python(PAPER)
    assert paper.supplement is False  # type: ignore[union-attr]


def test_parse_activities_keeps_the_shape() -> None:
    assert not isinstance(parse_activities(CONFERENCE), list)
    parsed = parse_activities([CONFERENCE, BOOK])
    assert isinstance(parsed, list)
    assert [a.type for a in parsed] == ["conference", "book"]
    assert parse_activities([]) == []


# --- leave and compliance request ---------------------------------------------------


def leave_errors(value: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        LeaveSchema.model_validate(value)
    return [e["field"] for e in from_validation_error(caught.value).errors]


def test_leave_end_before_start_names_end() -> None:
    value = {"kind": "sick", "start": "2026-03-02", "end": "2026-03-01"}
    assert leave_errors(value) == ["end"]
    with pytest.raises(ValidationError) as caught:
        LeaveSchema.model_validate(value)
    (error,) = from_validation_error(caught.value).errors
    assert "早于" in error["message_zh"]


def test_one_day_leave_is_valid() -> None:
    leave = LeaveSchema.model_validate({"kind": "sick", "start": "2026-03-02", "end": "2026-03-02"})
    assert leave.start == leave.end


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"kind": "holiday", "start": "2026-01-01", "end": "2026-01-02"}, "kind"),
        ({"kind": "sick", "start": "2026-02-30", "end": "2026-03-02"}, "start"),
        ({"kind": "sick", "start": "2026-01-01"}, "end"),
        ({"kind": "sick", "start": "2026-01-01", "end": "2026-01-02", "days": 2}, "days"),
    ],
)
def test_invalid_leave(value: dict[str, Any], field: str) -> None:
    assert field in leave_errors(value)


def request_errors(value: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ComplianceRequest.model_validate(value)
    return [e["field"] for e in from_validation_error(caught.value).errors]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({}, "year"),
        ({"year": "2026"}, "year"),
        ({"year": True}, "year"),
        ({"year": 2026, "activities": [CONFERENCE, {"type": "x"}]}, "activities[1].type"),
        ({"year": 2026, "activities": [{**CONFERENCE, "days": 0}]}, "activities[0].days"),
        (
            {
                "year": 2026,
                "leaves": [{"kind": "sick", "start": "2026-02-01", "end": "2026-01-01"}],
            },
            "leaves[0].end",
        ),
        ({"year": 2026, "region_code": "Xuchang"}, "region_code"),
        ({"year": 2026, "region_code": 4110}, "region_code"),
        ({"year": 2026, "activites": []}, "activites"),
        ({"year": 2026, "activities": {}}, "activities"),
    ],
)
def test_invalid_compliance_request(value: Any, field: str) -> None:
    assert field in request_errors(value)


# --- schema metadata for OpenAPI and the generated form -----------------------------


def test_every_model_and_field_has_chinese_title_and_bilingual_description() -> None:
    models: list[type[BaseModel]] = [*ACTIVITY_MODELS, LeaveSchema, ComplianceRequest]
    for model in models:
        schema = model.model_json_schema()
        assert CHINESE.search(schema["title"]), model
        for name, prop in schema["properties"].items():
            assert CHINESE.search(prop.get("title", "")), (model, name)
            description = prop.get("description", "")
            assert CHINESE.search(description), (model, name)
            assert re.search(r"[a-z]{3}", description), (model, name)


def test_union_schema_is_discriminated_by_type() -> None:
    schema = ActivityAdapter.json_schema()
    assert schema["discriminator"]["propertyName"] == "type"
    assert set(schema["discriminator"]["mapping"]) == ACTIVITY_TYPES
    assert len(ACTIVITY_TYPES) == 16


def test_decimal_fields_are_documented_as_json_numbers() -> None:
    cases: list[tuple[type[BaseModel], str]] = [
        (OnlineCourse, "hours"),
        (Book, "ten_thousand_chars"),
    ]
    for model, name in cases:
        prop = model.model_json_schema()["properties"][name]
        assert prop["type"] == "number"
        assert prop["exclusiveMinimum"] == 0
        assert "anyOf" not in prop
