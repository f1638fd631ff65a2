"""``/api/v1/reports``: the dashboard figures and a person's history as JSON (same scope rules: outside → 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Router, Schema
from ninja.security import django_auth

from cecert.accounts.decorators import AuthenticatedHttpRequest
from cecert.api.params import Year
from cecert.reports.domain import queries
from cecert.reports.domain.scope import OutOfScope, person_in_scope, report_scope

router = Router(tags=["reports"], auth=django_auth)


class FiguresOut(Schema):
    people: int
    met: int
    short: int
    rate: Decimal | None
    met_public: int
    met_professional: int
    required_total: Decimal
    earned_public: Decimal
    earned_professional: Decimal
    earned_total: Decimal
    shortfall_total: Decimal
    credit_people: int
    earned_credits: Decimal


class GroupOut(Schema):
    key: str
    label: str
    figures: FiguresOut
    drill: dict[str, str] | None


class SummaryOut(Schema):
    year: int
    node: dict[str, str]
    label: str
    total: FiguresOut
    by_area: list[GroupOut]
    by_industry: list[GroupOut]


class HistoryYearOut(Schema):
    year: int
    unit: str | None
    required_total: int | None
    required_public: int | None
    required_professional: int | None
    earned_public: Decimal | None
    earned_professional: Decimal | None
    earned_total: Decimal | None
    met: bool
    certificates: list[dict[str, Any]]


def _figures(f: queries.Figures) -> dict[str, Any]:
    return {
        "people": f.people,
        "met": f.met,
        "short": f.short,
        "rate": f.rate,
        "met_public": f.met_public,
        "met_professional": f.met_professional,
        "required_total": f.required_total,
        "earned_public": f.earned_public,
        "earned_professional": f.earned_professional,
        "earned_total": f.earned_total,
        "shortfall_total": f.shortfall_total,
        "credit_people": f.credit_people,
        "earned_credits": f.earned_credits,
    }


def _group(row: queries.GroupRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "figures": _figures(row.figures),
        "drill": row.node.query() if row.node else None,
    }


@router.get("/summary", response=SummaryOut, summary="辖区统计 / completion figures of the caller's jurisdiction")
def summary(
    request: AuthenticatedHttpRequest, year: Year, region: str = "", direct: bool = False, employer: str = ""
) -> dict[str, Any]:
    try:
        scope = report_scope(request.user, region=region, direct=direct, employer=employer)
    except OutOfScope:
        raise Http404 from None
    dash = queries.dashboard(scope, year)
    return {
        "year": year,
        "node": scope.node.query(),
        "label": scope.node.label,
        "total": _figures(dash.total),
        "by_area": [_group(r) for r in dash.by_area],
        "by_industry": [_group(r) for r in dash.by_industry],
    }


@router.get("/people/{person_id}/history", response=list[HistoryYearOut], summary="个人历年情况 / a person's years")
def history(request: AuthenticatedHttpRequest, person_id: int) -> list[dict[str, Any]]:
    try:
        person = person_in_scope(request.user, person_id)
    except OutOfScope:
        raise Http404 from None
    out = []
    for h in queries.person_history(person):
        s = h.status
        out.append(
            {
                "year": h.year,
                "unit": s.get("unit"),
                "required_total": s.get("required_total"),
                "required_public": s.get("required_public"),
                "required_professional": s.get("required_professional"),
                "earned_public": s.get("earned_public"),
                "earned_professional": s.get("earned_professional"),
                "earned_total": s.get("earned_total"),
                "met": bool(s.get("met")),
                "certificates": [
                    {"serial": c.serial, "status": c.status, "version": c.version, "url": c.url} for c in h.certificates
                ],
            }
        )
    return out
