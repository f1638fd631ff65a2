"""The security auditor reads and searches the trail; nobody edits it through the application."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from cecert.accounts.models import Role
from cecert.audit.models import AuditEntry
from cecert.core.views import AuthenticatedHttpRequest, role_required


@role_required(Role.AUDITOR)
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = AuditEntry.objects.order_by("-id")
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    object_id = request.GET.get("object", "").strip()
    if object_id:
        qs = qs.filter(object_id=object_id)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "action": action, "object": object_id})
