"""The security auditor reads and searches the trail; nobody edits it through the application."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.models import Role
from cecert.audit.models import AuditEntry
from cecert.audit.presentation import entry_changes, entry_sentence
from cecert.core.labels import action_groups, action_label

PAGE_SIZE = 100


@role_required(Role.AUDITOR)
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = AuditEntry.objects.order_by("-id")  # sequences count within a chain (ADR 0025)
    groups = action_groups()
    group = request.GET.get("group", "").strip()
    if group in groups:
        chosen = Q(pk__in=[])
        for prefix in groups[group]:
            chosen |= Q(action__startswith=prefix)
        qs = qs.filter(chosen)
    action = request.GET.get("action", "").strip()[:64]  # one exact kind of action (dashboard links)
    if action:
        qs = qs.filter(action__startswith=action)
    object_id = request.GET.get("object", "").strip()[:64]
    if object_id:
        qs = qs.filter(object_id=object_id)
    page = Paginator(qs.select_related(None), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [(e, entry_sentence(e), entry_changes(e)) for e in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "entries": entries,
            "groups": list(groups),
            "group": group,
            "action": action,
            "action_words": action_label(action) if action else "",
            "object": object_id,
            "query": query.urlencode(),
        },
    )
