"""Rules apply by jurisdiction, not by code prefix (Articles 12, 13, 16)."""

from __future__ import annotations

import datetime as dt

import pytest

from cecert.crediting.service import compliance_json
from cecert.policies.domain.registry import filed_policy_set, policy_for_employer
from tests.factories import World, employer, filed_rule, industry_authority

PROVINCIAL = "henan-2017-121@2017-08-17"
ON = dt.date(2026, 12, 31)

# Every province-administered county, the city whose GB/T 2260 range holds its code, and one of that city's
# own districts or counties.
DIRECT_COUNTIES = [
    ("410181", "巩义", "410100", "410105"),
    ("410225", "兰考", "410200", "410204"),
    ("410482", "汝州", "410400", "410402"),
    ("410526", "滑县", "410500", "410502"),
    ("410783", "长垣", "410700", "410702"),
    ("411381", "邓州", "411300", "411302"),
    ("411481", "永城", "411400", "411402"),
    ("411525", "固始", "411500", "411502"),
    ("411628", "鹿邑", "411600", "411602"),
    ("411729", "新蔡", "411700", "411702"),
]


@pytest.mark.parametrize(("county", "name", "city", "district"), DIRECT_COUNTIES)
def test_a_city_rule_covers_its_districts_never_a_province_administered_county(
    world: World, county: str, name: str, city: str, district: str
) -> None:
    city_rule = filed_rule(city, requirement={"total": 90, "public": 30, "professional": 60})
    in_county = employer(county, world.orgs["education"], name=f"{name}学校")
    in_district = employer(district, world.orgs["education"])
    assert policy_for_employer(in_county, ON).key == PROVINCIAL, name
    assert policy_for_employer(in_district, ON).key == city_rule.key
    # The calculator (region code input) agrees with the platform.
    assert (
        compliance_json({"year": 2026, "region_code": county}, policy_set=filed_policy_set())["policy_id"] == PROVINCIAL
    )
    assert compliance_json({"year": 2026, "region_code": district}, policy_set=filed_policy_set())["policy_id"] == (
        city_rule.key
    )
    # The county's own filed rule covers it, and not the city.
    county_rule = filed_rule(county, requirement={"total": 90, "public": 28, "professional": 60})
    assert policy_for_employer(in_county, ON).key == county_rule.key
    assert policy_for_employer(in_district, ON).key == city_rule.key


def test_jiyuan_has_its_own_rules(world: World) -> None:
    jiyuan_rule = filed_rule("419001", requirement={"total": 90, "public": 30, "professional": 60})
    jiaozuo_rule = filed_rule("410800", requirement={"total": 90, "public": 26, "professional": 60})
    assert policy_for_employer(employer("419001", world.orgs["education"]), ON).key == jiyuan_rule.key
    assert policy_for_employer(employer("410882", world.orgs["education"]), ON).key == jiaozuo_rule.key


def test_provincial_direct_units_take_no_city_rule(world: World) -> None:
    filed_rule("410100", requirement={"total": 90, "public": 30, "professional": 60})
    assert (
        policy_for_employer(world.orgs["emp_provincial"], ON).key == PROVINCIAL
    )  # located in 金水, sits at the province
    assert policy_for_employer(world.orgs["emp_jinshui"], ON).key != PROVINCIAL


def test_an_industry_rule_covers_employers_of_that_industry_only(world: World) -> None:
    health = filed_rule(None, "health", requirement={"total": 90, "public": 24, "professional": 66})
    engineering = industry_authority("410000", "engineering")
    assert policy_for_employer(world.orgs["emp_jinshui"], ON).key == health.key
    assert policy_for_employer(world.orgs["emp_provincial"], ON).key == health.key
    assert policy_for_employer(world.orgs["emp_zhongyuan"], ON).key == PROVINCIAL
    assert policy_for_employer(employer("410482", engineering), ON).key == PROVINCIAL
