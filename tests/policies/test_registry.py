"""Only published rules decide: the seeded provincial policy, filed rules, retired examples kept resolvable."""

from __future__ import annotations

import datetime as dt

import pytest

from cecert.organisations.models import Industry
from cecert.policies.domain.registry import filed_policy_set, policy_by_key, policy_for_employer, policy_title
from cecert.policies.domain.seeding import seed_policies
from cecert.policies.models import CreditingPolicy, PolicyState
from cecert.records.domain.years import person_compliance
from cecert.regions.models import Region
from tests.factories import World, employer, employer_admin_of, filed_examples, registered_person
from tests.records.factories import advanced, declared

PROVINCIAL = "henan-2017-121@2017-08-17"
PROFESSIONAL_66 = {"type": "training", "subject": "professional", "organizer": "provincial", "hours": 66}


def test_the_data_migration_seeds_the_provincial_policy_alone(db: None) -> None:
    rows = list(CreditingPolicy.objects.values_list("key", "state", "scope_path"))
    assert rows == [(PROVINCIAL, PolicyState.FILED, "")]
    assert [p.key for p in filed_policy_set().policies] == [PROVINCIAL]
    assert policy_by_key(PROVINCIAL).requirement.public == 24


def test_a_xuchang_professional_with_24_public_and_66_professional_meets_the_year(world: World) -> None:
    """The issue's first example: the invented 许昌 rule no longer decides."""
    xuchang = employer("411002", world.orgs["education"], name="许昌学校")
    person = registered_person(xuchang)
    world.people["xuchang"], world.users["admin_xuchang"] = person, employer_admin_of(xuchang)
    advanced(world, declared(person))  # 24 public
    advanced(world, declared(person, PROFESSIONAL_66, title="专业培训"))
    verdict = person_compliance(person, 2025)
    assert verdict.met is True
    assert verdict.required.policy_id == PROVINCIAL


def test_the_health_sector_is_judged_in_hours_unless_a_credit_scheme_is_filed(world: World) -> None:
    hospital = world.orgs["emp_jinshui"]
    assert policy_for_employer(hospital, dt.date(2026, 12, 31)).unit == "hour"
    filed_examples()
    assert policy_for_employer(hospital, dt.date(2026, 12, 31)).unit == "credit"


def test_only_filed_rules_are_selected(world: World) -> None:
    xuchang, _ = filed_examples()
    school = employer("411002", world.orgs["education"])
    assert policy_for_employer(school, dt.date(2026, 12, 31)).key == xuchang.key
    for state in (PolicyState.DRAFT, PolicyState.SUBMITTED, PolicyState.RETURNED, PolicyState.LEGACY):
        CreditingPolicy.objects.filter(pk=xuchang.pk).update(state=state)
        CreditingPolicy.objects.get(pk=xuchang.pk).save()  # bump the registry's generation as any change does
        assert policy_for_employer(school, dt.date(2026, 12, 31)).key == PROVINCIAL, state


def test_retired_example_keys_stay_resolvable_but_never_decide(db: None) -> None:
    seed_policies(
        CreditingPolicy,
        Region,
        Industry,
        {"henan-xuchang-example@2024-01-01", "henan-health-cme-example@2024-01-01", PROVINCIAL},
    )
    CreditingPolicy.objects.first().save()  # new generation
    legacy = policy_by_key("henan-health-cme-example@2024-01-01")
    assert legacy.unit == "credit" and legacy.requirement.total == 25
    assert "不再适用" in policy_title("henan-xuchang-example@2024-01-01")
    assert [p.key for p in filed_policy_set().policies] == [PROVINCIAL]
    with pytest.raises(CreditingPolicy.DoesNotExist):
        policy_by_key("nope@1")


def test_reapply_recredits_open_years_named_by_a_retired_example(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    from cecert.records.models import YearClosing

    hospital_person = world.people["emp_jinshui"]
    _, health = filed_examples()
    record = declared(hospital_person, title="公需培训")
    assert record.unit == "credit" and record.policy_id == health.key
    closed = declared(hospital_person, title="往年培训", end=dt.date(2024, 6, 30))
    YearClosing.objects.create(year=2024, deadline=dt.date(2025, 1, 31), set_by=world.users["hr_province"])
    CreditingPolicy.objects.filter(pk=health.pk).update(state=PolicyState.LEGACY)
    CreditingPolicy.objects.get(pk=health.pk).save()
    out = StringIO()
    call_command("policies", "reapply", "--from-year", "2023", stdout=out)
    record.refresh_from_db()
    assert (record.unit, record.amount, record.policy_id) == ("hour", 24, PROVINCIAL)
    closed.refresh_from_db()
    assert closed.policy_id == health.key  # a closed year is never re-judged
    assert "2025: 重新核定记录 1 条" in out.getvalue()
    call_command("policies", "list", stdout=out)
    assert "不再适用" in out.getvalue()
