"""Forms generated from the crediting schemas: the right fields, Chinese labels, errors naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cecert.crediting.forms import activity_form, activity_type_choices, choice_labels
from cecert.crediting.schemas import ACTIVITY_TYPES


def test_every_activity_type_has_a_form() -> None:
    assert {key for key, _ in activity_type_choices()} == ACTIVITY_TYPES
    for key in ACTIVITY_TYPES:
        assert "type" not in activity_form(key)().fields


def test_field_kinds_and_labels() -> None:
    fields = activity_form("conference")().fields
    assert [(name, type(f).__name__, str(f.label)) for name, f in fields.items()] == [
        ("level", "ChoiceField", "会议级别"),
        ("days", "IntegerField", "实际天数"),
        ("presented", "BooleanField", "宣读、报告论文"),
    ]
    assert fields["level"].choices == [("national", "国家部委举办"), ("provincial", "省级")]  # type: ignore[attr-defined]
    assert fields["days"].min_value == 1  # type: ignore[attr-defined]
    training = activity_form("training")().fields
    assert type(training["hours"]).__name__ == "DecimalField"


def test_choice_labels_parse_descriptions() -> None:
    assert choice_labels(["a", "b", "c"], "类别：a 甲 / b 乙 (english)") == [("a", "甲"), ("b", "乙"), ("c", "c")]


def test_valid_input_gives_the_pydantic_model() -> None:
    form = activity_form("paper")(
        {"journal": "provincial_core", "author_rank": "2"}, extra={"date": dt.date(2025, 3, 1)}
    )
    assert form.is_valid(), form.errors
    activity = form.cleaned_data["activity"]
    assert (activity.type, activity.author_rank, activity.supplement, activity.date) == (
        "paper",
        2,
        False,
        dt.date(2025, 3, 1),
    )


@pytest.mark.parametrize(
    ("activity_type", "data", "field", "message"),
    [
        (
            "training",
            {"subject": "public", "organizer": "national", "hours": "12.55"},
            "hours",
            "小数位数过多，最多 1 位",
        ),
        ("conference", {"level": "national", "days": "0"}, "days", "确保该值大于或等于1。"),
        ("training", {"subject": "public", "organizer": "national"}, "hours", "这个字段是必填项。"),
        ("other", {"hours": "3", "approved_by": "x", "kind": "BAD KIND"}, "kind", "格式无效"),
    ],
)
def test_errors_name_the_field(activity_type: str, data: dict[str, str], field: str, message: str) -> None:
    form = activity_form(activity_type)(data)
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_decimal_trailing_zero_is_accepted() -> None:
    form = activity_form("online_course")({"subject": "public", "hours": "12.50"})
    assert form.is_valid()
    assert form.cleaned_data["activity"].hours == Decimal("12.5")
