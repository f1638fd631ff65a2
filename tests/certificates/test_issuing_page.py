"""The issuing page: eligible people of the officer's department with filters, issuing a selection
through a batch, asking before a not-met year is sealed, looking a number up, explaining who issues
to those whose department does not, and telling the holder."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cecert.certificates.domain import eligibility, issuance
from cecert.certificates.models import Certificate, CertificateBatch
from cecert.notifications.models import Notification
from tests.certificates.factories import YEAR, certified_record, full_year
from tests.factories import World, employer, logged_in, registered_person

ISSUE = "/certificates/issue/"
SELECTED = "/certificates/issue/selected/"


@pytest.fixture
def issuing_world(world: World) -> World:
    """Jinshui (met), Zhongyuan (met), a second Jinshui person who fell short, Luoyang and provincial (met)."""
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_provincial"):
        full_year(world.people[key])
    short = registered_person(world.orgs["emp_jinshui"], name="李未达")
    certified_record(short, subject="public", hours=24)
    world.people["short"] = short
    return world


def _rows(client: Client, **query: Any) -> list[int]:
    response = client.get(ISSUE, {"year": YEAR, **query})
    assert response.status_code == 200
    return sorted(row.pk for row in response.context["page"].object_list)


def test_the_list_holds_the_departments_people_with_certified_hours_and_filters(issuing_world: World) -> None:
    people = issuing_world.people
    zhengzhou = logged_in(issuing_world.users["hr_zhengzhou"])
    ours = sorted([people["emp_jinshui"].pk, people["emp_zhongyuan"].pk, people["short"].pk])
    assert _rows(zhengzhou) == ours  # not Luoyang's, not the provincial-direct unit in Zhengzhou
    assert _rows(zhengzhou, met="no") == [people["short"].pk]
    assert _rows(zhengzhou, met="yes") == sorted([people["emp_jinshui"].pk, people["emp_zhongyuan"].pk])
    assert _rows(zhengzhou, region="410102") == [people["emp_zhongyuan"].pk]
    assert _rows(zhengzhou, employer="中原") == [people["emp_zhongyuan"].pk]
    issuance.issue_annual_certificate(people["emp_jinshui"], YEAR, by=None)
    assert _rows(zhengzhou, issued="yes") == [people["emp_jinshui"].pk]
    assert _rows(zhengzhou, issued="no") == sorted([people["emp_zhongyuan"].pk, people["short"].pk])
    assert _rows(zhengzhou, year=YEAR - 1) == []  # nothing certified that year
    # The province issues for provincial-direct units only (Article 12).
    assert _rows(logged_in(issuing_world.users["hr_province"])) == [people["emp_provincial"].pk]
    page = zhengzhou.get(ISSUE, {"year": YEAR, "met": "no"}).content.decode()
    assert "李未达" in page and "未达标" in page and people["short"].certificate_number in page


def test_the_list_is_one_query_whatever_the_number_of_people(
    issuing_world: World, django_assert_max_num_queries: Any
) -> None:
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    client.get(ISSUE, {"year": YEAR})  # requirement rows created once (set-based)
    with django_assert_max_num_queries(18) as few:
        client.get(ISSUE, {"year": YEAR})
    three_people = len(few)  # read at once: the next request empties the query log
    assert three_people > 5
    for n in range(12):
        full_year(registered_person(employer("410105", issuing_world.orgs["health"]), name=f"王{n}"))
    client.get(ISSUE, {"year": YEAR})
    with django_assert_max_num_queries(three_people):
        response = client.get(ISSUE, {"year": YEAR})
    assert response.context["page"].paginator.count == 15


def test_issuing_a_selection_runs_a_batch_of_only_those_and_tells_the_holders(issuing_world: World) -> None:
    people = issuing_world.people
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    department = issuing_world.orgs["hr_zhengzhou"]
    response = client.post(SELECTED, {"department": department.pk, "year": YEAR, "people": [people["emp_jinshui"].pk]})
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/certificates/batches/{batch.pk}/"
    assert batch.selected_only and (batch.status, batch.total, batch.issued) == ("done", 1, 1)
    certificate = Certificate.objects.get()
    assert certificate.person_id == people["emp_jinshui"].pk and certificate.batch_id == batch.pk
    note = Notification.objects.get(user=people["emp_jinshui"].user, event="certificate.issued")
    assert f"已颁发，编号 {certificate.serial}" in note.message
    assert not Notification.objects.filter(user=people["emp_zhongyuan"].user, event="certificate.issued").exists()


def test_a_not_met_year_is_listed_and_confirmed_before_it_is_sealed(issuing_world: World) -> None:
    people = issuing_world.people
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    form = {
        "department": issuing_world.orgs["hr_zhengzhou"].pk,
        "year": YEAR,
        "people": [people["emp_jinshui"].pk, people["short"].pk],
    }
    asked = client.post(SELECTED, form)
    page = asked.content.decode()
    assert asked.status_code == 200 and 'id="confirm-form"' in page
    assert "所选 2 人中有 1 人未达到年度要求" in page
    listed = page.split('id="not-met"')[1].split("</table>")[0]
    assert people["short"].certificate_number in listed
    assert people["emp_jinshui"].certificate_number not in listed
    assert not CertificateBatch.objects.exists() and not Certificate.objects.exists()  # nothing sealed yet
    done = client.post(SELECTED, {**form, "confirm": "yes"})
    assert done.status_code == 302
    sealed = Certificate.objects.get(person=people["short"])
    assert sealed.snapshot["met"] is False
    assert Certificate.objects.filter(person=people["emp_jinshui"]).exists()


def test_the_whole_department_batch_also_asks_when_some_fell_short(issuing_world: World) -> None:
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    form = {"department": issuing_world.orgs["hr_zhengzhou"].pk, "year": YEAR}
    asked = client.post("/certificates/batches/", form)
    assert asked.status_code == 200 and "本次批量发证中有 1 人未达到年度要求" in asked.content.decode()
    assert not CertificateBatch.objects.exists()
    assert client.post("/certificates/batches/", {**form, "confirm": "yes"}).status_code == 302
    assert CertificateBatch.objects.get().issued == 3
    notes = Notification.objects.filter(event="certificate.issued")
    assert notes.count() == 3 and set(notes.values_list("url", flat=True)) == {"/certificates/"}


def test_a_selection_with_someone_not_the_departments_is_refused_whole(issuing_world: World) -> None:
    people = issuing_world.people
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    form = {
        "department": issuing_world.orgs["hr_zhengzhou"].pk,
        "year": YEAR,
        "people": [people["emp_jinshui"].pk, people["emp_luoyang"].pk],
        "confirm": "yes",
    }
    response = client.post(SELECTED, form, follow=True)
    assert "所选人员中有 1 人不由本部门发证" in response.content.decode()
    assert not CertificateBatch.objects.exists() and not Certificate.objects.exists()
    empty = client.post(SELECTED, {**form, "people": []}, follow=True)
    assert "请至少选择一名人员" in empty.content.decode()


@pytest.mark.parametrize(
    ("user_key", "number_of", "answer"),
    [
        ("hr_zhengzhou", None, eligibility.ERR_NUMBER_NOT_FOUND),  # a number nobody holds
        ("hr_zhengzhou", "emp_luoyang", eligibility.ERR_NUMBER_NOT_FOUND),  # outside: as if it did not exist
        ("hr_province", "emp_jinshui", "由人社部门410100发放（《办法》第十二条）"),  # visible, not the issuer
        ("hr_zhengzhou", "emp_jinshui", None),  # found: shown with the issue button
    ],
)
def test_a_number_lookup_answers_not_found_or_who_issues(
    issuing_world: World, user_key: str, number_of: str | None, answer: str | None
) -> None:
    number = issuing_world.people[number_of].certificate_number if number_of else "4101059999999"
    page = logged_in(issuing_world.users[user_key]).get(ISSUE, {"year": YEAR, "number": number}).content.decode()
    result = page.split('id="lookup-result"')[1]
    if answer is None:
        assert 'id="issue-form"' in result and issuing_world.people[number_of or ""].name in result
    else:
        assert answer in result and 'id="issue-form"' not in result
        assert issuance.ERR_NOT_ISSUER not in result


def test_a_malformed_number_is_named_as_such(issuing_world: World) -> None:
    page = logged_in(issuing_world.users["hr_zhengzhou"]).get(ISSUE, {"number": "41-01"}).content.decode()
    assert eligibility.ERR_NUMBER_FORMAT in page


def test_issuing_by_number_says_not_found_asks_for_a_short_year_and_notifies(issuing_world: World) -> None:
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    missing = client.post(ISSUE, {"number": "4101059999999", "year": YEAR}, follow=True).content.decode()
    assert eligibility.ERR_NUMBER_NOT_FOUND in missing and issuance.ERR_NOT_ISSUER not in missing
    short = issuing_world.people["short"]
    asked = client.post(ISSUE, {"number": short.certificate_number, "year": YEAR})
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.content.decode()
    assert not Certificate.objects.exists()
    done = client.post(ISSUE, {"number": short.certificate_number, "year": YEAR, "confirm": "yes"})
    certificate = Certificate.objects.get(person=short)
    assert done["Location"] == f"/certificates/{certificate.verification_id}/"
    note = Notification.objects.get(user=short.user, event="certificate.issued")
    assert note.url == f"/certificates/{certificate.verification_id}/"


@pytest.mark.parametrize(
    ("user_key", "words"),
    [
        ("hr_jinshui", "金水区专业技术人员的《证书》由人社部门410100发放"),
        ("health", "行业主管部门负责认定专业科目学时，不发放《证书》"),
        ("admin_emp_jinshui", "金水医院专业技术人员的《证书》由人社部门410100发放"),
        ("admin_emp_provincial", "省直医院专业技术人员的《证书》由人社部门410000发放"),
    ],
)
def test_whose_department_does_not_issue_reads_who_does_and_why(
    issuing_world: World, user_key: str, words: str
) -> None:
    client = logged_in(issuing_world.users[user_key])
    page = client.get(ISSUE).content.decode()
    assert words in page and "第十二条" in page and 'id="selection-form"' not in page
    assert words in client.get("/certificates/").content.decode()
    person = issuing_world.people["emp_jinshui"]
    assert client.post(ISSUE, {"number": person.certificate_number, "year": YEAR}).status_code == 404


@pytest.mark.parametrize("user_key", ["sysadmin", "auditor", "person_jinshui"])
def test_the_issuing_page_is_not_there_for_others(issuing_world: World, user_key: str) -> None:
    assert logged_in(issuing_world.users[user_key]).get(ISSUE).status_code == 404


@pytest.mark.parametrize("user_key", ["hr_luoyang", "hr_jinshui", "health", "admin_emp_jinshui", "person_jinshui"])
def test_an_outsider_cannot_issue_for_the_department(issuing_world: World, user_key: str) -> None:
    form = {
        "department": issuing_world.orgs["hr_zhengzhou"].pk,
        "year": YEAR,
        "people": [issuing_world.people["emp_jinshui"].pk],
        "confirm": "yes",
    }
    client = logged_in(issuing_world.users[user_key])
    assert client.post(SELECTED, form).status_code == 404
    assert client.post("/certificates/batches/", form).status_code == 404
    assert not CertificateBatch.objects.exists()


def test_anonymous_is_sent_to_log_in(issuing_world: World) -> None:
    assert Client().get(ISSUE).status_code == 302
    assert Client().post(SELECTED, {}).status_code == 302


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"people": ["1", "x"]}, "发证请求无效"),  # a tampered id: refused whole, not the valid part
        ({"people": ["１２"]}, "发证请求无效"),  # full-width digits are not ids
        ({"year": "二〇二五"}, "发证请求无效"),
        ({"people": [str(n) for n in range(1, 600)]}, "一次最多选择 500 人"),
        ({"back": "//evil.example/?x=1"}, "所选人员中有"),  # someone not ours; and the way back stays here
    ],
)
def test_hostile_selections_write_nothing_and_say_why(issuing_world: World, change: dict[str, Any], says: str) -> None:
    client = logged_in(issuing_world.users["hr_zhengzhou"])
    form = {
        "department": issuing_world.orgs["hr_zhengzhou"].pk,
        "year": YEAR,
        "people": [issuing_world.people["emp_luoyang"].pk],
        "confirm": "yes",
        **change,
    }
    response = client.post(SELECTED, form)
    assert response.status_code == 302 and response["Location"].startswith("/certificates/issue/")
    assert says in client.get(response["Location"]).content.decode()
    assert not CertificateBatch.objects.exists() and not Certificate.objects.exists()
