"""Shared builders for the policies tests: 平顶山's published rule (30 public + 60 professional) and its officers."""

from __future__ import annotations

import datetime as dt

from cecert.accounts.models import Role, User
from cecert.policies.domain.filing import RuleDraft, draft_rule, transition_policy
from cecert.policies.models import CreditingPolicy, PolicyState
from tests.factories import World, hr_department, user_with_role

PINGDINGSHAN = "410400"

PINGDINGSHAN_RULE = RuleDraft(
    title="平顶山市专业技术人员继续教育实施细则",
    document_number="平人社〔2025〕1号",
    effective_from=dt.date(2025, 1, 1),
    total=90,
    public=30,
    professional=60,
)


def city_officer(code: str = PINGDINGSHAN) -> User:
    return user_with_role(Role.HR_OFFICER, hr_department(code), username=f"hr_{code}")


def filed_pingdingshan(
    world: World, officer: User | None = None, draft: RuleDraft = PINGDINGSHAN_RULE
) -> CreditingPolicy:
    """平顶山's rule drafted, submitted and filed through the workflow."""
    officer = officer or city_officer()
    rule = draft_rule(draft, by=officer)
    rule = transition_policy(rule, PolicyState.SUBMITTED, by=officer)
    return transition_policy(rule, PolicyState.FILED, by=world.users["hr_province"])
