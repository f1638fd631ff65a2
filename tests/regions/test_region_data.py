"""Validation of the shipped Henan region data (src/cecert/regions/data/henan_regions.json).

Expected county-level total: 157 = 54 市辖区 + 21 县级市 (incl. 济源 419001) + 82 县, the
county-level units listed for 河南省 in the Ministry of Civil Affairs' GB/T 2260 code list
(县级以上行政区划代码, edition current as of end-2024; Henan unchanged since the 2021 Luoyang
reform). Cross-checked against the NBS 统计用区划代码 (modood/Administrative-divisions-of-China),
which agrees once its 41xx7x functional zones (not GB/T 2260 divisions) are excluded.
In the file: 146 under the 17 cities + 10 province-administered counties + 济源 = 157.

Plain pytest, no Django: run with ``pytest tests/regions/test_region_data.py -p no:django``.
"""

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_FILE = REPO_ROOT / "src" / "cecert" / "regions" / "data" / "henan_regions.json"

OFFICIAL_COUNTY_LEVEL_TOTAL = 157
JIYUAN = "419001"
DIRECT_COUNTIES = {
    "410181": "巩义市",
    "410225": "兰考县",
    "410482": "汝州市",
    "410526": "滑县",
    "410783": "长垣市",
    "411381": "邓州市",
    "411481": "永城市",
    "411525": "固始县",
    "411628": "鹿邑县",
    "411729": "新蔡县",
}
SIX_DIGITS = re.compile(r"^\d{6}$")


@pytest.fixture(scope="module")
def data():
    with DATA_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def _all_codes(data):
    codes = [data["province"]["code"]]
    for city in data["cities"]:
        codes.append(city["code"])
        codes.extend(c["code"] for c in city["counties"])
    codes.extend(d["code"] for d in data["direct_counties"])
    return codes


def test_top_level_shape(data):
    assert data["source"]
    assert data["province"] == {"code": "410000", "name": "河南省", "issuing_code": "00"}


def test_eighteen_cities_including_jiyuan(data):
    cities = data["cities"]
    assert len(cities) == 18
    prefectures = [c for c in cities if c["code"] != JIYUAN]
    assert [c["code"] for c in prefectures] == [f"41{n:02d}00" for n in range(1, 18)]
    assert [c["issuing_code"] for c in prefectures] == [f"{n:02d}" for n in range(1, 18)]
    assert prefectures[0]["name"] == "郑州市"
    assert prefectures[-1]["name"] == "驻马店市"
    jiyuan = next(c for c in cities if c["code"] == JIYUAN)
    assert jiyuan["name"] == "济源市"
    assert jiyuan["issuing_code"] == "90"
    assert jiyuan["counties"] == []


def test_exactly_ten_direct_counties_with_distinct_issuing_codes(data):
    direct = data["direct_counties"]
    assert {d["code"]: d["name"] for d in direct} == DIRECT_COUNTIES
    issuing = [d["issuing_code"] for d in direct]
    assert len(set(issuing)) == 10
    reserved = {c["issuing_code"] for c in data["cities"]} | {data["province"]["issuing_code"]}
    assert not set(issuing) & reserved
    assert all(re.fullmatch(r"\d{2}", code) for code in issuing)
    city_codes = {c["code"] for c in data["cities"]}
    for d in direct:
        # they keep their original GB/T code, which sits under the recorded former city
        assert d["former_city"] in city_codes
        assert d["code"][:4] == d["former_city"][:4]


def test_direct_counties_removed_from_their_former_city(data):
    listed = {c["code"] for city in data["cities"] for c in city["counties"]}
    assert not listed & DIRECT_COUNTIES.keys()


def test_code_format_and_prefixes(data):
    for code in _all_codes(data):
        assert SIX_DIGITS.match(code), code
        assert code.startswith("41"), code
    for city in data["cities"]:
        if city["code"] != JIYUAN:
            assert city["code"].endswith("00")
        for county in city["counties"]:
            assert county["code"][:4] == city["code"][:4], county
            assert not county["code"].endswith("00")
            # functional zones (41xx7x) are statistical-only, not GB/T 2260 divisions
            assert county["code"][4] != "7", county


def test_no_duplicate_codes_or_names_within_a_city(data):
    codes = _all_codes(data)
    assert len(codes) == len(set(codes))
    for city in data["cities"]:
        names = [c["name"] for c in city["counties"]]
        assert len(names) == len(set(names)), city["name"]


def test_county_level_total_matches_official_count(data):
    under_cities = sum(len(c["counties"]) for c in data["cities"])
    assert under_cities == 146
    total = under_cities + len(data["direct_counties"]) + 1  # + 济源
    assert total == OFFICIAL_COUNTY_LEVEL_TOTAL


def test_county_level_breakdown_by_kind(data):
    names = [c["name"] for city in data["cities"] for c in city["counties"]]
    names += [d["name"] for d in data["direct_counties"]]
    names.append("济源市")
    assert sum(n.endswith("区") for n in names) == 54
    assert sum(n.endswith("市") for n in names) == 21
    assert sum(n.endswith("县") for n in names) == 82


@pytest.mark.parametrize(
    ("code", "name", "city"),
    [
        ("410102", "中原区", "410100"),
        ("410105", "金水区", "410100"),
        ("410106", "上街区", "410100"),
        ("410108", "惠济区", "410100"),
        ("410212", "祥符区", "410200"),
        ("410307", "偃师区", "410300"),
        ("410308", "孟津区", "410300"),
        ("411603", "淮阳区", "411600"),
        ("411702", "驿城区", "411700"),
    ],
)
def test_spot_checks(data, code, name, city):
    parent = next(c for c in data["cities"] if c["code"] == city)
    assert {"code": code, "name": name} in parent["counties"]


def test_abolished_units_absent(data):
    names = {c["name"] for city in data["cities"] for c in city["counties"]}
    assert "吉利区" not in names  # merged into 孟津区 in 2021
    assert "孟津县" not in names
    assert "偃师市" not in names
    assert "长垣县" not in names


def test_changyuan_is_a_direct_county(data):
    changyuan = next(d for d in data["direct_counties"] if d["code"] == "410783")
    assert changyuan["name"] == "长垣市"
    assert changyuan["former_city"] == "410700"
    assert changyuan["issuing_code"] == "24"
