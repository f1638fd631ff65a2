"""Paging and years are bounded the same way on every endpoint: 422 naming the field, never a 500."""

from __future__ import annotations

from django.test import Client

from cecert.api.params import MAX_LIMIT, MAX_OFFSET, MAX_YEAR, MIN_YEAR
from tests.factories import World, logged_in

PAGED = ["/api/v1/people", "/api/v1/certificates", "/api/v1/records"]
BAD_PAGING = [
    ("offset", -1, "起始位置"),
    ("offset", MAX_OFFSET + 1, "起始位置"),
    ("offset", 2**70, "起始位置"),
    ("limit", 0, "每页条数"),
    ("limit", -5, "每页条数"),
    ("limit", MAX_LIMIT + 1, "每页条数"),
]
BAD_YEARS = [0, 1900, MIN_YEAR - 1, MAX_YEAR + 1, 99999, -2017]
YEARLY = ["/api/v1/records?year={}", "/api/v1/reports/summary?year={}"]


def _assert_names_field(client: Client, url: str, field: str, label: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, (url, response.status_code)
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], url
    assert errors[0]["message_zh"].startswith(f"{label}："), errors
    assert errors[0]["message_en"].startswith(f"{field}: "), errors


def test_paging_out_of_bounds_is_422_naming_the_field(world: World) -> None:
    client = logged_in(world.users["hr_province"])
    for url in PAGED:
        for field, value, label in BAD_PAGING:
            _assert_names_field(client, f"{url}?{field}={value}", field, label)
    response = client.get("/api/v1/people?offset=-1")
    assert response.json()["errors"][0]["message_zh"] == "起始位置：数值过小，应大于或等于 0"


def test_paging_at_the_bounds_answers(world: World) -> None:
    client = logged_in(world.users["hr_province"])
    for url in PAGED:
        assert client.get(url, {"limit": 1, "offset": 0}).status_code == 200, url
        response = client.get(url, {"limit": MAX_LIMIT, "offset": MAX_OFFSET})
        assert (response.status_code, response.json()) == (200, []), url


def test_paging_pages_through_people(world: World) -> None:
    client = logged_in(world.users["hr_province"])
    everyone = [p["id"] for p in client.get("/api/v1/people", {"limit": MAX_LIMIT}).json()]
    assert len(everyone) == 5
    pages = [client.get("/api/v1/people", {"limit": 2, "offset": o}).json() for o in (0, 2, 4)]
    assert [p["id"] for page in pages for p in page] == everyone


def test_year_outside_the_platform_is_422_inside_answers(world: World) -> None:
    client = logged_in(world.users["hr_province"])
    for url in YEARLY:
        for year in BAD_YEARS:
            _assert_names_field(client, url.format(year), "year", "年度")
        for year in (MIN_YEAR, MAX_YEAR):
            assert client.get(url.format(year)).status_code == 200, (url, year)
    response = client.get("/api/v1/records", {"year": "二〇二五"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message_zh"] == "年度：类型错误，应为整数"


def test_anonymous_is_refused_before_the_parameters_are_read(client: Client) -> None:
    for url in [*PAGED, "/api/v1/reports/summary"]:
        assert client.get(url, {"offset": -1, "year": 0}).status_code == 401, url
