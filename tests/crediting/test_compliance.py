"""Article 8 pro-rating and the contract's compliance rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cecert.crediting.compliance import assess_compliance, required_for_year
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.policies import PolicySet, get_policy
from cecert.crediting.schemas import ComplianceRequest, LeaveSchema
from tests.crediting.examples import XUCHANG_KEY, example_policy_set

DEFAULT = get_policy("henan-2017-121@2017-08-17")


def leave(kind: str, start: str, end: str) -> LeaveSchema:
    return LeaveSchema.model_validate({"kind": kind, "start": start, "end": end})


def days(first: str, count: int) -> tuple[str, str]:
    """A leave of ``count`` days starting on ``first``: (start, end) inclusive."""
    start = date.fromisoformat(first)
    return first, (start + timedelta(days=count - 1)).isoformat()


def required(year: int, *leaves: LeaveSchema) -> tuple[int, int, int, int]:
    r = required_for_year(DEFAULT, year, leaves)
    return r.total, r.public, r.professional, r.excused_days


def prorated(on_duty: int, days_in_year: int) -> tuple[int, int, int]:
    """Independent oracle: integer half-up of base × on_duty / days_in_year."""
    return tuple(  # type: ignore[return-value]
        (2 * base * on_duty + days_in_year) // (2 * days_in_year) for base in (90, 24, 60)
    )


@pytest.mark.parametrize(
    ("year", "leaves", "excused"),
    [
        # No leave: the full requirement.
        (2026, [], 0),
        # abroad / sick: only over half the year (2026: 365 days → more than 182.5).
        (2026, [leave("abroad", *days("2026-01-01", 182))], 0),
        (2026, [leave("abroad", *days("2026-01-01", 183))], 183),
        (2026, [leave("sick", *days("2026-03-01", 182))], 0),
        (2026, [leave("sick", *days("2026-03-01", 183))], 183),
        (2026, [leave("abroad", *days("2026-01-01", 30))], 0),
        # Leap year 2024: 366 days, exactly half (183) is not "more than half".
        (2024, [leave("abroad", *days("2024-01-01", 183))], 0),
        (2024, [leave("abroad", *days("2024-01-01", 184))], 184),
        (2024, [leave("sick", *days("2024-02-01", 183))], 0),
        (2024, [leave("sick", *days("2024-02-01", 184))], 184),
        # Several periods of one kind add up before the threshold test.
        (
            2026,
            [leave("sick", *days("2026-01-01", 100)), leave("sick", *days("2026-06-01", 100))],
            200,
        ),
        # abroad and sick each under half, together over half: neither qualifies.
        (
            2026,
            [leave("abroad", *days("2026-01-01", 150)), leave("sick", *days("2026-07-01", 150))],
            0,
        ),
        # maternity and other_approved always count, however short.
        (2026, [leave("maternity", *days("2026-03-01", 98))], 98),
        (2026, [leave("maternity", *days("2026-03-01", 1))], 1),
        (2026, [leave("other_approved", *days("2026-05-01", 10))], 10),
        (2024, [leave("maternity", *days("2024-02-01", 158))], 158),
        # Overlapping qualifying leave counts each day once.
        (
            2026,
            [
                leave("maternity", "2026-01-01", "2026-04-30"),
                leave("other_approved", "2026-04-01", "2026-05-31"),
            ],
            151,
        ),
        (
            2026,
            [
                leave("abroad", "2026-01-01", "2026-08-31"),
                leave("maternity", "2026-08-01", "2026-09-30"),
            ],
            273,
        ),
        # A non-qualifying kind does not add days even when it overlaps a qualifying one.
        (
            2026,
            [
                leave("sick", "2026-01-01", "2026-03-31"),
                leave("maternity", "2026-03-01", "2026-04-30"),
            ],
            61,
        ),
        # Year-crossing leave is clipped to the year.
        (2026, [leave("maternity", "2025-11-01", "2026-02-28")], 59),
        (2025, [leave("maternity", "2025-11-01", "2026-02-28")], 61),
        # 15 months abroad, but only 151 days of it in 2026: not over half of 2026.
        (2026, [leave("abroad", "2025-03-01", "2026-05-31")], 0),
        (2025, [leave("abroad", "2025-03-01", "2026-05-31")], 306),
        # Leave wholly outside the year changes nothing.
        (2026, [leave("maternity", "2025-01-01", "2025-12-31")], 0),
        # A whole year away: nothing is required.
        (2026, [leave("maternity", "2026-01-01", "2026-12-31")], 365),
        (2024, [leave("abroad", "2023-06-01", "2025-01-31")], 366),
    ],
)
def test_pro_rating(year: int, leaves: list[LeaveSchema], excused: int) -> None:
    days_in_year = 366 if year == 2024 else 365
    total, public, professional, excused_days = required(year, *leaves)
    assert excused_days == excused
    assert (total, public, professional) == prorated(days_in_year - excused, days_in_year)


def test_contract_pro_rating_example() -> None:
    assert required(2026, leave("abroad", "2026-01-01", "2026-08-31")) == (30, 8, 20, 243)


def test_explicit_rounding_half_up_values() -> None:
    # 98 days of maternity in 2026: 90×267/365 = 65.84 → 66, 24×267/365 = 17.56 → 18, 60×… → 44.
    assert required(2026, leave("maternity", *days("2026-03-01", 98))) == (66, 18, 44, 98)
    # abroad 183 days in 2026: 182 on duty → 44.88 → 45, 11.97 → 12, 29.92 → 30.
    assert required(2026, leave("abroad", *days("2026-01-01", 183))) == (45, 12, 30, 183)


def test_requirement_explains_itself() -> None:
    requirement = required_for_year(DEFAULT, 2026, [leave("sick", *days("2026-01-01", 10))])
    assert "第五条" in requirement.explanation
    assert "未超过半年" in requirement.explanation
    excused = required_for_year(DEFAULT, 2026, [leave("maternity", *days("2026-01-01", 10))])
    assert "第八条" in excused.explanation


iso_dates = st.dates(min_value=date(2022, 1, 1), max_value=date(2028, 12, 31))
leaves_strategy = st.lists(
    st.tuples(
        st.sampled_from(["abroad", "sick", "maternity", "other_approved"]),
        iso_dates,
        st.integers(0, 500),
    ).map(lambda t: LeaveSchema.model_validate({"kind": t[0], "start": t[1], "end": t[1] + timedelta(days=t[2])})),
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(st.integers(2018, 2030), leaves_strategy, leaves_strategy)
def test_pro_rating_never_raises_a_requirement(year: int, some: list[LeaveSchema], more: list[LeaveSchema]) -> None:
    base = required_for_year(DEFAULT, year, [])
    fewer = required_for_year(DEFAULT, year, some)
    extra = required_for_year(DEFAULT, year, some + more)
    for name in ("total", "public", "professional"):
        assert 0 <= fewer.part(name) <= base.part(name)
        # More leave never asks for more.
        assert extra.part(name) <= fewer.part(name)
    assert 0 <= fewer.excused_days <= fewer.days_in_year


# --- compliance ---------------------------------------------------------------------


def assess(value: dict[str, Any], policy_set: PolicySet | None = None) -> dict[str, Any]:
    return assess_compliance(ComplianceRequest.model_validate(value), policy_set=policy_set).to_json()


PUBLIC_24 = {"type": "online_course", "subject": "public", "hours": 24, "date": "2026-03-01"}
PROFESSIONAL_60 = {"type": "training", "subject": "professional", "organizer": "provincial",
                   "hours": 60, "date": "2026-04-01"}  # fmt: skip


def test_contract_compliance_example_exactly() -> None:
    result = assess(
        {
            "year": 2026,
            "activities": [{"type": "online_course", "subject": "public", "hours": 30, "date": "2026-03-01"}],
            "leaves": [{"kind": "abroad", "start": "2026-01-01", "end": "2026-08-31"}],
        }
    )
    explanation = result.pop("explanation")
    assert "第八条" in explanation
    (activity,) = result.pop("activities")
    assert activity["index"] == 0
    assert activity["hours"] == 30
    assert result == {
        "year": 2026,
        "required": {"total": 30, "public": 8, "professional": 20},
        "earned": {"total": 30, "public": 30, "professional": 0},
        "deemed_complete": [],
        "met": False,
        "shortfall": {"total": 0, "public": 0, "professional": 20},
        "excused_days": 243,
        "ignored": [],
        "policy_id": "henan-2017-121@2017-08-17",
        "unit": "hour",
    }


def test_parts_met_but_total_short() -> None:
    # 24 + 60 = 84: both parts met, the 6 either-subject hours still missing.
    result = assess({"year": 2026, "activities": [PUBLIC_24, PROFESSIONAL_60]})
    assert result["met"] is False
    assert result["shortfall"] == {"total": 6, "public": 0, "professional": 0}
    extra = {**PUBLIC_24, "hours": 6}
    assert assess({"year": 2026, "activities": [PUBLIC_24, PROFESSIONAL_60, extra]})["met"] is True


def test_total_met_but_public_short() -> None:
    professional_90 = {**PROFESSIONAL_60, "hours": 90}
    result = assess({"year": 2026, "activities": [professional_90]})
    assert result["met"] is False
    assert result["shortfall"] == {"total": 0, "public": 24, "professional": 0}


def test_professional_deemed_complete_reduces_total_to_public() -> None:
    study = {"type": "course_study", "months": 6, "passed": True, "date": "2026-06-30"}
    short = assess({"year": 2026, "activities": [study, {**PUBLIC_24, "hours": 10}]})
    assert short["deemed_complete"] == ["professional"]
    assert short["met"] is False
    assert short["shortfall"] == {"total": 0, "public": 14, "professional": 0}

    met = assess({"year": 2026, "activities": [study, PUBLIC_24]})
    assert met["met"] is True
    assert met["shortfall"] == {"total": 0, "public": 0, "professional": 0}
    assert met["earned"] == {"total": 84, "public": 24, "professional": 60}


def test_professional_deemed_still_needs_public_hours() -> None:
    study = {"type": "course_study", "months": 8, "passed": True}
    result = assess({"year": 2026, "activities": [study]})
    assert result["met"] is False
    assert result["shortfall"]["public"] == 24


def test_aid_assignment_of_a_year_meets_the_year() -> None:
    result = assess({"year": 2026, "activities": [{"type": "aid_assignment", "months": 12}]})
    assert result["deemed_complete"] == ["public", "professional"]
    assert result["met"] is True
    assert result["shortfall"] == {"total": 0, "public": 0, "professional": 0}
    assert result["earned"] == {"total": 0, "public": 0, "professional": 0}


def test_short_aid_assignment_deems_nothing() -> None:
    result = assess({"year": 2026, "activities": [{"type": "aid_assignment", "months": 11}]})
    assert result["deemed_complete"] == []
    assert result["met"] is False
    assert result["shortfall"] == {"total": 90, "public": 24, "professional": 60}


def test_out_of_year_activities_are_ignored_with_a_reason() -> None:
    last_year = {**PUBLIC_24, "date": "2025-12-31"}
    next_year = {**PROFESSIONAL_60, "date": "2027-01-01"}
    result = assess({"year": 2026, "activities": [last_year, PUBLIC_24, next_year]})
    assert [item["index"] for item in result["ignored"]] == [0, 2]
    assert result["ignored"][0]["date"] == "2025-12-31"
    assert "不在 2026 年度内" in result["ignored"][0]["reason_zh"]
    assert "outside 2026" in result["ignored"][0]["reason_en"]
    assert [item["index"] for item in result["activities"]] == [1]
    assert result["earned"] == {"total": 24, "public": 24, "professional": 0}


def test_out_of_year_deeming_activity_does_not_count() -> None:
    aid = {"type": "aid_assignment", "months": 12, "date": "2025-06-30"}
    result = assess({"year": 2026, "activities": [aid]})
    assert result["deemed_complete"] == []
    assert result["met"] is False


def test_undated_activities_are_dated_today_as_the_contract_says() -> None:
    from cecert.crediting.schemas import ComplianceRequest

    undated = {"type": "online_course", "subject": "public", "hours": 24}
    request = ComplianceRequest.model_validate({"year": 2019, "activities": [undated]})
    in_2019 = assess_compliance(request, today=date(2019, 5, 1)).to_json()
    assert in_2019["ignored"] == []
    assert in_2019["earned"]["public"] == 24
    later = assess_compliance(request, today=date(2026, 11, 27)).to_json()
    assert [i["index"] for i in later["ignored"]] == [0]
    assert later["ignored"][0]["date"] == "2026-11-27"
    assert later["earned"]["public"] == 0


def test_sums_are_exact_decimals() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    tenths = [
        {"type": "online_course", "subject": "public", "hours": 0.1},
        {"type": "online_course", "subject": "public", "hours": 0.2},
    ]
    result = assess({"year": 2026, "activities": tenths})
    assert result["earned"]["public"] == 0.3
    assert result["shortfall"]["public"] == 23.7
    typed = assess_compliance(ComplianceRequest.model_validate({"year": 2026, "activities": tenths}))
    assert typed.earned["public"] == Decimal("0.3")
    assert typed.shortfall["total"] == Decimal("89.7")


def test_empty_year() -> None:
    result = assess({"year": 2026})
    assert result["met"] is False
    assert result["shortfall"] == {"total": 90, "public": 24, "professional": 60}
    assert result["activities"] == [] and result["ignored"] == []


def test_whole_year_of_leave_is_met_with_nothing() -> None:
    leaves = [{"kind": "maternity", "start": "2026-01-01", "end": "2026-12-31"}]
    result = assess({"year": 2026, "leaves": leaves})
    assert result["required"] == {"total": 0, "public": 0, "professional": 0}
    assert result["met"] is True


def test_year_before_the_regulation_is_an_error_naming_year() -> None:
    with pytest.raises(CreditingInputError) as caught:
        assess({"year": 2016})
    assert [e["field"] for e in caught.value.errors] == ["year"]


def test_city_override_changes_the_requirement() -> None:
    examples = example_policy_set()
    result = assess({"year": 2026, "region_code": "411002", "activities": [PUBLIC_24]}, examples)
    assert result["required"] == {"total": 90, "public": 30, "professional": 60}
    assert result["policy_id"] == XUCHANG_KEY
    assert result["shortfall"]["public"] == 6
    # Before the example rule took effect, the 2017 default applies.
    assert assess({"year": 2023, "region_code": "411002"}, examples)["required"]["public"] == 24
    # Another city keeps the default.
    assert assess({"year": 2026, "region_code": "410100"}, examples)["required"]["public"] == 24


def test_examples_never_decide_without_being_passed_in() -> None:
    """The shipped policy set is the provincial policy alone: 24 public + 66 professional meets the year in 许昌."""
    professional_66 = {"type": "training", "subject": "professional", "organizer": "provincial", "hours": 66}
    result = assess({"year": 2026, "region_code": "411002", "activities": [PUBLIC_24, professional_66]})
    assert result["met"] is True
    assert result["policy_id"] == "henan-2017-121@2017-08-17"
    health = assess({"year": 2026, "industry": "卫生健康"})
    assert health["unit"] == "hour"
    assert health["required"] == {"total": 90, "public": 24, "professional": 60}


def test_unknown_region_code_is_an_error_naming_it() -> None:
    with pytest.raises(CreditingInputError) as caught:
        assess({"year": 2026, "region_code": "419999"}, example_policy_set())
    assert [e["field"] for e in caught.value.errors] == ["region_code"]


def test_health_credit_scheme_counts_credits() -> None:
    activities = [
        {"type": "online_course", "subject": "public", "hours": 15},  # 5 credits
        {"type": "other", "hours": 30, "approved_by": "health", "kind": "cme_class_1"},  # 10
        {"type": "other", "hours": 26, "approved_by": "health", "kind": "cme_class_2"},  # 5.2
    ]
    result = assess({"year": 2026, "industry": "卫生健康", "activities": activities}, example_policy_set())
    assert result["unit"] == "credit"
    assert result["required"] == {"total": 25, "public": 5, "professional": 15}
    assert result["earned"] == {"total": 20.2, "public": 5, "professional": 15.2}
    assert result["shortfall"] == {"total": 4.8, "public": 0, "professional": 0}
    assert [a["credits"] for a in result["activities"]] == [5, 10, 5.2]


def test_policy_kind_errors_name_the_activity_field() -> None:
    other = {"type": "other", "hours": 3, "approved_by": "4101", "kind": "cme_class_1"}
    with pytest.raises(CreditingInputError) as caught:
        assess({"year": 2026, "activities": [PUBLIC_24, other]})
    assert [e["field"] for e in caught.value.errors] == ["activities[1].kind"]
