"""The dashboard (工作台): every role sees its own pending work, counted inside its jurisdiction, with a
link to the page that shows the same rows; nobody sees another jurisdiction's counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cecert.accounts.domain.registration import request_transfer
from cecert.organisations.models import OrganisationState
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.reports.domain.worklist import pending_work
from cecert.review.domain.workflow import transition_record
from tests.factories import World, employer, logged_in, registered_person
from tests.records.factories import PUBLIC_TRAINING, advanced, declared

DASHBOARD = "/accounts/dashboard/"


def counts(client: Client) -> dict[str, int]:
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    return {key: int(n) for key, n in re.findall(r'id="work-([a-z_]+)" data-count="(\d+)"', page.content.decode())}


@pytest.fixture
def busy_world(world: World) -> World:
    """Work waiting in Zhengzhou (Jinshui) only: a submitted record, a record waiting for certification
    (old: overdue), a returned one, a pending registration, a pending employer, a transfer in."""
    people = world.people
    submitted = declared(people["emp_jinshui"], title="待初审的培训")
    advanced(world, submitted, RecordState.SUBMITTED)
    waiting = advanced(world, declared(people["emp_jinshui"], title="待认定的培训"), RecordState.EMPLOYER_APPROVED)
    Record.objects.filter(pk=waiting.pk).update(state_changed_at=timezone.now() - dt.timedelta(days=40))
    returned = advanced(world, declared(people["emp_jinshui"], PUBLIC_TRAINING, title="被退回的培训"), "submitted")
    transition_record(returned, RecordState.RETURNED, by=world.users["admin_emp_jinshui"], reason="证明不清晰")
    registered_person(world.orgs["emp_jinshui"], approved=False, name="待审核")
    employer("410105", world.orgs["health"], state=OrganisationState.PENDING, name="新注册医院")
    request_transfer(people["emp_zhongyuan"], world.orgs["emp_jinshui"], by=people["emp_zhongyuan"].user)
    return world


def test_the_employer_admin_sees_its_own_review_registrations_and_transfers(busy_world: World) -> None:
    jinshui = counts(logged_in(busy_world.users["admin_emp_jinshui"]))
    assert (jinshui["records_to_review"], jinshui["registrations"], jinshui["transfers"]) == (1, 1, 1)
    assert jinshui["leaves"] == 0
    luoyang = counts(logged_in(busy_world.users["admin_emp_luoyang"]))
    assert (luoyang["records_to_review"], luoyang["registrations"], luoyang["transfers"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("user_key", "to_review", "overdue", "employers"),
    [
        ("hr_zhengzhou", 1, 1, 1),
        ("hr_jinshui", 1, 1, 1),
        ("hr_province", 1, 1, 1),
        ("hr_luoyang", 0, 0, 0),
        ("hr_gongyi", 0, 0, 0),
    ],
)
def test_hr_officers_count_inside_their_region_only(
    busy_world: World, user_key: str, to_review: int, overdue: int, employers: int
) -> None:
    mine = counts(logged_in(busy_world.users[user_key]))
    assert (mine["records_to_review"], mine["records_overdue"], mine["employer_applications"]) == (
        to_review,
        overdue,
        employers,
    )
    assert mine["registrations"] == to_review  # the pending registration sits in Jinshui too


def test_the_industry_authority_counts_the_employers_in_its_charge(busy_world: World) -> None:
    assert counts(logged_in(busy_world.users["health"]))["employer_applications"] == 1
    assert counts(logged_in(busy_world.users["education"]))["employer_applications"] == 0


def test_the_professional_sees_returned_records_and_the_years_progress(busy_world: World) -> None:
    page = logged_in(busy_world.users["person_jinshui"]).get(DASHBOARD).content.decode()
    mine = {key: int(n) for key, n in re.findall(r'id="work-([a-z_]+)" data-count="(\d+)"', page)}
    assert mine["records_returned"] == 1 and mine["records_waiting"] == 2
    assert 'id="work-year_progress"' in page and "尚未达到年度要求" in page
    other = registered_person(busy_world.orgs["emp_luoyang"], name="洛阳人员")
    assert counts(logged_in(other.user))["records_returned"] == 0


def test_issuing_departments_see_the_people_waiting_for_a_certificate(busy_world: World) -> None:
    from tests.certificates.factories import YEAR, full_year

    full_year(busy_world.people["emp_jinshui"], YEAR)
    assert counts(logged_in(busy_world.users["hr_zhengzhou"]))["certificates_to_issue"] == 1
    assert counts(logged_in(busy_world.users["hr_luoyang"]))["certificates_to_issue"] == 0
    assert "certificates_to_issue" not in counts(logged_in(busy_world.users["hr_jinshui"]))  # does not issue


def test_every_role_has_its_section_and_links_that_open(busy_world: World) -> None:
    for key in ("sysadmin", "auditor", "hr_province", "health", "admin_emp_jinshui", "person_jinshui"):
        user = busy_world.users[key]
        sections = pending_work(user)
        assert sections, key
        client = logged_in(user)
        for section in sections:
            for item in section.items:
                assert client.get(item.url).status_code == 200, (key, item.key, item.url)


def test_a_dashboard_is_a_fixed_number_of_queries(busy_world: World, django_assert_max_num_queries: Any) -> None:
    for key, most in (
        ("hr_province", 22),
        ("health", 15),
        ("admin_emp_jinshui", 13),
        ("person_jinshui", 15),
        ("auditor", 12),
    ):
        client = logged_in(busy_world.users[key])
        client.get(DASHBOARD)
        with django_assert_max_num_queries(most):
            client.get(DASHBOARD)


def test_the_dashboard_needs_a_login() -> None:
    assert Client().get(DASHBOARD).status_code == 302


def test_a_base_admin_counts_only_its_own_base(world: World) -> None:
    from cecert.accounts.models import Role
    from cecert.catalogs.models import BaseRecognition
    from cecert.organisations.models import OrganisationKind
    from tests.factories import organisation, user_with_role

    admins = []
    for n, code in enumerate(("410105", "410302")):
        base = organisation(OrganisationKind.TRAINING_BASE, f"培训基地{n}", code)
        if n == 0:
            BaseRecognition.objects.create(base=base)  # applied, not yet recognised
        admins.append(user_with_role(Role.BASE_ADMIN, base))
    assert counts(logged_in(admins[0]))["base_not_recognised"] == 1
    assert counts(logged_in(admins[1]))["base_not_recognised"] == 0


def test_a_user_without_a_role_is_told_so(world: World) -> None:
    from cecert.accounts.models import User

    nobody = User.objects.create_user("nobody", "Test@2026pass", display_name="无角色")
    page = logged_in(nobody).get(DASHBOARD).content.decode()
    assert 'id="no-work"' in page and 'id="work-' not in page
