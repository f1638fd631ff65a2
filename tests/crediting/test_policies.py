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
    PolicySet,
    all_policies,
    get_policy,
    load_policies,
    select_policy,
)
from tests.crediting.examples import HEALTH_KEY, XUCHANG_KEY, example_policy_set, region_paths

DEFAULT_KEY = "henan-2017-121@2017-08-17"


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


def test_the_platform_ships_the_provincial_policy_alone() -> None:
    raw = json.loads(resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))
    assert [(entry["id"], entry["example"]) for entry in raw["policies"]] == [("henan-2017-121", False)]
    assert [policy.key for policy in all_policies()] == [DEFAULT_KEY]
    with pytest.raises(KeyError):
        get_policy(XUCHANG_KEY)


def test_example_fixtures_are_labelled_as_examples() -> None:
    for policy in example_policy_set().policies:
        if policy.key != DEFAULT_KEY:
            assert policy.example is True
            assert "EXAMPLE" in policy.source
            assert "示例" in policy.title_zh


def test_keys_are_unique_and_resolvable() -> None:
    keys = [policy.key for policy in example_policy_set().policies]
    assert len(keys) == len(set(keys))
    assert {DEFAULT_KEY, XUCHANG_KEY, HEALTH_KEY} <= set(keys)
    with pytest.raises(KeyError):
        example_policy_set().get("nope@1")


def test_city_override_inherits_article_7_and_changes_only_the_requirement() -> None:
    examples = example_policy_set()
    city, default = examples.get(XUCHANG_KEY), examples.get(DEFAULT_KEY)
    assert (city.requirement.total, city.requirement.public, city.requirement.professional) == (
        90,
        30,
        60,
    )
    assert city.rates == default.rates
    assert city.region_path == "410000/411000/"
    assert city.industry is None


def test_health_scheme_counts_credits() -> None:
    health = example_policy_set().get(HEALTH_KEY)
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
        (date(2026, 5, 1), "411000", None, XUCHANG_KEY),
        (date(2026, 5, 1), "411002", None, XUCHANG_KEY),  # a district of the city
        (date(2023, 12, 31), "411002", None, DEFAULT_KEY),  # before the example rule
        (date(2024, 1, 1), "411002", None, XUCHANG_KEY),
        (date(2026, 5, 1), "410100", None, DEFAULT_KEY),  # another city
        (date(2026, 5, 1), "410000", None, DEFAULT_KEY),  # province only
        (date(2026, 5, 1), None, "卫生健康", HEALTH_KEY),
        (date(2026, 5, 1), "411002", "卫生健康", HEALTH_KEY),  # industry beats city
        (date(2023, 5, 1), "411002", "卫生健康", DEFAULT_KEY),
        (date(2026, 5, 1), "411002", "教育", XUCHANG_KEY),  # no scheme for the industry
    ],
)
def test_select_policy(on: date, region_code: str | None, industry: str | None, expected: str) -> None:
    examples = example_policy_set()
    path = examples.path_of(region_code)
    assert examples.select(on, region_path=path, industry=industry).key == expected


def test_shipped_set_gives_everyone_the_provincial_policy() -> None:
    for code in ("411002", "410482", "419001", "410000"):
        assert select_policy(date(2026, 5, 1), region_path=PolicySet(all_policies()).path_of(code)).key == DEFAULT_KEY


# Every province-administered county (省直管县（市）) with the city whose GB/T 2260 code range it lies in,
# and 济源 (a province-administered unit treated as a city, Article 13 code 90).
DIRECT_COUNTIES = [
    ("410181", "巩义", "410100"),
    ("410225", "兰考", "410200"),
    ("410482", "汝州", "410400"),
    ("410526", "滑县", "410500"),
    ("410783", "长垣", "410700"),
    ("411381", "邓州", "411300"),
    ("411481", "永城", "411400"),
    ("411525", "固始", "411500"),
    ("411628", "鹿邑", "411600"),
    ("411729", "新蔡", "411700"),
]


def _rule_for(region_code: str, valid_from: str = "2025-01-01") -> dict[str, Any]:
    return {
        "id": f"rule-{region_code}", "version": "1", "extends": DEFAULT_KEY, "title_zh": f"{region_code} 实施细则",
        "title_en": region_code, "source": "test", "example": True, "valid_from": valid_from, "valid_to": None,
        "region_path": region_paths()[region_code], "requirement": {"total": 90, "public": 30, "professional": 60},
    }  # fmt: skip


@pytest.mark.parametrize(("county", "name", "city"), DIRECT_COUNTIES)
def test_a_city_rule_never_reaches_a_province_administered_county(county: str, name: str, city: str) -> None:
    shipped = json.loads(resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))
    policies = load_policies(json.dumps({"policies": [*shipped["policies"], _rule_for(city), _rule_for(county)]}))
    with_county_rule = PolicySet(policies, region_paths().get)
    only_city = PolicySet(tuple(p for p in policies if p.id != f"rule-{county}"), region_paths().get)
    on = date(2026, 5, 1)
    assert county.startswith(city[:4]), name  # inside the city's code range, which is the trap
    # The city's rule does not reach the county ...
    assert only_city.select(on, region_path=only_city.path_of(county)).key == DEFAULT_KEY
    # ... but does reach the city's own districts and counties.
    district = next(c for c, p in region_paths().items() if p.startswith(region_paths()[city]) and c != city)
    assert only_city.select(on, region_path=only_city.path_of(district)).key == f"rule-{city}@1"
    # The county's own rule covers it, and never the city.
    assert with_county_rule.select(on, region_path=with_county_rule.path_of(county)).key == f"rule-{county}@1"
    assert with_county_rule.select(on, region_path=with_county_rule.path_of(city)).key == f"rule-{city}@1"


def test_jiyuan_is_its_own_jurisdiction() -> None:
    shipped = json.loads(resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))
    policies = load_policies(json.dumps({"policies": [*shipped["policies"], _rule_for("410800"), _rule_for("419001")]}))
    policy_set = PolicySet(policies, region_paths().get)
    on = date(2026, 5, 1)
    assert policy_set.select(on, region_path=policy_set.path_of("419001")).key == "rule-419001@1"
    assert policy_set.select(on, region_path=policy_set.path_of("410882")).key == "rule-410800@1"  # 沁阳, 焦作


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
             "valid_to": None, "region_path": "410000/411000/411002/"},
            {"id": "city", "version": "1", "extends": "henan-2017-121@2020", "title_zh": "市",
             "title_en": "city", "source": "test", "example": True, "valid_from": "2022-01-01",
             "valid_to": None, "region_path": "410000/411000/"},
        ]
    }  # fmt: skip
    policies = load_policies(json.dumps(document))

    def pick(on: date, region: str | None = None) -> str:
        path = region_paths()[region] if region else None
        return select_policy(on, region_path=path, policies=policies).key

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
