"""The public hours calculator (学时计算器) and compliance check, built on the same schemas.

No login. The form for each activity type is generated from its Pydantic schema
(``cecert.crediting.forms``), and results come from the same service functions
as the CLI and the HTTP API. Activities can be collected in the session to check a
whole year's compliance.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cecert.core.ratelimit import over_limit
from cecert.crediting.decimals import decimal_to_json
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.forms import activity_form, activity_type_choices
from cecert.crediting.service import compliance_json, evaluate_json
from cecert.policies.domain.registry import filed_policy_set

BASKET_KEY = "cecert_hours_basket"
LEAVE_ROWS = 3
LEAVE_KINDS = [("abroad", "在境外工作"), ("sick", "病假"), ("maternity", "生育"), ("other_approved", "其他经批准情况")]


def _as_json(value: Any) -> Any:
    """Python values → what ``json.loads`` gives for the same JSON text (decimals as JSON numbers)."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if isinstance(value, Decimal):
        return decimal_to_json(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _too_many(request: HttpRequest) -> HttpResponse | None:
    if request.method == "POST" and over_limit(request, "calculator"):
        return HttpResponse("请求过于频繁，请稍后再试 / too many requests", status=429)
    return None


def calculator(request: HttpRequest) -> HttpResponse:
    if (limited := _too_many(request)) is not None:
        return limited
    types = dict(activity_type_choices())
    activity_type = request.POST.get("type") or request.GET.get("type") or next(iter(types))
    if activity_type not in types:
        activity_type = next(iter(types))
    form_class = activity_form(activity_type, exclude=("type",))
    form = form_class(request.POST or None, prefix="a")
    result: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        activity_json = _as_json(form.cleaned_data["activity"].model_dump(exclude_none=True))
        try:
            evaluated = evaluate_json(activity_json, policy_set=filed_policy_set())
            assert isinstance(evaluated, dict)  # one activity in, one result out
            result = evaluated
        except CreditingInputError as exc:
            for error in exc.errors:
                form.add_error(None, f"{error['field']}：{error['message_zh']}")
        else:
            if request.POST.get("add") == "1":
                basket = request.session.get(BASKET_KEY, [])
                basket.append(
                    {
                        "activity": activity_json,
                        "label": types[activity_type],
                        "hours": result["hours"],
                        "subject": result["subject"],
                    }
                )  # type: ignore[index]
                request.session[BASKET_KEY] = basket[-50:]
    context = {
        "types": types.items(),
        "activity_type": activity_type,
        "form": form,
        "result": result,
        "basket_size": len(request.session.get(BASKET_KEY, [])),
    }
    template = "crediting/_activity_fields.html" if request.headers.get("HX-Request") else "crediting/calculator.html"
    return render(request, template, context)


def compliance(request: HttpRequest) -> HttpResponse:
    if (limited := _too_many(request)) is not None:
        return limited
    basket: list[dict[str, Any]] = request.session.get(BASKET_KEY, [])
    if request.method == "POST" and "remove" in request.POST:
        index = int(request.POST["remove"]) if request.POST["remove"].isdigit() else -1
        if 0 <= index < len(basket):
            basket.pop(index)
            request.session[BASKET_KEY] = basket
        return redirect("crediting:compliance")
    year = request.POST.get("year") or str(dt.date.today().year)
    leaves = [
        {
            "kind": request.POST.get(f"leave-{i}-kind", ""),
            "start": request.POST.get(f"leave-{i}-start", ""),
            "end": request.POST.get(f"leave-{i}-end", ""),
        }
        for i in range(LEAVE_ROWS)
    ]
    result = errors = None
    if request.method == "POST":
        payload = {
            "year": int(year) if year.isdigit() else year,
            "activities": [item["activity"] for item in basket],
            "leaves": [leave for leave in leaves if leave["kind"] or leave["start"] or leave["end"]],
        }
        try:
            result = compliance_json(payload, policy_set=filed_policy_set())
        except CreditingInputError as exc:
            errors = exc.errors
    return render(
        request,
        "crediting/compliance.html",
        {
            "basket": basket,
            "year": year,
            "leaves": leaves,
            "leave_kinds": LEAVE_KINDS,
            "result": result,
            "errors": errors,
        },
    )
