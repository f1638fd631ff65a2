"""Certificate-number allocation under concurrent approvals (Article 13)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from cecert.accounts.domain.numbering import allocate_certificate_number
from cecert.accounts.domain.registration import register_person, transition_registration
from cecert.accounts.models import RegistrationState
from tests.factories import application, build_world, employer, employer_admin_of, id_number_for


@pytest.mark.django_db
def test_allocation_is_consecutive_per_prefix() -> None:
    assert [allocate_certificate_number("410105") for _ in range(3)] == [
        "4101050000001",
        "4101050000002",
        "4101050000003",
    ]
    assert allocate_certificate_number("410102") == "4101020000001"


@pytest.mark.django_db
def test_bad_prefix_is_refused() -> None:
    with pytest.raises(ValueError):
        allocate_certificate_number("4101")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_registrations_in_one_county_get_distinct_consecutive_numbers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL (SQLite serialises writers)")
    world = build_world()
    emp = employer("410105", world.orgs["health"])
    admin = employer_admin_of(emp)
    applications = [application(emp, id_number=id_number_for("410105", 10_000 + i)) for i in range(200)]

    def register_and_approve(index: int) -> str:
        try:
            person = register_person(applications[index])
            approved = transition_registration(person, RegistrationState.APPROVED, by=admin)
            assert approved.certificate_number is not None
            return approved.certificate_number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(register_and_approve, range(200)))

    assert len(set(numbers)) == 200
    serials = sorted(int(n[6:]) for n in numbers)
    first = serials[0]
    assert serials == list(range(first, first + 200))
    assert {n[:6] for n in numbers} == {"410105"}
