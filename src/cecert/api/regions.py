"""Public region and employer look-ups used by the registration forms."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from cecert.organisations.models import Organisation
from cecert.regions.models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    issuing_code: str


class EmployerOut(Schema):
    id: int
    name: str


@router.get("", response=list[RegionOut], summary="行政区划 / regions")
def list_regions(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent": r.parent.code if r.parent else None,
            "issuing_code": r.issuing_code,
        }
        for r in Region.objects.select_related("parent")
    ]


@router.get("/{code}/employers", response=list[EmployerOut], summary="地区内已审核单位 / approved employers")
def region_employers(request: HttpRequest, code: str) -> list[Organisation]:
    region = get_object_or_404(Region, code=code)
    return list(Organisation.objects.employers().approved().filter(region=region).only("id", "name"))
