"""Article 16 and 7(13): implementing rules are drafted locally and filed with the provincial HR department.

第十六条 "各省辖市、省直管县（市）人力资源社会保障行政部门可依据本办法，结合各自实际，制定《证书》
管理实施细则，并报省人力资源社会保障厅备案。" Article 5 gives industries that count credits
(学分制) their scheme through the provincial HR department "会同各行业主管部门", and 7(13) lets a
city / 省直管县 HR department or a provincial industry authority set the hours of other forms,
"并报省人力资源社会保障厅备案".

So: a city or 省直管县 HR officer drafts a rule for their region, a provincial industry
officer for their industry; the drafter submits it; a provincial HR officer files it (备案)
or returns it with a reason. Only filed rules decide, from their effective date; a rule
never takes effect in a year that is already closed. One transition function
(``transition_policy``: veto → write → audit), and filing re-credits the open years the
rule now governs so that stored amounts, year rows and certificates share its unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from cecert.accounts.models import Role
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.crediting.policies import Policy
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.policies.domain.registry import filed_policy_set, policy_from_row
from cecert.policies.models import CreditingPolicy, PolicyState
from cecert.regions.models import PROVINCE_CODE, RegionLevel

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cecert.accounts.models import User

TRANSITIONS = {
    (PolicyState.DRAFT, PolicyState.SUBMITTED),
    (PolicyState.RETURNED, PolicyState.SUBMITTED),
    (PolicyState.SUBMITTED, PolicyState.FILED),
    (PolicyState.SUBMITTED, PolicyState.RETURNED),
}


@dataclass(frozen=True)
class OtherForm:
    """A 7(13) form the rule defines: its code, name, subject and hours (fixed per activity, or per credit)."""

    code: str
    title: str
    subject: str = "professional"
    hours: Decimal | None = None
    hours_per_credit: Decimal | None = None


@dataclass(frozen=True)
class RuleDraft:
    """What a drafting officer states: the requirement split, the unit and its conversion, other forms."""

    title: str
    document_number: str
    effective_from: dt.date
    total: int
    public: int
    professional: int
    unit: str = "hour"
    hours_per_credit: Decimal | None = None
    other_forms: tuple[OtherForm, ...] = field(default=())


# ---------------------------------------------------------------- who drafts, who files


def drafting_organisation(user: User) -> Organisation | None:
    """The department a user drafts rules for: a city / 省直管县 HR department, or a provincial industry authority."""
    for org in user.organisations_for(Role.HR_OFFICER):
        if org.region.level in (RegionLevel.CITY, RegionLevel.DIRECT_COUNTY):
            return org
    for org in user.organisations_for(Role.INDUSTRY_OFFICER):
        if org.region.code == PROVINCE_CODE and org.industry_id is not None:
            return org
    return None


def is_provincial_hr(user: User) -> bool:
    return any(o.region.code == PROVINCE_CODE for o in user.organisations_for(Role.HR_OFFICER))


def may_edit(user: User, rule: CreditingPolicy) -> bool:
    org = drafting_organisation(user)
    return org is not None and rule.issuer_id == org.pk


def _role_of(user: User, rule: CreditingPolicy) -> str:
    if rule.issuer is not None and rule.issuer.kind == OrganisationKind.INDUSTRY_AUTHORITY and may_edit(user, rule):
        return Role.INDUSTRY_OFFICER
    return Role.HR_OFFICER


# ---------------------------------------------------------------- drafting


def _body(draft: RuleDraft, issuer: Organisation) -> dict[str, Any]:
    """The complete policy tables: the provincial policy in force, with the rule's changes."""
    base = filed_policy_set().select(draft.effective_from)
    body = base.model_dump(mode="json")
    body.update(
        requirement={"total": draft.total, "public": draft.public, "professional": draft.professional},
        unit=draft.unit,
        hours_per_credit=str(draft.hours_per_credit) if draft.hours_per_credit is not None else None,
        other_kinds={
            form.code: {
                "title_zh": form.title,
                "title_en": form.title,
                "subject": form.subject,
                "hours": str(form.hours) if form.hours is not None else None,
                "hours_per_credit": str(form.hours_per_credit) if form.hours_per_credit is not None else None,
            }
            for form in draft.other_forms
        },
        source=draft.document_number,
        title_en=draft.title,
    )
    return body


def _check(draft: RuleDraft) -> None:
    if not draft.title.strip():
        raise DomainError("title", "请填写实施细则名称", "the title is required")
    if draft.total <= 0:
        raise DomainError("total", "年度总要求须大于 0", "the total must be positive")
    if draft.public > draft.total or draft.professional > draft.total:
        raise DomainError(
            "public", "公需科目或专业科目的要求不能超过年度总要求", "a subject's requirement exceeds the total"
        )
    if draft.unit == "credit" and draft.hours_per_credit is None:
        raise DomainError("hours_per_credit", "学分制须填写多少学时折合 1 学分", "a credit scheme needs its conversion")
    if draft.unit not in ("hour", "credit"):
        raise DomainError("unit", "计量单位只能是学时或学分", "the unit is hours or credits")
    codes = [form.code for form in draft.other_forms]
    if len(codes) != len(set(codes)):
        raise DomainError("other_forms", "其他形式的代码不能重复", "other-form codes repeat")


def _validated(row: CreditingPolicy) -> Policy:
    try:
        return policy_from_row(row)
    except (ValidationError, ValueError) as error:
        raise DomainError(
            "body", f"实施细则内容不完整或有误：{error}", f"the rule's tables are invalid: {error}"
        ) from None


def _version(policy_id: str, effective_from: dt.date, exclude_pk: int | None) -> str:
    version, n = effective_from.isoformat(), 1
    others = CreditingPolicy.objects.all() if exclude_pk is None else CreditingPolicy.objects.exclude(pk=exclude_pk)
    while others.filter(key=f"{policy_id}@{version}").exists():
        n += 1
        version = f"{effective_from.isoformat()}.{n}"
    return version


def draft_rule(draft: RuleDraft, *, by: User, request: HttpRequest | None = None) -> CreditingPolicy:
    """A new draft for the user's department (its region, or its industry province-wide)."""
    issuer = drafting_organisation(by)
    if issuer is None:
        raise DomainError(
            "issuer",
            "只有省辖市、省直管县（市）人社部门或省业务主管部门可以制定实施细则",
            "only city/county HR departments and provincial industry authorities draft rules",
        )
    _check(draft)
    if issuer.kind == OrganisationKind.HR_DEPARTMENT:
        policy_id, scope_region, scope_path, industry = (
            f"henan-{issuer.region.code}",
            issuer.region,
            issuer.region.path,
            None,
        )
    else:
        assert issuer.industry is not None
        policy_id, scope_region, scope_path, industry = (
            f"henan-industry-{issuer.industry.code}",
            None,
            "",
            issuer.industry,
        )
    with transaction.atomic():
        version = _version(policy_id, draft.effective_from, None)
        rule = CreditingPolicy(
            policy_id=policy_id,
            version=version,
            key=f"{policy_id}@{version}",
            title=draft.title.strip(),
            document_number=draft.document_number.strip(),
            issuer=issuer,
            scope_region=scope_region,
            scope_path=scope_path,
            industry=industry,
            effective_from=draft.effective_from,
            body=_body(draft, issuer),
            state=PolicyState.DRAFT,
            drafted_by=by,
        )
        _validated(rule)
        rule.save()
        audit(
            "policy.draft",
            actor=by,
            role=_role_of(by, rule),
            obj=rule,
            after={"key": rule.key, "scope": rule.scope_label, "requirement": rule.requirement, "unit": draft.unit},
            request=request,
        )
    return rule


def update_rule(
    rule: CreditingPolicy, draft: RuleDraft, *, by: User, request: HttpRequest | None = None
) -> CreditingPolicy:
    """Change a draft or a returned rule (its drafter's department only)."""
    _check(draft)
    with transaction.atomic():
        rule = (
            CreditingPolicy.objects.select_for_update(of=("self",)).select_related("issuer", "industry").get(pk=rule.pk)
        )
        if rule.state not in (PolicyState.DRAFT, PolicyState.RETURNED):
            raise DomainError("state", "只有草稿或已退回的实施细则可以修改", "only drafts and returned rules change")
        if not may_edit(by, rule):
            raise DomainError("issuer", "无权修改该实施细则", "you may not change this rule")
        assert rule.issuer is not None
        before = {"requirement": rule.requirement, "effective_from": rule.effective_from.isoformat()}
        rule.version = _version(rule.policy_id, draft.effective_from, rule.pk)
        rule.key = f"{rule.policy_id}@{rule.version}"
        rule.title, rule.document_number = draft.title.strip(), draft.document_number.strip()
        rule.effective_from = draft.effective_from
        rule.body = _body(draft, rule.issuer)
        _validated(rule)
        rule.save()
        audit(
            "policy.edit",
            actor=by,
            role=_role_of(by, rule),
            obj=rule,
            before=before,
            after={"requirement": rule.requirement, "effective_from": rule.effective_from.isoformat()},
            request=request,
        )
    return rule


# ---------------------------------------------------------------- the transition


def transition_policy(
    rule: CreditingPolicy, to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> CreditingPolicy:
    """Submit (drafter), file or return (provincial HR department): veto → write → audit, one transaction."""
    from cecert.records.domain.closing import year_is_closed

    with transaction.atomic():
        rule = (
            CreditingPolicy.objects.select_for_update(of=("self",)).select_related("issuer", "industry").get(pk=rule.pk)
        )
        if (rule.state, to_state) not in TRANSITIONS:
            raise DomainError(
                "state",
                f"实施细则当前为“{rule.get_state_display()}”，不能执行此操作",
                f"a rule in state {rule.state} cannot move to {to_state}",
            )
        if to_state == PolicyState.SUBMITTED and not may_edit(by, rule):
            raise DomainError("issuer", "只有制定部门可以报送备案", "only the drafting department submits")
        if to_state in (PolicyState.FILED, PolicyState.RETURNED) and not is_provincial_hr(by):
            raise DomainError(
                "state", "只有省人力资源社会保障厅可以备案或退回", "only the provincial HR department files"
            )
        if to_state == PolicyState.RETURNED and not reason.strip():
            raise DomainError("reason", "退回时必须填写原因", "a reason is required")
        if to_state in (PolicyState.SUBMITTED, PolicyState.FILED) and year_is_closed(rule.effective_from.year):
            raise DomainError(
                "effective_from",
                f"{rule.effective_from.year} 年度已截止，实施细则不能溯及已截止的年度，请修改施行日期",
                f"year {rule.effective_from.year} is closed; a rule never applies retroactively to a closed year",
            )
        _validated(rule)
        before = {"state": rule.state}
        now = timezone.now()
        rule.state, rule.state_reason = to_state, reason.strip() if to_state == PolicyState.RETURNED else ""
        if to_state == PolicyState.SUBMITTED:
            rule.submitted_at = now
        if to_state == PolicyState.FILED:
            rule.filed_by, rule.filed_at = by, now
        rule.save()
        after: dict[str, Any] = {"state": to_state, "key": rule.key}
        if to_state == PolicyState.FILED:
            after["recredited"] = reapply(rule)
        audit(
            f"policy.{to_state}",
            actor=by,
            role=Role.HR_OFFICER if to_state != PolicyState.SUBMITTED else _role_of(by, rule),
            obj=rule,
            before=before,
            after=after,
            reason=reason.strip(),
            request=request,
        )
    return rule


# ---------------------------------------------------------------- applying a filed rule to open years


def reapply(rule: CreditingPolicy, today: dt.date | None = None) -> dict[str, int]:
    """Re-credit the open years a newly filed rule governs; never a closed year.

    For each year from the rule's effective year to this year that is not
    closed: the year rows of the people in the rule's scope are dropped (they
    are recomputed, set-based, on next use) and their records of that year are
    credited again under the year's policy, so amounts, units and sums agree.
    """
    from cecert.accounts.models import Person
    from cecert.crediting.evaluation import today_in_henan
    from cecert.records.domain.closing import year_is_closed

    today = today or today_in_henan()
    people = Person.objects.all()
    if rule.scope_path:
        people = people.filter(employer__jurisdiction_path__startswith=rule.scope_path)
    if rule.industry_id is not None:
        people = people.filter(employer__industry_id=rule.industry_id)
    counts = {"years": 0, "records": 0, "person_years": 0}
    for year in range(rule.effective_from.year, today.year + 1):
        if year_is_closed(year, today):
            continue
        counts["years"] += 1
        counts["person_years"] += recompute_year(people, year)["person_years"]
        counts["records"] += recredit_records(people, year)
    return counts


def recompute_year(people: Any, year: int) -> dict[str, int]:
    from cecert.records.models import PersonYear

    deleted, _ = PersonYear.objects.filter(person__in=people.values("pk"), year=year).delete()
    return {"person_years": deleted}


def recredit_records(people: Any, year: int) -> int:
    """Credit again, under the year's filed policy, the records of ``people`` in ``year`` computed under another."""
    from cecert.crediting.errors import CreditingInputError
    from cecert.crediting.evaluation import evaluate
    from cecert.records.domain.crediting import activity_from_json, result_fields, year_policy
    from cecert.records.models import Record

    changed = 0
    records = (
        Record.objects.filter(person__in=people.values("pk"), year=year)
        .select_related("person__employer__region", "person__employer__industry")
        .order_by("pk")
    )
    policies: dict[int, Policy] = {}
    for record in records.iterator(chunk_size=2000):
        employer = record.person.employer
        policy = policies.get(employer.pk) or policies.setdefault(employer.pk, year_policy(employer, year))
        if record.policy_id == policy.key:
            continue
        try:
            fields = result_fields(evaluate(activity_from_json(record.activity), policy))
        except (CreditingInputError, ValidationError):
            continue  # the activity does not fit the new rule (e.g. an unknown form): left for its reviewer
        Record.objects.filter(pk=record.pk).update(**fields)
        changed += 1
    return changed
