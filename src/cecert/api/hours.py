"""The public hours calculator: ``POST /api/v1/hours/evaluate`` and ``/compliance``.

The body is parsed by the crediting service itself (not by ninja) so that the
HTTP face gives byte-for-byte the same results and the same bilingual field
errors as the CLI and the Python API. The OpenAPI document still describes
every activity type: the request schemas are the crediting Pydantic models.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router
from pydantic import TypeAdapter

from cecert.core.ratelimit import over_limit
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.schemas import Activity, ComplianceRequest
from cecert.crediting.service import compliance_json, evaluate_json
from cecert.policies.domain.registry import filed_policy_set

router = Router(tags=["hours"])

REF_TEMPLATE = "#/components/schemas/{model}"
_evaluate_schema = TypeAdapter(Activity | list[Activity]).json_schema(ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
_compliance_schema = ComplianceRequest.model_json_schema(ref_template=REF_TEMPLATE)


def component_schemas() -> dict[str, Any]:
    """The crediting models' definitions, merged into the OpenAPI components."""
    defs: dict[str, Any] = {}
    for schema in (_evaluate_schema, _compliance_schema):
        defs.update(schema.get("$defs", {}))
    defs["ComplianceRequest"] = {k: v for k, v in _compliance_schema.items() if k != "$defs"}
    return defs


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    inline = {k: v for k, v in schema.items() if k != "$defs"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline}}}}


def _error(status: int, field: str, zh: str, en: str) -> JsonResponse:
    return JsonResponse(
        {"error": "invalid_input", "errors": [{"field": field, "message_zh": zh, "message_en": en}]},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _run(request: HttpRequest, compute: Any) -> HttpResponse:
    if over_limit(request, "calculator"):
        return _error(429, "", "请求过于频繁，请稍后再试", "too many requests, try again later")
    try:
        value = json.loads(request.body or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(400, "$", f"请求体不是有效的 JSON：{exc}", f"the body is not valid JSON: {exc}")
    try:
        result = compute(value, policy_set=filed_policy_set())
    except CreditingInputError as exc:
        return JsonResponse(exc.to_json(), status=400, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(result, safe=False, json_dumps_params={"ensure_ascii": False})


@router.post(
    "/evaluate",
    summary="计算一项或多项活动的学时 / hours of one or more activities",
    openapi_extra=_body(_evaluate_schema),
    auth=None,
)
def evaluate(request: HttpRequest) -> HttpResponse:
    return _run(request, evaluate_json)


@router.post(
    "/compliance", summary="年度达标判断 / a year's compliance", openapi_extra=_body(_compliance_schema), auth=None
)
def compliance(request: HttpRequest) -> HttpResponse:
    return _run(request, compliance_json)
