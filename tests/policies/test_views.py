"""Drafting and filing pages: Chinese, jurisdiction-checked (404 outside), the provincial filing list."""

from __future__ import annotations

import pytest

from cecert.policies.domain.filing import draft_rule, transition_policy
from cecert.policies.models import CreditingPolicy, PolicyState
from tests.factories import World, logged_in
from tests.policies.helpers import PINGDINGSHAN_RULE, city_officer

FORM = {
    "title": "平顶山市专业技术人员继续教育实施细则",
    "document_number": "平人社〔2025〕1号",
    "effective_from": "2025-01-01",
    "unit": "hour",
    "total": "90",
    "public": "30",
    "professional": "60",
    "hours_per_credit": "",
    "forms-TOTAL_FORMS": "3",
    "forms-INITIAL_FORMS": "0",
    "forms-MIN_NUM_FORMS": "0",
    "forms-MAX_NUM_FORMS": "10",
    "forms-0-code": "lecture",
    "forms-0-title": "专题讲座授课",
    "forms-0-subject": "professional",
    "forms-0-hours": "8",
}


def test_a_city_officer_drafts_and_submits_and_the_province_files_through_the_pages(world: World) -> None:
    officer = city_officer()
    client = logged_in(officer)
    page = client.get("/policies/new/")
    assert page.status_code == 200 and "起草实施细则" in page.content.decode()
    response = client.post("/policies/new/", FORM)
    assert response.status_code == 302
    rule = CreditingPolicy.objects.get(issuer__region__code="410400")
    assert rule.body["other_kinds"]["lecture"]["hours"] == "8"
    detail = client.get(f"/policies/{rule.pk}/").content.decode()
    assert "累计不少于 90 学时，其中公需科目不少于 30 学时" in detail and "专题讲座授课" in detail
    client.post(f"/policies/{rule.pk}/transition/", {"decision": "submit"})
    assert CreditingPolicy.objects.get(pk=rule.pk).state == PolicyState.SUBMITTED

    province = logged_in(world.users["hr_province"])
    listing = province.get("/policies/filing/").content.decode()
    assert "待备案的实施细则" in listing and "平顶山市专业技术人员继续教育实施细则" in listing
    province.post(f"/policies/{rule.pk}/transition/", {"decision": "return"})
    assert CreditingPolicy.objects.get(pk=rule.pk).state == PolicyState.SUBMITTED  # a reason is required
    province.post(f"/policies/{rule.pk}/transition/", {"decision": "file"})
    assert CreditingPolicy.objects.get(pk=rule.pk).state == PolicyState.FILED
    assert "已备案" in province.get(f"/policies/{rule.pk}/").content.decode()


def test_field_errors_are_named_in_chinese(world: World) -> None:
    client = logged_in(city_officer())
    page = client.post("/policies/new/", {**FORM, "public": "91"}).content.decode()
    assert "公需科目或专业科目的要求不能超过年度总要求" in page
    page = client.post("/policies/new/", {**FORM, "forms-0-code": "Bad Code"}).content.decode()
    assert "形式代码" in page and "只能使用小写字母" in page
    assert not CreditingPolicy.objects.filter(issuer__isnull=False).exists()


@pytest.mark.parametrize(
    "who", ["hr_luoyang", "hr_jinshui", "health", "admin_emp_jinshui", "person_jinshui", "sysadmin"]
)
def test_someone_outside_gets_404(world: World, who: str) -> None:
    officer = city_officer()
    draft = draft_rule(PINGDINGSHAN_RULE, by=officer)
    client = logged_in(world.users[who])
    assert client.get(f"/policies/{draft.pk}/").status_code == 404
    assert client.get(f"/policies/{draft.pk}/edit/").status_code == 404
    assert client.post(f"/policies/{draft.pk}/transition/", {"decision": "submit"}).status_code == 404
    assert client.get("/policies/filing/").status_code == 404
    assert CreditingPolicy.objects.get(pk=draft.pk).state == PolicyState.DRAFT


def test_the_province_sees_no_drafts_and_the_city_not_other_cities(world: World) -> None:
    officer = city_officer()
    draft = draft_rule(PINGDINGSHAN_RULE, by=officer)
    assert logged_in(world.users["hr_province"]).get(f"/policies/{draft.pk}/").status_code == 404
    gongyi = draft_rule(PINGDINGSHAN_RULE, by=world.users["hr_gongyi"])
    transition_policy(gongyi, PolicyState.SUBMITTED, by=world.users["hr_gongyi"])
    assert logged_in(officer).get(f"/policies/{gongyi.pk}/").status_code == 404
    assert logged_in(world.users["hr_province"]).get(f"/policies/{gongyi.pk}/").status_code == 200
    # Only the drafter edits; the province cannot.
    assert logged_in(world.users["hr_province"]).get(f"/policies/{gongyi.pk}/edit/").status_code == 404


def test_the_navigation_offers_the_rules_pages_only_to_those_who_draft_or_file(world: World) -> None:
    for key, offered in (
        ("hr_province", True),
        ("hr_zhengzhou", True),
        ("hr_jinshui", False),
        ("admin_emp_zhongyuan", False),
    ):
        page = logged_in(world.users[key]).get("/accounts/dashboard/").content.decode()
        assert ('href="/policies/"' in page) is offered, key
