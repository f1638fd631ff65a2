"""Jurisdiction in views: look an object up inside the caller's scope, or audit the miss and answer 404."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from cecert.audit.domain import record as audit

M = TypeVar("M", bound=Model)


def get_in_scope_or_404(queryset: QuerySet[M], request: HttpRequest, **lookup: Any) -> M:
    """``queryset.get(**lookup)``; outside the scope (or missing) → audited ``access.denied`` and 404.

    The audit entry records who asked for what; the response does not tell
    "not yours" from "does not exist".
    """
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:
        user = request.user if request.user.is_authenticated else None
        audit(
            "access.denied",
            actor=user,
            obj=None,  # type: ignore[arg-type]
            after={
                "model": queryset.model._meta.label_lower,
                "lookup": {k: str(v) for k, v in lookup.items()},
                "path": request.path,
            },
            request=request,
        )
        raise Http404 from None
