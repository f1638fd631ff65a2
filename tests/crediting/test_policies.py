"""Policy tables are data, versioned by date and scoped by region and industry."""

from __future__ import annotations

import ast
import json
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import cecert.crediting.evaluation as evaluation_module
from cecert.crediting.policies import (
    NoPolicyError,
    all_policies,
    get_policy,
    load_policies,
    select_policy,
)

DEFAULT_KEY = "henan-2017-121@2017-08-17"
XUCHANG_KEY = "henan-xuchang-example@2024-01-01"
HEALTH_KEY = "henan-health-cme-example@2024-01-01"


def test_default_policy_is_the_2017_regulation() -> None:
    policy = get_policy(DEFAULT_KEY)
    assert "豫人社[2017]121号" in policy.title_zh
    assert policy.example is False
    assert policy.unit == "hour"
    assert policy.valid_from == date(2017, 8, 17)
    assert (policy.requirement.total, policy.requirement.public) == (90, 24)
    assert policy.requirement.professional == 60  # two thirds of 90


def test_every_article_7_number_is_in_the_data() -> None:
    rates = get_policy(DEFAULT_KEY).rates
    assert rates.degree_course_per_course == 15
    assert rates.course_study_per_month == 10
    assert rates.course_study_deems_professional_from_months == 6
    assert (rates.conference["national"].per_day, rates.conference["national"].presented_bonus) == (
        6,
        6,
    )
    assert (
        rates.conference["provincial"].per_day,
        rates.conference["provincial"].presented_bonus,
    ) == (
        4,
        4,
    )
    assert rates.research_project_by_rank == {
        "national": {"main": (68, 60, 52, 44, 36), "sub": (52, 44, 36)},
        "provincial": {"main": (60, 52, 44), "sub": (44, 36, 28)},
    }
    assert rates.book_per_ten_thousand_chars_by_rank == (16, 12, 8)
    assert rates.paper_by_rank == {
        "national_society": (52, 44, 36),
        "provincial_core": (44, 36, 28),
        "issn_cn": (36, 28, 20),
    }
    assert rates.patent_by_rank["invention"] == (68, 68, 68)
    assert rates.patent_by_rank["utility_model"] == rates.patent_by_rank["design"] == (60, 60, 60)
    assert rates.award_by_rank == {"national": (68, 68, 68), "provincial": (60, 60, 60)}
    assert rates.qualification_exam == {
        "senior": 68,
        "intermediate": 60,
        "junior": 52,
        "practice": 68,
    }
    assert rates.endorsed_report == 20
    assert rates.aid_assignment_deems_both_from_months == 12
    assert rates.grassroots_service_per_day == 6


def test_article_7_numbers_are_not_in_the_evaluation_code() -> None:
    article_7_numbers = {4, 6, 8, 12, 15, 16, 20, 24, 28, 36, 44, 52, 60, 68, 90}
    tree = ast.parse(Path(evaluation_module.__file__).read_text("utf-8"))
    literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and type(node.value) is int}
    assert not literals & article_7_numbers


def test_examples_are_labelled_as_examples() -> None:
    raw = json.loads(resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))
    for entry in raw["policies"]:
        if entry["id"] != "henan-2017-121":
            assert entry["example"] is True
            assert "EXAMPLE" in entry["source"]
            assert "示例" in entry["title_zh"]


def test_keys_are_unique_and_resolvable() -> None:
    keys = [policy.key for policy in all_policies()]
    assert len(keys) == len(set(keys))
    assert {DEFAULT_KEY, XUCHANG_KEY, HEALTH_KEY} <= set(keys)
    with pytest.raises(KeyError):
        get_policy("nope@1")


def test_city_override_inherits_article_7_and_changes_only_the_requirement() -> None:
    city, default = get_policy(XUCHANG_KEY), get_policy(DEFAULT_KEY)
    assert (city.requirement.total, city.requirement.public, city.requirement.professional) == (
        90,
        30,
        60,
    )
    assert city.rates == default.rates
    assert city.region_prefix == "4110"
    assert city.industry is None


def test_health_scheme_counts_credits() -> None:
    health = get_policy(HEALTH_KEY)
    assert health.unit == "credit"
    assert health.requirement.total == 25
    assert health.hours_per_credit == 3
    assert set(health.other_kinds) == {"cme_class_1", "cme_class_2"}
    assert health.other_kinds["cme_class_2"].hours_per_credit == 5


@pytest.mark.parametrize(
    ("on", "region_code", "industry", "expected"),
    [
        (date(2026, 5, 1), None, None, DEFAULT_KEY),
        (date(2017, 8, 17), None, None, DEFAULT_KEY),
        (date(2026, 5, 1), "4110", None, XUCHANG_KEY),
        (date(2026, 5, 1), "411002", None, XUCHANG_KEY),  # a county of the city
        (date(2023, 12, 31), "411002", None, DEFAULT_KEY),  # before the example rule
        (date(2024, 1, 1), "411002", None, XUCHANG_KEY),
        (date(2026, 5, 1), "410100", None, DEFAULT_KEY),  # another city
        (date(2026, 5, 1), "41", None, DEFAULT_KEY),  # province only
        (date(2026, 5, 1), None, "卫生健康", HEALTH_KEY),
        (date(2026, 5, 1), "411002", "卫生健康", HEALTH_KEY),  # industry beats city
        (date(2023, 5, 1), "411002", "卫生健康", DEFAULT_KEY),
        (date(2026, 5, 1), "411002", "教育", XUCHANG_KEY),  # no scheme for the industry
    ],
)
def test_select_policy(on: date, region_code: str | None, industry: str | None, expected: str) -> None:
    assert select_policy(on, region_code, industry).key == expected


def test_no_policy_before_the_regulation() -> None:
    with pytest.raises(NoPolicyError):
        select_policy(date(2017, 8, 16))


def _entry(**changes: Any) -> dict[str, Any]:
    base = json.loads(resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))[
        "policies"
    ][0]
    return {**base, **changes}


def test_versions_by_date_and_specificity() -> None:
    document = {
        "policies": [
            _entry(valid_to="2019-12-31"),
            _entry(version="2020", valid_from="2020-01-01",
                   requirement={"total": 80, "public": 20, "professional": 50}),
            {"id": "county", "version": "1", "extends": "henan-2017-121@2020", "title_zh": "县",
             "title_en": "county", "source": "test", "example": True, "valid_from": "2021-01-01",
             "valid_to": None, "region_prefix": "411002"},
            {"id": "city", "version": "1", "extends": "henan-2017-121@2020", "title_zh": "市",
             "title_en": "city", "source": "test", "example": True, "valid_from": "2022-01-01",
             "valid_to": None, "region_prefix": "4110"},
        ]
    }  # fmt: skip
    policies = load_policies(json.dumps(document))

    def pick(on: date, region: str | None = None) -> str:
        return select_policy(on, region, policies=policies).key

    assert pick(date(2019, 12, 31)) == "henan-2017-121@2017-08-17"
    assert pick(date(2020, 1, 1)) == "henan-2017-121@2020"
    assert pick(date(2023, 1, 1), "411002") == "county@1"  # county (6 digits) beats city
    assert pick(date(2023, 1, 1), "411003") == "city@1"
    county = next(p for p in policies if p.id == "county")
    assert county.requirement.total == 80  # inherited from its parent version
    assert county.rates.endorsed_report == Decimal(20)


def test_bad_policy_data_is_refused() -> None:
    cycle = {"policies": [_entry(extends="henan-2017-121@2017-08-17")]}
    with pytest.raises(ValueError, match="cycle"):
        load_policies(json.dumps(cycle))
    duplicate = {"policies": [_entry(), _entry()]}
    with pytest.raises(ValueError, match="duplicate"):
        load_policies(json.dumps(duplicate))
    credit_without_rate = {"policies": [_entry(unit="credit")]}
    with pytest.raises(ValueError, match="hours_per_credit"):
        load_policies(json.dumps(credit_without_rate))
