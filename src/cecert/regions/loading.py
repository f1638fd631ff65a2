"""Load the shipped region data file (``data/henan_regions.json``)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def region_data() -> dict[str, Any]:
    text = resources.files("cecert.regions").joinpath("data/henan_regions.json").read_text("utf-8")
    return json.loads(text)


def load_regions(region_model: Any) -> int:
    """Create or update every region; ``region_model`` may be a migration's historical model."""
    data = region_data()
    created = 0

    def upsert(code: str, name: str, level: str, parent: Any, issuing_code: str = "") -> Any:
        nonlocal created
        path = (parent.path if parent else "") + code + "/"
        obj, was_created = region_model.objects.update_or_create(
            code=code,
            defaults={"name": name, "level": level, "parent": parent, "path": path},
        )
        if issuing_code and not obj.issuing_code:
            obj.issuing_code = issuing_code
            obj.save(update_fields=["issuing_code"])
        created += int(was_created)
        return obj

    province = data["province"]
    root = upsert(province["code"], province["name"], "province", None, province.get("issuing_code", "00"))
    for city in data["cities"]:
        city_obj = upsert(city["code"], city["name"], "city", root, city["issuing_code"])
        for county in city.get("counties", []):
            upsert(county["code"], county["name"], "county", city_obj)
    for county in data["direct_counties"]:
        upsert(county["code"], county["name"], "direct_county", root, county["issuing_code"])
    return created
