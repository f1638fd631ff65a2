"""The HTTP API (``/api/v1/``): one NinjaAPI, routers contributed by the domain apps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from cecert.api.hours import component_schemas
from cecert.api.hours import router as hours_router
from cecert.api.params import FIELD_LABELS
from cecert.api.people import router as people_router
from cecert.api.regions import router as regions_router
from cecert.catalogs.api import rate_limited as bases_rate_limited
from cecert.catalogs.api import router as bases_router
from cecert.catalogs.domain.apiauth import RateLimited as BaseRateLimited
from cecert.certificates.api import router as certificates_router
from cecert.core.errors import DomainError
from cecert.crediting.errors import bilingual_messages
from cecert.records.api import router as records_router
from cecert.reports.api import router as reports_router
from cecert.verification.api import router as verification_router


class CecertAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(component_schemas())
        return schema


api = CecertAPI(
    title="河南省专业技术人员继续教育证书管理平台 API",
    version="1",
    description="继续教育学时、人员、证书接口 / continuing-education hours, people and certificates",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"errors": [exc.as_dict()]}, status=400)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        message_zh, message_en = bilingual_messages({"type": "", "msg": "", **error})  # type: ignore[typeddict-item]
        label = FIELD_LABELS.get(location[-1]) if location else None
        if label:
            message_zh, message_en = f"{label}：{message_zh}", f"{location[-1]}: {message_en}"
        errors.append({"field": ".".join(location), "message_zh": message_zh, "message_en": message_en})
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"errors": [{"field": "", "message_zh": "请先登录", "message_en": "authentication required"}]},
        status=401,
    )


api.exception_handler(BaseRateLimited)(bases_rate_limited)

api.add_router("/hours", hours_router)
api.add_router("/regions", regions_router)
api.add_router("/people", people_router)
api.add_router("/certificates", verification_router)  # public; before /{verification_id}
api.add_router("/certificates", certificates_router)
api.add_router("/records", records_router)
api.add_router("/reports", reports_router)
api.add_router("/bases", bases_router)
