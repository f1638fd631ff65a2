"""Every role against people and employers inside and outside its jurisdiction.

The same expectation table drives the query layer, the pages and the API: inside
answers 200, outside answers 404 (never 403, never a hint).
"""

from __future__ import annotations

import pytest

from cecert.accounts.models import Person
from cecert.organisations.models import Organisation, OrganisationKind
from tests.factories import VISIBLE_PEOPLE, World, logged_in

ALL_PEOPLE = ["emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"]
OFFICER_PAGE_USERS = [u for u in VISIBLE_PEOPLE if u.startswith(("hr_", "admin_")) or u in ("health", "education")]

VISIBLE_EMPLOYERS: dict[str, set[str]] = {
    "hr_province": set(ALL_PEOPLE),
    "hr_zhengzhou": {"emp_jinshui", "emp_zhongyuan"},
    "hr_jinshui": {"emp_jinshui"},
    "hr_luoyang": {"emp_luoyang"},
    "hr_gongyi": {"emp_gongyi"},
    "health": {"emp_jinshui", "emp_luoyang", "emp_gongyi", "emp_provincial"},
    "education": {"emp_zhongyuan"},
    "admin_emp_jinshui": {"emp_jinshui"},
    "admin_emp_luoyang": {"emp_luoyang"},
}


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_person_queryset_is_restricted_to_jurisdiction(world: World, user_key: str) -> None:
    visible = set(Person.objects.restrict(world.users[user_key]).values_list("pk", flat=True))
    expected = {world.people[k].pk for k in VISIBLE_PEOPLE[user_key]}
    assert visible == expected


@pytest.mark.parametrize("user_key", sorted(VISIBLE_EMPLOYERS))
def test_employer_queryset_is_restricted_to_jurisdiction(world: World, user_key: str) -> None:
    visible = set(
        Organisation.objects.restrict(world.users[user_key])
        .filter(kind=OrganisationKind.EMPLOYER)
        .values_list("pk", flat=True)
    )
    assert visible == {world.orgs[k].pk for k in VISIBLE_EMPLOYERS[user_key]}


@pytest.mark.parametrize("user_key", sorted(OFFICER_PAGE_USERS))
@pytest.mark.parametrize("person_key", ALL_PEOPLE)
def test_person_page_inside_200_outside_404(world: World, user_key: str, person_key: str) -> None:
    client = logged_in(world.users[user_key])
    response = client.get(f"/people/{world.people[person_key].pk}/")
    assert response.status_code == (200 if person_key in VISIBLE_PEOPLE[user_key] else 404)


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
@pytest.mark.parametrize("person_key", ALL_PEOPLE)
def test_person_api_inside_200_outside_404(world: World, user_key: str, person_key: str) -> None:
    client = logged_in(world.users[user_key])
    response = client.get(f"/api/v1/people/{world.people[person_key].pk}")
    assert response.status_code == (200 if person_key in VISIBLE_PEOPLE[user_key] else 404)


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_people_list_page_and_api_show_only_jurisdiction(world: World, user_key: str) -> None:
    client = logged_in(world.users[user_key])
    api = client.get("/api/v1/people")
    assert api.status_code == 200
    assert {row["id"] for row in api.json()} == {world.people[k].pk for k in VISIBLE_PEOPLE[user_key]}
    page = client.get("/people/")
    if user_key not in OFFICER_PAGE_USERS:
        assert page.status_code == 404
        return
    shown = {k for k in ALL_PEOPLE if f"/people/{world.people[k].pk}/" in page.content.decode()}
    assert shown == VISIBLE_PEOPLE[user_key]


@pytest.mark.parametrize(
    "user_key", ["admin_emp_luoyang", "hr_luoyang", "health", "education", "sysadmin", "auditor", "person_jinshui"]
)
def test_actions_on_someone_outside_answer_404_and_change_nothing(world: World, user_key: str) -> None:
    target = world.people["emp_zhongyuan"] if user_key == "health" else world.people["emp_jinshui"]
    if user_key == "education":
        target = world.people["emp_luoyang"]
    client = logged_in(world.users[user_key])
    before = Person.objects.values().get(pk=target.pk)
    for url, data in [
        (f"/people/{target.pk}/review/", {"decision": "return", "reason": "x"}),
        (f"/people/{target.pk}/correct/", {"name": "李四", "reason": "x"}),
    ]:
        assert client.post(url, data).status_code == 404
    assert Person.objects.values().get(pk=target.pk) == before


@pytest.mark.parametrize("user_key", sorted(VISIBLE_EMPLOYERS))
@pytest.mark.parametrize("employer_key", ALL_PEOPLE)
def test_employer_page_inside_200_outside_404(world: World, user_key: str, employer_key: str) -> None:
    client = logged_in(world.users[user_key])
    response = client.get(f"/organisations/employers/{world.orgs[employer_key].pk}/")
    assert response.status_code == (200 if employer_key in VISIBLE_EMPLOYERS[user_key] else 404)


def test_anonymous_gets_login_redirect_and_api_401(world: World) -> None:
    from django.test import Client

    client = Client()
    assert client.get(f"/people/{world.people['emp_jinshui'].pk}/").status_code == 302
    assert client.get(f"/api/v1/people/{world.people['emp_jinshui'].pk}").status_code == 401


def test_user_without_roles_sees_nothing(world: World) -> None:
    from cecert.accounts.models import User

    nobody = User.objects.create_user("nobody", "Xx@12345678", display_name="无角色")
    assert not Person.objects.restrict(nobody).exists()
    assert not Organisation.objects.restrict(nobody).exists()
    assert logged_in(nobody).get("/api/v1/people").json() == []


def test_api_validation_errors_name_the_field_in_both_languages(world: World) -> None:
    client = logged_in(world.users["hr_province"])
    response = client.get("/api/v1/people", {"limit": "many"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "limit"
    assert error["message_zh"] == "每页条数：类型错误，应为整数"  # the field named in Chinese (cecert.api.params)
    assert error["message_en"] == "limit: wrong type; expected an integer"
