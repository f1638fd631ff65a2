"""The Article 13 issuing-code table, editable by the system administrator until numbers exist."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.models import Role
from cecert.core.errors import DomainError
from cecert.regions.domain import set_issuing_code
from cecert.regions.models import ISSUING_LEVELS, Region


@role_required(Role.SYSADMIN)
def issuing_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        region = get_object_or_404(Region, code=request.POST.get("region", ""), level__in=ISSUING_LEVELS)
        try:
            set_issuing_code(region, request.POST.get("issuing_code", "").strip())
            messages.success(request, f"{region.name}的发证级别代码已更新")
        except DomainError as exc:
            messages.error(request, exc.message_zh)
        return redirect("regions:issuing_codes")
    regions = Region.objects.filter(level__in=ISSUING_LEVELS).order_by("level", "code")
    return render(request, "regions/issuing_codes.html", {"regions": regions})
