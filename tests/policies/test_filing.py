"""Article 16 / 7(13): drafted locally, filed by the provincial HR department, applied from the effective date."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from cecert.accounts.models import Role
from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from cecert.policies.domain.filing import OtherForm, draft_rule, transition_policy, update_rule
from cecert.policies.domain.registry import policy_for_employer
from cecert.policies.models import CreditingPolicy, PolicyState
from cecert.records.domain.years import person_compliance, year_status
from cecert.records.models import PersonYear, Record, YearClosing
from tests.factories import World, employer, employer_admin_of, industry_authority, registered_person, user_with_role
from tests.policies.helpers import PINGDINGSHAN_RULE, city_officer, filed_pingdingshan
from tests.records.factories import advanced, declared

PROVINCIAL = "henan-2017-121@2017-08-17"
ON = dt.date(2026, 12, 31)


def test_pingdingshan_30_public_60_professional_applies_once_filed(world: World) -> None:
    officer = city_officer()
    school = employer("410402", world.orgs["education"], name="平顶山学校")
    rule = draft_rule(PINGDINGSHAN_RULE, by=officer)
    assert (rule.state, rule.scope_path, rule.requirement) == (
        PolicyState.DRAFT,
        "410000/410400/",
        {"total": 90, "public": 30, "professional": 60},
    )
    assert policy_for_employer(school, ON).key == PROVINCIAL  # a draft decides nothing
    rule = transition_policy(rule, PolicyState.SUBMITTED, by=officer)
    assert policy_for_employer(school, ON).key == PROVINCIAL  # nor does a submitted rule
    rule = transition_policy(rule, PolicyState.FILED, by=world.users["hr_province"])
    chosen = policy_for_employer(school, ON)
    assert chosen.key == rule.key and chosen.requirement.public == 30
    # Never before its effective date.
    assert policy_for_employer(school, dt.date(2024, 12, 31)).key == PROVINCIAL
    # 汝州 (410482) is in 平顶山's code range but answers to the province.
    assert policy_for_employer(employer("410482", world.orgs["education"]), ON).key == PROVINCIAL
    actions = list(
        AuditEntry.objects.filter(object_type="policies.creditingpolicy", object_id=str(rule.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["policy.draft", "policy.submitted", "policy.filed"]


def test_filing_recredits_the_open_years_it_governs(world: World) -> None:
    school = employer("410402", world.orgs["education"], name="平顶山学校")
    person = registered_person(school)
    world.people["pds"], world.users["admin_pds"] = person, employer_admin_of(school)
    record = advanced(world, declared(person))  # 24 public, 2025
    status = year_status(type(person).objects.filter(pk=person.pk), 2025).get()
    assert (status.required_public, status.met) == (24, False)
    rule = filed_pingdingshan(world)
    assert Record.objects.get(pk=record.pk).policy_id == rule.key
    assert not PersonYear.objects.filter(person=person, year=2025).exists()  # recomputed on next use
    status = year_status(type(person).objects.filter(pk=person.pk), 2025).get()
    assert (status.required_public, status.shortfall_public) == (30, Decimal(6))
    assert person_compliance(person, 2025).required.public == 30
    entry = AuditEntry.objects.get(
        action="policy.filed", object_type="policies.creditingpolicy", object_id=str(rule.pk)
    )
    assert entry.after["recredited"]["records"] == 1


def test_a_rule_never_applies_to_a_closed_year(world: World) -> None:
    officer = city_officer()
    YearClosing.objects.create(year=2025, deadline=dt.date(2026, 1, 31), set_by=world.users["hr_province"])
    rule = draft_rule(PINGDINGSHAN_RULE, by=officer)
    with pytest.raises(DomainError) as caught:
        transition_policy(rule, PolicyState.SUBMITTED, by=officer)
    assert caught.value.field == "effective_from"
    # Closed after submission: filing is refused too.
    YearClosing.objects.all().delete()
    rule = transition_policy(rule, PolicyState.SUBMITTED, by=officer)
    YearClosing.objects.create(year=2025, deadline=dt.date(2026, 1, 31), set_by=world.users["hr_province"])
    with pytest.raises(DomainError) as caught:
        transition_policy(rule, PolicyState.FILED, by=world.users["hr_province"])
    assert caught.value.field == "effective_from"
    assert CreditingPolicy.objects.get(pk=rule.pk).state == PolicyState.SUBMITTED


def test_return_needs_a_reason_and_the_drafter_may_correct_and_resubmit(world: World) -> None:
    officer = city_officer()
    rule = transition_policy(draft_rule(PINGDINGSHAN_RULE, by=officer), PolicyState.SUBMITTED, by=officer)
    with pytest.raises(DomainError) as caught:
        transition_policy(rule, PolicyState.RETURNED, by=world.users["hr_province"])
    assert caught.value.field == "reason"
    rule = transition_policy(rule, PolicyState.RETURNED, by=world.users["hr_province"], reason="请补充文号")
    assert (rule.state, rule.state_reason) == (PolicyState.RETURNED, "请补充文号")
    from dataclasses import replace

    rule = update_rule(rule, replace(PINGDINGSHAN_RULE, document_number="平人社〔2025〕2号"), by=officer)
    rule = transition_policy(rule, PolicyState.SUBMITTED, by=officer)
    assert rule.state == PolicyState.SUBMITTED
    edit = AuditEntry.objects.get(action="policy.edit", object_type="policies.creditingpolicy", object_id=str(rule.pk))
    assert edit.actor_id == officer.pk


@pytest.mark.parametrize("who", ["hr_zhengzhou", "hr_jinshui", "health", "admin_emp_jinshui", "drafter"])
def test_only_the_provincial_hr_department_files(world: World, who: str) -> None:
    officer = city_officer()
    rule = transition_policy(draft_rule(PINGDINGSHAN_RULE, by=officer), PolicyState.SUBMITTED, by=officer)
    actor = officer if who == "drafter" else world.users[who]
    with pytest.raises(DomainError):
        transition_policy(rule, PolicyState.FILED, by=actor)
    assert CreditingPolicy.objects.get(pk=rule.pk).state == PolicyState.SUBMITTED


def test_only_the_drafting_department_submits_and_edits(world: World) -> None:
    rule = draft_rule(PINGDINGSHAN_RULE, by=city_officer())
    other_city = world.users["hr_luoyang"]
    with pytest.raises(DomainError):
        transition_policy(rule, PolicyState.SUBMITTED, by=other_city)
    with pytest.raises(DomainError):
        update_rule(rule, PINGDINGSHAN_RULE, by=other_city)
    # A district HR department (not an Article 16 issuer) cannot draft.
    with pytest.raises(DomainError) as caught:
        draft_rule(PINGDINGSHAN_RULE, by=world.users["hr_jinshui"])
    assert caught.value.field == "issuer"


def test_a_province_administered_county_and_an_industry_authority_draft_their_own(world: World) -> None:
    gongyi = transition_policy(
        draft_rule(PINGDINGSHAN_RULE, by=world.users["hr_gongyi"]), PolicyState.SUBMITTED, by=world.users["hr_gongyi"]
    )
    assert gongyi.scope_path == "410000/410181/"
    from dataclasses import replace

    credits = replace(
        PINGDINGSHAN_RULE,
        title="卫生健康行业继续医学教育学分制实施办法",
        unit="credit",
        total=25,
        public=5,
        professional=15,
        hours_per_credit=Decimal(3),
        other_forms=(OtherForm("cme_class_2", "Ⅱ类学分活动", hours_per_credit=Decimal(5)),),
    )
    health = draft_rule(credits, by=world.users["health"])
    assert (health.scope_path, health.industry.code) == ("", "health")
    health = transition_policy(health, PolicyState.SUBMITTED, by=world.users["health"])
    transition_policy(health, PolicyState.FILED, by=world.users["hr_province"])
    transition_policy(gongyi, PolicyState.FILED, by=world.users["hr_province"])
    hospital = world.orgs["emp_jinshui"]
    chosen = policy_for_employer(hospital, ON)
    assert (chosen.unit, chosen.hours_per_credit, chosen.other_kinds["cme_class_2"].hours_per_credit) == (
        "credit",
        3,
        5,
    )
    assert policy_for_employer(world.orgs["emp_zhongyuan"], ON).key == PROVINCIAL
    assert policy_for_employer(employer("410181", world.orgs["education"]), ON).key == gongyi.key
    # A city-level industry authority is not a provincial one.
    local = user_with_role(Role.INDUSTRY_OFFICER, industry_authority("410100", "engineering"))
    with pytest.raises(DomainError):
        draft_rule(PINGDINGSHAN_RULE, by=local)


def test_a_drafted_credit_scheme_needs_its_conversion(world: World) -> None:
    from dataclasses import replace

    with pytest.raises(DomainError) as caught:
        draft_rule(replace(PINGDINGSHAN_RULE, unit="credit"), by=world.users["health"])
    assert caught.value.field == "hours_per_credit"
    with pytest.raises(DomainError) as caught:
        draft_rule(replace(PINGDINGSHAN_RULE, public=91), by=city_officer())
    assert caught.value.field == "public"


def test_cli_and_api_use_filed_rules(world: World, capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    request = {"year": 2026, "region_code": "410402"}
    api = Client().post("/api/v1/hours/compliance", json.dumps(request), content_type="application/json").json()
    assert api["required"]["public"] == 24
    rule = filed_pingdingshan(world)
    api = Client().post("/api/v1/hours/compliance", json.dumps(request), content_type="application/json").json()
    assert (api["required"]["public"], api["policy_id"]) == (30, rule.key)
    path = tmp_path / "in.json"  # type: ignore[operator]
    path.write_text(json.dumps(request), "utf-8")
    call_command("hours", "compliance", str(path))
    cli = json.loads(capsys.readouterr().out)
    assert cli == api
    # 汝州 through the same faces: the provincial policy.
    ruzhou = {"year": 2026, "region_code": "410482"}
    api = Client().post("/api/v1/hours/compliance", json.dumps(ruzhou), content_type="application/json").json()
    assert api["policy_id"] == PROVINCIAL
    unknown = Client().post(
        "/api/v1/hours/compliance", json.dumps({"year": 2026, "region_code": "419999"}), content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "region_code"
