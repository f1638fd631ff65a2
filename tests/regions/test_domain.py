"""Article 13 prefixes and the editable issuing-code table."""

from __future__ import annotations

import pytest
from django.test import Client

from cecert.accounts.domain.numbering import allocate_certificate_number
from cecert.core.errors import DomainError
from cecert.regions.domain import certificate_prefix, set_issuing_code
from cecert.regions.models import Region
from tests.factories import World, logged_in


@pytest.mark.parametrize(
    "code, provincial_direct, prefix",
    [
        ("410105", False, "410105"),
        ("410100", False, "410100"),  # a unit directly under the city
        ("411702", False, "411702"),  # 驿城区, 驻马店 17
        ("410181", False, "412081"),  # 巩义 (省直管县) default code 20
        ("411729", False, "412929"),  # 新蔡 default code 29
        ("419001", False, "419000"),  # 济源 90
        ("410105", True, "410000"),  # provincial-direct unit located in 金水区
        ("410000", False, "410000"),
    ],
)
def test_certificate_prefix(db: None, code: str, provincial_direct: bool, prefix: str) -> None:
    assert certificate_prefix(Region.objects.get(code=code), provincial_direct=provincial_direct) == prefix


def test_province_administered_counties_sit_under_the_province(db: None) -> None:
    gongyi = Region.objects.get(code="410181")
    assert gongyi.parent is not None and gongyi.parent.code == "410000"
    assert not Region.objects.subtree(Region.objects.get(code="410100")).filter(code="410181").exists()


def test_issuing_code_is_editable_until_a_number_is_issued(db: None) -> None:
    gongyi = Region.objects.get(code="410181")
    set_issuing_code(gongyi, "30")
    assert Region.objects.get(code="410181").issuing_code == "30"
    allocate_certificate_number("413081")
    with pytest.raises(DomainError) as caught:
        set_issuing_code(Region.objects.get(code="410181"), "31")
    assert caught.value.field == "issuing_code"


@pytest.mark.parametrize("bad", ["1", "ab", "01"])
def test_issuing_code_must_be_two_free_digits(db: None, bad: str) -> None:
    with pytest.raises(DomainError):
        set_issuing_code(Region.objects.get(code="410181"), bad)


def test_only_the_sysadmin_sees_the_table(world: World) -> None:
    assert logged_in(world.users["sysadmin"]).get("/regions/issuing-codes/").status_code == 200
    for key in ("hr_province", "admin_emp_jinshui", "auditor", "person_jinshui"):
        assert logged_in(world.users[key]).get("/regions/issuing-codes/").status_code == 404
    response = logged_in(world.users["hr_province"]).post(
        "/regions/issuing-codes/", {"region": "410181", "issuing_code": "33"}
    )
    assert response.status_code == 404
    assert Region.objects.get(code="410181").issuing_code == "20"


def test_public_region_api(db: None) -> None:
    rows = Client().get("/api/v1/regions").json()
    assert len(rows) == 175
    assert {
        "code": "410181",
        "name": "巩义市",
        "level": "direct_county",
        "parent": "410000",
        "issuing_code": "20",
    } in rows
