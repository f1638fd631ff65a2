"""JSON-in, JSON-out facade shared by the Python API, the CLI and the HTTP API.

``cecert hours evaluate|compliance`` and ``POST /api/v1/hours/evaluate|compliance``
call exactly these two functions, so the three faces give identical results.
Both raise ``CreditingInputError`` (CLI: exit 2; HTTP: 400 with ``error.to_json()``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from cecert.crediting.compliance import assess_compliance
from cecert.crediting.errors import CreditingInputError, from_validation_error
from cecert.crediting.evaluation import evaluate
from cecert.crediting.policies import PolicySet
from cecert.crediting.schemas import ActivityModel, ComplianceRequest, parse_activities

__all__ = ["CreditingInputError", "compliance_json", "evaluate_json"]


def evaluate_json(
    value: Any,
    *,
    region_code: str | None = None,
    industry: str | None = None,
    today: date | None = None,
    policy_set: PolicySet | None = None,
) -> dict[str, Any] | list[dict[str, Any]]:
    """Evaluate one activity object, or a list of them (results in the same order).

    ``value`` is parsed JSON (``json.loads`` output; floats are read exactly via
    ``str``, and ``parse_float=Decimal`` output is accepted too). ``region_code``
    and ``industry`` select a local or industry policy from ``policy_set`` (the
    platform passes its filed rules; default: the shipped provincial policy);
    ``today`` is the default date for undated activities.
    """
    try:
        parsed = parse_activities(value)
    except ValidationError as error:
        raise from_validation_error(error) from None
    if isinstance(parsed, list):
        return [
            _evaluate_one(activity, f"[{index}]", region_code, industry, today, policy_set)
            for index, activity in enumerate(parsed)
        ]
    return _evaluate_one(parsed, "", region_code, industry, today, policy_set)


def _evaluate_one(
    activity: ActivityModel,
    path: str,
    region_code: str | None,
    industry: str | None,
    today: date | None,
    policy_set: PolicySet | None,
) -> dict[str, Any]:
    try:
        return evaluate(
            activity, region_code=region_code, industry=industry, today=today, policy_set=policy_set
        ).to_json()
    except CreditingInputError as error:
        raise error.prefixed(path) from None


def compliance_json(value: Any, *, policy_set: PolicySet | None = None) -> dict[str, Any]:
    """Assess one compliance request object (see ``ComplianceRequest``) under ``policy_set``."""
    try:
        request = ComplianceRequest.model_validate(value)
    except ValidationError as error:
        raise from_validation_error(error) from None
    return assess_compliance(request, policy_set=policy_set).to_json()
