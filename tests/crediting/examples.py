"""Invented example policies for tests only (a 许昌 city rule, a health-sector credit scheme).

They are not published rules: the platform neither ships nor selects them
(``tests/crediting/fixtures/example_policies.json``). Tests pass them to the pure
core explicitly as a ``PolicySet``, with region paths from the shipped region data.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from cecert.crediting.policies import PolicySet, load_policies
from cecert.regions.loading import region_data

FIXTURE = Path(__file__).parent / "fixtures" / "example_policies.json"
XUCHANG_KEY = "henan-xuchang-example@2024-01-01"
HEALTH_KEY = "henan-health-cme-example@2024-01-01"


@cache
def region_paths() -> dict[str, str]:
    """Six-digit code → jurisdiction path, as ``regions.loading`` builds them (省直管县 under the province)."""
    data = region_data()
    province = data["province"]["code"]
    paths = {province: f"{province}/"}
    for city in data["cities"]:
        paths[city["code"]] = f"{province}/{city['code']}/"
        for county in city.get("counties", []):
            paths[county["code"]] = f"{province}/{city['code']}/{county['code']}/"
    for county in data["direct_counties"]:
        paths[county["code"]] = f"{province}/{county['code']}/"
    return paths


def example_policy_set() -> PolicySet:
    shipped = json.loads(resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8"))
    examples = json.loads(FIXTURE.read_text("utf-8"))
    document = {"policies": shipped["policies"] + examples["policies"]}
    return PolicySet(load_policies(json.dumps(document)), region_path=region_paths().get)
