"""Employer registration and the approval queue of HR departments and industry authorities."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.forms import EmployerRegistrationForm, ReasonForm
from cecert.accounts.models import Role
from cecert.core.errors import DomainError
from cecert.core.ratelimit import over_limit
from cecert.organisations.domain import EmployerApplication, register_employer, transition_employer
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState

SUPERVISOR_ROLES = (Role.HR_OFFICER, Role.INDUSTRY_OFFICER)


def register(request: HttpRequest) -> HttpResponse:
    form = EmployerRegistrationForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "register"):
            return HttpResponse("请求过于频繁，请稍后再试 / too many requests", status=429)
        if form.is_valid():
            try:
                employer = register_employer(EmployerApplication(**form.cleaned_data), request=request)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                return render(request, "organisations/register_done.html", {"employer": employer})
    return render(request, "organisations/register.html", {"form": form})


@role_required(*SUPERVISOR_ROLES)
def employers(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = (
        Organisation.objects.restrict(request.user)
        .filter(kind=OrganisationKind.EMPLOYER)
        .select_related("region", "industry", "authority")
    )
    state = request.GET.get("state", OrganisationState.PENDING)
    if state in OrganisationState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "organisations/employers.html",
        {
            "employers": qs[:500],
            "state": state,
            "states": OrganisationState.choices,
        },
    )


@role_required(*SUPERVISOR_ROLES, Role.EMPLOYER_ADMIN)
def employer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(
        Organisation.objects.restrict(request.user)
        .filter(kind=OrganisationKind.EMPLOYER)
        .select_related("region", "industry", "authority"),
        pk=pk,
    )
    return render(
        request,
        "organisations/employer_detail.html",
        {
            "employer": employer,
            "can_review": request.user.has_perm("organisations.review_employer", employer),
            "form": ReasonForm(),
            "staff_count": employer.staff.count(),
            "admins": (
                employer.memberships.filter(role="employer_admin", active=True).select_related("user")
                if request.user.has_perm("accounts.reset_employer_admin_password", employer)
                else []
            ),
        },
    )


@role_required(*SUPERVISOR_ROLES)
@require_POST
def review_employer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(Organisation.objects.restrict(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        target = (
            OrganisationState.APPROVED if form.cleaned_data["decision"] == "approve" else OrganisationState.RETURNED
        )
        try:
            transition_employer(
                employer,
                target,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, "已处理")
        except DomainError as exc:
            messages.error(request, exc.message_zh)
    return redirect("organisations:employer", pk=employer.pk)
