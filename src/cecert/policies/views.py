"""Pages: drafting implementing rules (city / 省直管县 HR, provincial industry authorities), filing them
(provincial HR department), the provincial filing list, and 7(13) hour confirmations.

Everything is fetched through ``visible_rules`` / ``awaiting_confirmation``, so
anything outside the user's jurisdiction answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.models import Role, User
from cecert.core.errors import DomainError
from cecert.policies.domain.confirmations import awaiting_confirmation, confirming_departments, decide_other_hours
from cecert.policies.domain.filing import (
    draft_rule,
    drafting_organisation,
    is_provincial_hr,
    may_edit,
    transition_policy,
    update_rule,
)
from cecert.policies.forms import OtherFormSet, RuleForm, other_forms_initial, rule_draft
from cecert.policies.models import CreditingPolicy, OtherHoursConfirmation, PolicyState

OFFICER_ROLES = (Role.HR_OFFICER, Role.INDUSTRY_OFFICER)


def visible_rules(user: User) -> QuerySet[CreditingPolicy]:
    """The provincial HR department sees every rule reported to it; a drafting department its own rules."""
    scope = Q(pk__in=[])
    if is_provincial_hr(user):
        scope |= ~Q(state=PolicyState.DRAFT)
    org = drafting_organisation(user)
    if org is not None:
        scope |= Q(issuer=org)
    return CreditingPolicy.objects.filter(scope).select_related("issuer", "scope_region", "industry", "filed_by")


@role_required(*OFFICER_ROLES)
def rule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if drafting_organisation(request.user) is None and not is_provincial_hr(request.user):
        raise Http404
    return render(
        request,
        "policies/list.html",
        {
            "rules": visible_rules(request.user)[:500],
            "can_draft": drafting_organisation(request.user) is not None,
            "is_provincial": is_provincial_hr(request.user),
        },
    )


@role_required(Role.HR_OFFICER)
def filing_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The provincial filing list (备案): rules awaiting filing, filed rules, 7(13) hour confirmations."""
    if not is_provincial_hr(request.user):
        raise Http404
    rules = visible_rules(request.user)
    confirmations = OtherHoursConfirmation.objects.select_related(
        "record", "record__person", "department", "decided_by"
    ).order_by("-decided_at")[:500]
    return render(
        request,
        "policies/filing.html",
        {
            "submitted": rules.filter(state=PolicyState.SUBMITTED),
            "filed": rules.filter(state=PolicyState.FILED),
            "returned": rules.filter(state=PolicyState.RETURNED),
            "confirmations": confirmations,
        },
    )


def _render_form(
    request: AuthenticatedHttpRequest, form: RuleForm, formset: object, rule: CreditingPolicy | None
) -> HttpResponse:
    org = drafting_organisation(request.user)
    return render(request, "policies/form.html", {"form": form, "formset": formset, "rule": rule, "issuer": org})


@role_required(*OFFICER_ROLES)
def new_rule(request: AuthenticatedHttpRequest) -> HttpResponse:
    if drafting_organisation(request.user) is None:
        raise Http404
    form = RuleForm(request.POST or None, initial={"unit": "hour", "total": 90, "public": 24, "professional": 60})
    formset = OtherFormSet(request.POST or None, prefix="forms")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            rule = draft_rule(rule_draft(form, formset), by=request.user, request=request)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "实施细则草稿已保存")
            return redirect("policies:detail", pk=rule.pk)
    return _render_form(request, form, formset, None)


@role_required(*OFFICER_ROLES)
def edit_rule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(visible_rules(request.user), pk=pk)
    if not may_edit(request.user, rule) or rule.state not in (PolicyState.DRAFT, PolicyState.RETURNED):
        raise Http404
    form = RuleForm(request.POST or None, initial=RuleForm.initial_for(rule))
    formset = OtherFormSet(request.POST or None, prefix="forms", initial=other_forms_initial(rule))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            update_rule(rule, rule_draft(form, formset), by=request.user, request=request)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "实施细则已修改")
            return redirect("policies:detail", pk=rule.pk)
    return _render_form(request, form, formset, rule)


@role_required(*OFFICER_ROLES)
def rule_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(visible_rules(request.user), pk=pk)
    return render(
        request,
        "policies/detail.html",
        {
            "rule": rule,
            "other_forms": other_forms_initial(rule),
            "can_edit": may_edit(request.user, rule) and rule.state in (PolicyState.DRAFT, PolicyState.RETURNED),
            "can_file": is_provincial_hr(request.user) and rule.state == PolicyState.SUBMITTED,
        },
    )


DECISIONS = {"submit": PolicyState.SUBMITTED, "file": PolicyState.FILED, "return": PolicyState.RETURNED}


@role_required(*OFFICER_ROLES)
@require_POST
def transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(visible_rules(request.user), pk=pk)
    to_state = DECISIONS.get(request.POST.get("decision", ""))
    if to_state is None:
        messages.error(request, "操作：无效的操作")
        return redirect("policies:detail", pk=rule.pk)
    try:
        transition_policy(rule, to_state, by=request.user, reason=request.POST.get("reason", ""), request=request)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
    else:
        messages.success(request, {"submitted": "已报送省人力资源社会保障厅备案", "filed": "已备案，自施行日期起适用",
                                   "returned": "已退回"}[to_state])  # fmt: skip
    return redirect("policies:detail", pk=rule.pk)


@role_required(*OFFICER_ROLES)
def confirmations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Article 7(13): the records naming the user's department, waiting for it to confirm their hours."""
    if not confirming_departments(request.user):
        raise Http404
    return render(request, "policies/confirmations.html", {"records": awaiting_confirmation(request.user)[:500]})


@role_required(*OFFICER_ROLES)
@require_POST
def decide_confirmation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(awaiting_confirmation(request.user), pk=pk)
    try:
        decide_other_hours(
            record,
            request.POST.get("decision") == "confirm",
            by=request.user,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message_zh)
    else:
        messages.success(request, "已处理")
    return redirect("policies:confirmations")
