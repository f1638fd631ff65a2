"""Article 7, row by row and rank by rank, plus properties of the hour rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cecert.crediting.evaluation import ActivityResult, clause_zh, evaluate
from cecert.crediting.policies import get_policy
from cecert.crediting.schemas import MAX_DAYS, ActivityAdapter

DEFAULT = get_policy("henan-2017-121@2017-08-17")
FAST = settings(max_examples=60, deadline=None)


def run(activity: dict[str, Any]) -> ActivityResult:
    return evaluate(ActivityAdapter.validate_python(activity), DEFAULT)


def _ranked(type_: str, rank_field: str, fixed: dict[str, Any], hours: list[int]) -> list[Any]:
    """One case per listed rank plus the first rank past the table (0 hours)."""
    cases = [
        pytest.param({"type": type_, **fixed, rank_field: rank}, value, id=f"{type_}-{fixed}-{rank}")
        for rank, value in enumerate([*hours, 0], start=1)
    ]
    cases.append(pytest.param({"type": type_, **fixed, rank_field: 99}, 0, id=f"{type_}-{fixed}-99"))
    return cases


RANKED_CASES = [
    *_ranked("research_project", "rank", {"level": "national", "role": "main"}, [68, 60, 52, 44, 36]),
    *_ranked("research_project", "rank", {"level": "national", "role": "sub"}, [52, 44, 36]),
    *_ranked("research_project", "rank", {"level": "provincial", "role": "main"}, [60, 52, 44]),
    *_ranked("research_project", "rank", {"level": "provincial", "role": "sub"}, [44, 36, 28]),
    *_ranked("book", "author_rank", {"ten_thousand_chars": 1}, [16, 12, 8]),
    *_ranked("paper", "author_rank", {"journal": "national_society"}, [52, 44, 36]),
    *_ranked("paper", "author_rank", {"journal": "provincial_core"}, [44, 36, 28]),
    *_ranked("paper", "author_rank", {"journal": "issn_cn"}, [36, 28, 20]),
    *_ranked("patent", "holder_rank", {"kind": "invention"}, [68, 68, 68]),
    *_ranked("patent", "holder_rank", {"kind": "utility_model"}, [60, 60, 60]),
    *_ranked("patent", "holder_rank", {"kind": "design"}, [60, 60, 60]),
    *_ranked("award", "rank", {"level": "national"}, [68, 68, 68]),
    *_ranked("award", "rank", {"level": "provincial"}, [60, 60, 60]),
]


@pytest.mark.parametrize(("activity", "hours"), RANKED_CASES)
def test_every_rank_of_the_ranked_rows(activity: dict[str, Any], hours: int) -> None:
    result = run(activity)
    assert result.hours == hours
    assert result.subject == "professional"
    assert result.completes == ()
    if hours == 0:
        assert "0 学时" in result.explanation
        assert "只有前" in result.explanation  # says why: rank too low


CLAUSE_CASES: list[tuple[dict[str, Any], str, int | str, str, tuple[str, ...]]] = [
    # activity, clause, hours, subject, completes
    ({"type": "training_base", "subject": "public", "hours": 12.5}, "7(1)", "12.5", "public", ()),
    (
        {"type": "training_base", "subject": "professional", "hours": 3},
        "7(1)",
        3,
        "professional",
        (),
    ),
    *[
        (
            {"type": "training", "subject": "public", "organizer": organizer, "hours": 8},
            "7(2)",
            8,
            "public",
            (),
        )
        for organizer in ("national", "provincial", "municipal", "industry")
    ],
    ({"type": "online_course", "subject": "public", "hours": 0.5}, "7(1)", "0.5", "public", ()),
    ({"type": "degree_course", "courses_passed": 1}, "7(3)", 15, "professional", ()),
    ({"type": "degree_course", "courses_passed": 3}, "7(3)", 45, "professional", ()),
    ({"type": "course_study", "months": 4, "passed": False}, "7(3)", 0, "professional", ()),
    ({"type": "course_study", "months": 1, "passed": True}, "7(3)", 10, "professional", ()),
    ({"type": "course_study", "months": 5, "passed": True}, "7(3)", 50, "professional", ()),
    (
        {"type": "course_study", "months": 6, "passed": True},
        "7(3)",
        60,
        "professional",
        ("professional",),
    ),
    (
        {"type": "course_study", "months": 9, "passed": True},
        "7(3)",
        90,
        "professional",
        ("professional",),
    ),
    ({"type": "course_study", "months": 9, "passed": False}, "7(3)", 0, "professional", ()),
    (
        {"type": "conference", "level": "national", "days": 3, "presented": False},
        "7(4)",
        18,
        "professional",
        (),
    ),
    (
        {"type": "conference", "level": "national", "days": 3, "presented": True},
        "7(4)",
        24,
        "professional",
        (),
    ),
    (
        {"type": "conference", "level": "provincial", "days": 2, "presented": False},
        "7(4)",
        8,
        "professional",
        (),
    ),
    (
        {"type": "paper", "journal": "national_society", "author_rank": 1, "supplement": True},
        "7(6)",
        0,
        "professional",
        (),
    ),
    ({"type": "qualification_exam", "exam": "senior"}, "7(9)", 68, "professional", ()),
    ({"type": "qualification_exam", "exam": "intermediate"}, "7(9)", 60, "professional", ()),
    ({"type": "qualification_exam", "exam": "junior"}, "7(9)", 52, "professional", ()),
    ({"type": "qualification_exam", "exam": "practice"}, "7(9)", 68, "professional", ()),
    ({"type": "endorsed_report"}, "7(10)", 20, "professional", ()),
    ({"type": "aid_assignment", "months": 11}, "7(11)", 0, "both", ()),
    ({"type": "aid_assignment", "months": 12}, "7(11)", 0, "both", ("public", "professional")),
    ({"type": "aid_assignment", "months": 30}, "7(11)", 0, "both", ("public", "professional")),
    ({"type": "grassroots_service", "days": 1}, "7(12)", 6, "professional", ()),
    ({"type": "grassroots_service", "days": 5}, "7(12)", 30, "professional", ()),
    ({"type": "other", "hours": 7.5, "approved_by": "4101"}, "7(13)", "7.5", "professional", ()),
    (
        {"type": "other", "hours": 7, "approved_by": "4101", "subject": "public"},
        "7(13)",
        7,
        "public",
        (),
    ),
]


@pytest.mark.parametrize(("activity", "clause", "hours", "subject", "completes"), CLAUSE_CASES)
def test_every_row_of_article_7(
    activity: dict[str, Any],
    clause: str,
    hours: int | str,
    subject: str,
    completes: tuple[str, ...],
) -> None:
    result = run(activity)
    assert result.hours == Decimal(hours)
    assert result.subject == subject
    assert result.clause == clause
    assert result.completes == completes
    assert result.type == activity["type"]
    assert result.policy_id == DEFAULT.key
    assert clause_zh(clause) in result.explanation


@pytest.mark.parametrize(
    ("activity", "hours"),
    [
        ({"type": "conference", "level": "provincial", "days": 2, "presented": True}, 12),
        ({"type": "paper", "journal": "provincial_core", "author_rank": 2}, 36),
        ({"type": "research_project", "level": "national", "role": "main", "rank": 5}, 36),
        ({"type": "book", "ten_thousand_chars": 12.5, "author_rank": 1}, 200),
        ({"type": "course_study", "months": 4, "passed": True}, 40),
        ({"type": "patent", "kind": "design", "holder_rank": 4}, 0),
    ],
)
def test_worked_examples_of_the_contract(activity: dict[str, Any], hours: int) -> None:
    assert run(activity).to_json()["hours"] == hours


def test_contract_result_object() -> None:
    result = run({"type": "conference", "level": "national", "days": 3, "presented": True})
    assert result.to_json() == {
        "type": "conference",
        "hours": 24,
        "subject": "professional",
        "clause": "7(4)",
        "completes": [],
        "explanation": ("依据第七条第（四）项：国家部委学术活动 3 天 × 6 学时 + 宣读论文 6 学时 = 24 学时"),
        "policy_id": "henan-2017-121@2017-08-17",
    }


@pytest.mark.parametrize(
    ("activity", "reason"),
    [
        (
            {"type": "paper", "journal": "issn_cn", "author_rank": 1, "supplement": True},
            "增刊、副刊",
        ),
        ({"type": "course_study", "months": 3, "passed": False}, "不合格"),
        ({"type": "aid_assignment", "months": 6}, "不满一年"),
        ({"type": "award", "level": "national", "rank": 4}, "只有前 3 名"),
        ({"type": "book", "ten_thousand_chars": 3, "author_rank": 4}, "只有前 3 名"),
    ],
)
def test_zero_hour_results_explain_why(activity: dict[str, Any], reason: str) -> None:
    result = run(activity)
    assert result.hours == 0
    assert reason in result.explanation
    assert "计 0 学时" in result.explanation


def test_deemed_completion_is_explained() -> None:
    study = run({"type": "course_study", "months": 6, "passed": True})
    assert "视为完成年度全部专业科目学时" in study.explanation
    aid = run({"type": "aid_assignment", "months": 12})
    assert "视为完成年度全部公需科目和专业科目学时" in aid.explanation


# --- exact decimals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("chars", "rank", "expected"),
    [
        # Binary floats get these wrong: 1.0125*12 == 12.149999…, 0.2125*12 rounds to 2.5.
        (1.0125, 2, "12.2"),
        (0.2125, 2, "2.6"),
        (0.0375, 2, "0.5"),
        (0.35, 2, "4.2"),
        (0.35, 1, "5.6"),
        (0.0001, 3, "0"),  # 0.0008 rounds to zero, not an error
    ],
)
def test_book_hours_are_exact_and_rounded_half_up_once(chars: float, rank: int, expected: str) -> None:
    result = run({"type": "book", "ten_thousand_chars": chars, "author_rank": rank})
    assert result.hours == Decimal(expected)
    assert str(result.hours) == str(Decimal(expected).quantize(Decimal("0.1")))


def test_rounding_is_shown_in_the_explanation() -> None:
    result = run({"type": "book", "ten_thousand_chars": 1.0125, "author_rank": 2})
    assert "12.15 ≈ 12.2 学时" in result.explanation


def test_hours_keep_the_typed_decimal() -> None:
    assert run({"type": "online_course", "subject": "public", "hours": 0.1}).hours == Decimal("0.1")


# --- properties --------------------------------------------------------------------

subjects = st.sampled_from(["public", "professional"])
ranks = st.integers(min_value=1, max_value=12)
hours_values = st.decimals(min_value="0.1", max_value="500", places=1)

activities = st.one_of(
    st.fixed_dictionaries({"type": st.just("training_base"), "subject": subjects, "hours": hours_values}),
    st.fixed_dictionaries(
        {
            "type": st.just("training"),
            "subject": subjects,
            "organizer": st.sampled_from(["national", "provincial", "municipal", "industry"]),
            "hours": hours_values,
        }
    ),
    st.fixed_dictionaries({"type": st.just("online_course"), "subject": subjects, "hours": hours_values}),
    st.fixed_dictionaries({"type": st.just("degree_course"), "courses_passed": st.integers(1, 40)}),
    st.fixed_dictionaries({"type": st.just("course_study"), "months": st.integers(1, 48), "passed": st.booleans()}),
    st.fixed_dictionaries(
        {
            "type": st.just("conference"),
            "level": st.sampled_from(["national", "provincial"]),
            "days": st.integers(1, MAX_DAYS),
            "presented": st.booleans(),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("research_project"),
            "level": st.sampled_from(["national", "provincial"]),
            "role": st.sampled_from(["main", "sub"]),
            "rank": ranks,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("book"),
            "ten_thousand_chars": st.decimals(min_value="0.0001", max_value="100", places=4),
            "author_rank": ranks,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("paper"),
            "journal": st.sampled_from(["national_society", "provincial_core", "issn_cn"]),
            "author_rank": ranks,
            "supplement": st.booleans(),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("patent"),
            "kind": st.sampled_from(["invention", "utility_model", "design"]),
            "holder_rank": ranks,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("award"),
            "level": st.sampled_from(["national", "provincial"]),
            "rank": ranks,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("qualification_exam"),
            "exam": st.sampled_from(["senior", "intermediate", "junior", "practice"]),
        }
    ),
    st.fixed_dictionaries({"type": st.just("endorsed_report")}),
    st.fixed_dictionaries({"type": st.just("aid_assignment"), "months": st.integers(1, 48)}),
    st.fixed_dictionaries({"type": st.just("grassroots_service"), "days": st.integers(1, MAX_DAYS)}),
    st.fixed_dictionaries({"type": st.just("other"), "hours": hours_values, "approved_by": st.just("4101")}),
)


@FAST
@given(activities)
def test_hours_are_never_negative_and_have_one_decimal(activity: dict[str, Any]) -> None:
    result = run(activity)
    assert result.hours >= 0
    assert result.hours == result.hours.quantize(Decimal("0.1"))
    assert result.explanation.startswith("依据第七条")


@FAST
@given(
    st.sampled_from(
        [
            ("conference", "days", {"level": "national", "presented": True}),
            ("conference", "days", {"level": "provincial", "presented": False}),
            ("grassroots_service", "days", {}),
            ("degree_course", "courses_passed", {}),
            ("course_study", "months", {"passed": True}),
            ("course_study", "months", {"passed": False}),
        ]
    ),
    st.integers(1, 300),
    st.integers(1, 300),
)
def test_more_days_courses_or_months_never_give_fewer_hours(
    case: tuple[str, str, dict[str, Any]], first: int, second: int
) -> None:
    type_, count_field, fixed = case
    fewer, more = sorted((first, second))
    hours_fewer = run({"type": type_, count_field: fewer, **fixed}).hours
    hours_more = run({"type": type_, count_field: more, **fixed}).hours
    assert hours_more >= hours_fewer


@FAST
@given(
    st.decimals(min_value="0.0001", max_value="1000", places=4),
    st.decimals(min_value="0.0001", max_value="1000", places=4),
    st.integers(1, 5),
)
def test_longer_books_never_give_fewer_hours(first: Decimal, second: Decimal, rank: int) -> None:
    shorter, longer = sorted((first, second))
    book = {"type": "book", "author_rank": rank}
    assert run({**book, "ten_thousand_chars": longer}).hours >= run({**book, "ten_thousand_chars": shorter}).hours


@FAST
@given(
    st.sampled_from(
        [
            ("research_project", "rank", {"level": level, "role": role})
            for level in ("national", "provincial")
            for role in ("main", "sub")
        ]
        + [("book", "author_rank", {"ten_thousand_chars": 2})]
        + [("paper", "author_rank", {"journal": j}) for j in ("national_society", "issn_cn")]
        + [("patent", "holder_rank", {"kind": k}) for k in ("invention", "design")]
        + [("award", "rank", {"level": level}) for level in ("national", "provincial")]
    ),
    st.integers(1, 10),
    st.integers(1, 10),
)
def test_a_better_rank_never_gives_fewer_hours(case: tuple[str, str, dict[str, Any]], first: int, second: int) -> None:
    type_, rank_field, fixed = case
    better, worse = sorted((first, second))
    assert (
        run({"type": type_, rank_field: better, **fixed}).hours
        >= run({"type": type_, rank_field: worse, **fixed}).hours
    )


# ---------------------------------------------------------------- 7(10) who endorsed, 7(13) filed form hours


@pytest.mark.parametrize(
    ("level", "hours", "words"),
    [
        ("provincial_leader", 20, "省委、省政府领导"),
        ("local_principal", 20, "当地党委、政府主要领导"),
        ("local_in_charge", 20, "当地党委、政府主管领导"),
        ("other", 0, "计 0 学时"),
    ],
)
def test_endorsed_report_records_who_endorsed_it(level: str, hours: int, words: str) -> None:
    from cecert.crediting.service import evaluate_json

    result = evaluate_json(
        {"type": "endorsed_report", "endorser_level": level, "endorser": "张某 副市长", "date": "2026-03-01"}
    )
    assert isinstance(result, dict)
    assert result["hours"] == hours
    assert words in result["explanation"]
    assert "张某 副市长" in result["explanation"]


def test_a_filed_form_with_fixed_hours_refuses_other_hours() -> None:
    import json as _json
    from importlib import resources as _resources

    from cecert.crediting.errors import CreditingInputError as _Error
    from cecert.crediting.policies import PolicySet, load_policies
    from cecert.crediting.service import evaluate_json

    shipped = _json.loads(_resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))
    rule = {
        "id": "pds", "version": "1", "extends": "henan-2017-121@2017-08-17", "title_zh": "平顶山", "title_en": "p",
        "source": "t", "example": True, "valid_from": "2025-01-01", "valid_to": None,
        "region_path": "410000/410400/",
        "other_kinds": {"lecture": {"title_zh": "专题讲座授课", "title_en": "lecture", "subject": "professional",
                                    "hours": 8}},
    }  # fmt: skip
    policy_set = PolicySet(load_policies(_json.dumps({"policies": [*shipped["policies"], rule]})), lambda c: {
        "410402": "410000/410400/410402/"}.get(c))  # fmt: skip
    ok = evaluate_json(
        {"type": "other", "kind": "lecture", "hours": 8, "approved_by": "410400", "date": "2026-01-05"},
        region_code="410402",
        policy_set=policy_set,
    )
    assert isinstance(ok, dict) and ok["hours"] == 8 and "专题讲座授课" in ok["explanation"]
    with pytest.raises(_Error) as caught:
        evaluate_json(
            {"type": "other", "kind": "lecture", "hours": 9, "approved_by": "410400", "date": "2026-01-05"},
            region_code="410402",
            policy_set=policy_set,
        )
    assert [e["field"] for e in caught.value.errors] == ["hours"]
