"""The bridge to the pure crediting engine: which policy a person's year uses, and credit one activity.

A record is credited under the policy its year is assessed by (the filed
policy in force on 31 December of the record's year, for the person's
employer's jurisdiction and industry: ``cecert.policies.domain.registry``),
exactly as ``cecert.crediting.compliance.assess_compliance`` credits
activities, so stored amounts add up to the engine's ``earned``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cecert.accounts.models import Person
from cecert.core.errors import DomainError
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.evaluation import ActivityResult, evaluate
from cecert.crediting.policies import NoPolicyError, Policy
from cecert.crediting.schemas import ActivityAdapter, ActivityModel, ComplianceRequest, LeaveSchema
from cecert.organisations.models import Organisation
from cecert.regions.models import PROVINCE_CODE


def policy_inputs(employer: Organisation) -> tuple[str, str | None]:
    """``(region_code, industry)`` that pick a person's policy: provincial-direct units sit at the province."""
    region_code = PROVINCE_CODE if employer.provincial_direct else employer.region.code
    industry = employer.industry.name if employer.industry is not None else None
    return region_code, industry


def year_policy(employer: Organisation, year: int) -> Policy:
    from cecert.policies.domain.registry import policy_for_employer

    try:
        return policy_for_employer(employer, dt.date(year, 12, 31))
    except NoPolicyError:
        raise DomainError("end_date", f"{year} 年无适用的学时认定政策", f"no crediting policy for {year}") from None


def activity_to_json(activity: ActivityModel) -> dict[str, Any]:
    """The validated activity as JSON the strict schema reads back (decimals as JSON numbers)."""
    data = activity.model_dump(mode="python")
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(str(value))
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[name] = value
    return out


def activity_from_json(data: dict[str, Any]) -> ActivityModel:
    return ActivityAdapter.validate_python(data)


def credit(activity: ActivityModel, employer: Organisation, year: int) -> ActivityResult:
    """Hours for one activity under the person's year policy; ``DomainError`` naming the field if refused."""
    try:
        return evaluate(activity, year_policy(employer, year))
    except CreditingInputError as error:
        first = error.errors[0]
        raise DomainError(first["field"], first["message_zh"], first["message_en"]) from None


def result_fields(result: ActivityResult) -> dict[str, Any]:
    """Record fields derived from an engine result."""
    return {
        "hours": result.hours,
        "credits": result.credits,
        "amount": result.amount,
        "unit": "credit" if result.credits is not None else "hour",
        "subject": result.subject,
        "clause": result.clause,
        "completes": list(result.completes),
        "deems_public": "public" in result.completes,
        "deems_professional": "professional" in result.completes,
        "explanation": result.explanation,
        "policy_id": result.policy_id,
    }


def compliance_request(
    person: Person, year: int, *, activities: list[dict[str, Any]], leaves: list[LeaveSchema]
) -> ComplianceRequest:
    region_code, industry = policy_inputs(person.employer)
    return ComplianceRequest.model_validate(
        {
            "year": year,
            "activities": activities,
            "leaves": [leave.model_dump() for leave in leaves],
            "region_code": region_code,
            "industry": industry,
        }
    )
