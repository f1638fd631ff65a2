"""Pages of the Article 15 register: list and open (HR officers of the region), a case, one-click from a
spot-check. Everything is fetched through ``Case.objects.restrict``: outside the region answers 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import role_required
from cecert.accounts.models import Person, Role, User
from cecert.certificates.models import SuspiciousVerification
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation
from cecert.records.access import get_in_scope_or_404
from cecert.records.models import Record
from cecert.review.models import SpotCheckItem
from cecert.violations.domain.cases import (
    CaseInput,
    case_counts,
    open_case,
    open_case_from_spot_check,
    open_case_from_suspicious_verification,
    transition_case,
)
from cecert.violations.enums import CaseState
from cecert.violations.forms import CaseForm, DecisionForm
from cecert.violations.models import LAW, Case


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _lookup(form: CaseForm, user: User) -> CaseInput:
    d = form.cleaned_data
    record = person = organisation = None
    if d.get("record"):
        record = Record.objects.restrict(user).filter(pk=d["record"]).select_related("person__employer").first()
        if record is None:
            raise DomainError("record", "未找到该记录", "no such record in your jurisdiction")
    if d.get("person"):
        person = Person.objects.restrict(user).filter(certificate_number=d["person"].strip()).first()
        if person is None:
            raise DomainError("person", "未找到该证书管理号对应的人员", "no such person in your jurisdiction")
    if d.get("organisation"):
        text = d["organisation"].strip()
        organisation = Organisation.objects.restrict(user).filter(Q(uscc=text.upper()) | Q(name=text)).first()
        if organisation is None:
            raise DomainError("organisation", "未找到该单位", "no such organisation in your jurisdiction")
    return CaseInput(
        kind=d["kind"],
        source=d["source"],
        evidence=d["evidence"],
        certificate_serial=d.get("certificate_serial") or "",
        record=record,
        person=person,
        organisation=organisation,
        suspicious_verification=d.get("suspicious_verification") or "",
    )


@role_required(Role.HR_OFFICER)
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    cases = Case.objects.restrict(user).select_related("person", "organisation", "department")
    state = request.GET.get("state", "")
    shown = cases.filter(state=state) if state in CaseState.values else cases
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = open_case(_lookup(form, user), by=user, request=request)
            messages.success(request, f"已立案 #{case.pk}")
            return redirect("violations:detail", pk=case.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message_zh)
    return render(
        request,
        "violations/list.html",
        {"cases": shown[:500], "form": form, "counts": case_counts(cases), "states": CaseState.choices, "law": LAW},
    )


@role_required(Role.HR_OFFICER)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = get_in_scope_or_404(
        Case.objects.restrict(user).select_related("person", "organisation", "department", "record"), request, pk=pk
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = request.POST.get("to", "")
        if target not in (CaseState.DECIDED, CaseState.CLOSED):
            raise Http404
        try:
            case = transition_case(case, target, by=user, request=request, **form.cleaned_data)
            messages.success(request, f"案件{case.get_state_display()}")
            return redirect("violations:detail", pk=case.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message_zh)
    return render(request, "violations/detail.html", {"case": case, "form": form, "law": LAW})


@role_required(Role.HR_OFFICER)
@require_POST
def from_suspicious(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    suspicious = SuspiciousVerification.objects.restrict(user).filter(public_id=public_id).first()
    if suspicious is None:
        raise Http404
    try:
        case = open_case_from_suspicious_verification(suspicious, by=user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("certificates:suspicious_detail", public_id=public_id)
    messages.success(request, f"已立案 #{case.pk}")
    return redirect("violations:detail", pk=case.pk)


@role_required(Role.HR_OFFICER)
@require_POST
def from_spot_check(request: HttpRequest, item_pk: int) -> HttpResponse:
    user = _user(request)
    hr = user.organisations_for(Role.HR_OFFICER)
    item = get_in_scope_or_404(
        SpotCheckItem.objects.filter(
            spot_check__organisation__in=hr, record__in=Record.objects.restrict(user).values("pk")
        ),
        request,
        pk=item_pk,
    )
    try:
        case = open_case_from_spot_check(item, by=user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("review:spot_check", pk=item.spot_check_id)
    messages.success(request, f"已立案 #{case.pk}")
    return redirect("violations:detail", pk=case.pk)
