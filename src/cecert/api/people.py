"""People within the caller's jurisdiction. Anything outside answers 404."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.security import django_auth

from cecert.accounts.decorators import AuthenticatedHttpRequest
from cecert.accounts.models import Person
from cecert.api.params import Limit, Offset

router = Router(tags=["people"], auth=django_auth)


class PersonOut(Schema):
    id: int
    name: str
    id_number: str
    certificate_number: str | None
    employer_id: int
    employer: str
    state: str
    registered_at: dt.datetime


def _out(person: Person, viewer_id: int | None) -> dict[str, object]:
    return {
        "id": person.pk,
        "name": person.name,
        # Masked for everyone but the owner.
        "id_number": person.id_number if person.user_id == viewer_id else person.id_number_masked,
        "certificate_number": person.certificate_number,
        "employer_id": person.employer_id,
        "employer": person.employer.name,
        "state": person.state,
        "registered_at": person.registered_at,
    }


@router.get("", response=list[PersonOut], summary="辖区内人员 / people in jurisdiction")
def list_people(request: AuthenticatedHttpRequest, limit: Limit = 100, offset: Offset = 0) -> list[dict[str, object]]:
    qs = Person.objects.restrict(request.user).select_related("employer").order_by("pk")
    return [_out(p, request.user.pk) for p in qs[offset : offset + limit]]


@router.get("/{person_id}", response=PersonOut, summary="人员详情 / one person")
def get_person(request: AuthenticatedHttpRequest, person_id: int) -> dict[str, object]:
    person = get_object_or_404(Person.objects.restrict(request.user).select_related("employer"), pk=person_id)
    return _out(person, request.user.pk)
