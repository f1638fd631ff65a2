"""Records in the caller's jurisdiction (``/api/v1/records``). Anything outside answers 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from cecert.api.params import Limit, Offset, Year
from cecert.records.access import get_in_scope_or_404
from cecert.records.models import Record

router = Router(tags=["records"], auth=django_auth)


class RecordOut(Schema):
    id: int
    person_id: int
    year: int
    activity_type: str
    activity: dict[str, Any]
    subject: str
    title: str
    start_date: dt.date
    end_date: dt.date
    hours: Decimal
    explanation: str
    policy_id: str
    channel: str
    state: str
    proofs: list[int]


def _out(record: Record) -> dict[str, Any]:
    return {
        **{
            f: getattr(record, f)
            for f in (
                "id",
                "person_id",
                "year",
                "activity_type",
                "activity",
                "subject",
                "title",
                "start_date",
                "end_date",
                "hours",
                "explanation",
                "policy_id",
                "channel",
                "state",
            )
        },
        "proofs": [p.pk for p in record.proofs.all()],
    }


@router.get("", response=list[RecordOut], summary="辖区内记录 / records in jurisdiction")
def list_records(
    request: HttpRequest,
    year: Year | None = None,
    state: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    qs = Record.objects.restrict(request.user).prefetch_related("proofs").order_by("pk")  # type: ignore[arg-type]
    if year is not None:
        qs = qs.filter(year=year)
    if state:
        qs = qs.filter(state=state)
    return [_out(r) for r in qs[offset : offset + limit]]


@router.get("/{record_id}", response=RecordOut, summary="记录详情 / one record")
def get_record(request: HttpRequest, record_id: int) -> dict[str, Any]:
    qs = Record.objects.restrict(request.user).prefetch_related("proofs")  # type: ignore[arg-type]
    return _out(get_in_scope_or_404(qs, request, pk=record_id))
