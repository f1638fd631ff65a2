"""Reviewer pages: queues with filters and bulk decisions, spot-checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import role_required
from cecert.accounts.models import Role, User
from cecert.core.errors import DomainError
from cecert.records.access import get_in_scope_or_404
from cecert.records.enums import RecordState
from cecert.records.forms import RecordFilterForm, default_year_choices, this_year
from cecert.records.models import Record
from cecert.review.domain.queues import QueueFilters, overdue_since, review_deadline_days, review_queue
from cecert.review.domain.spotchecks import decide_item, draw_spot_check
from cecert.review.domain.workflow import batch_first_review, bulk_transition
from cecert.review.models import SpotCheck, SpotCheckItem

REVIEWER_ROLES = (Role.EMPLOYER_ADMIN, Role.HR_OFFICER, Role.INDUSTRY_OFFICER)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@role_required(*REVIEWER_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = RecordFilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    qs = review_queue(
        user,
        QueueFilters(
            year=f.get("year"),
            activity_type=f.get("type") or "",
            subject=f.get("subject") or "",
            employer_id=f.get("employer"),
            min_age_days=f.get("age"),
        ),
    )
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        decision = request.POST.get("decision", "")
        targets = {"approve": None, "return": RecordState.RETURNED}
        if decision not in targets or not ids:
            messages.error(request, "请选择记录和处理方式")
            return redirect(request.get_full_path())
        chosen = list(qs.filter(pk__in=ids))
        done_count, refused_all = 0, []
        if decision == "approve" and user.organisations_for(Role.EMPLOYER_ADMIN):
            # Article 11(1) in bulk: the employer's first review of every chosen submitted record, set-based.
            submitted = [r for r in chosen if r.state == RecordState.SUBMITTED]
            approved, refused_ids = batch_first_review([r.pk for r in submitted], by=user, request=request)
            done_count += len(approved)
            for pk, why in sorted(refused_ids.items()):
                messages.error(request, f"#{pk}：{why}")
            chosen = [r for r in chosen if r.state != RecordState.SUBMITTED]
        for record in chosen:
            to = targets[decision] or (
                RecordState.EMPLOYER_APPROVED if record.state == RecordState.SUBMITTED else RecordState.CERTIFIED
            )
            done, refused = bulk_transition(
                [record], to, by=user, reason=request.POST.get("reason", ""), request=request
            )
            done_count += len(done)
            refused_all.extend(refused)
        messages.success(request, f"已处理 {done_count} 条记录")
        for record, exc in refused_all:
            messages.error(request, f"#{record.pk}：{exc.message_zh}")
        return redirect(request.get_full_path())
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "review/queue.html",
        {
            "page": page,
            "filters": filters,
            "overdue_since": overdue_since(),
            "deadline_days": review_deadline_days(),
        },
    )


def _hr_orgs(user: User) -> list:  # type: ignore[type-arg]
    return user.organisations_for(Role.HR_OFFICER)


@role_required(Role.HR_OFFICER)
def spot_checks(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    orgs = _hr_orgs(user)
    checks = SpotCheck.objects.filter(organisation__in=orgs).select_related("organisation")
    if request.method == "POST":
        try:
            rate = Decimal(request.POST.get("rate", "")) / 100
            year = int(request.POST.get("year", ""))
        except (InvalidOperation, ValueError):
            messages.error(request, "请填写年度和抽查比例")
            return redirect("review:spot_checks")
        try:
            check = draw_spot_check(
                hr=orgs[0], year=year, rate=rate, by=user, seed=request.POST.get("seed", ""), request=request
            )
            return redirect("review:spot_check", pk=check.pk)
        except DomainError as exc:
            messages.error(request, exc.message_zh)
    return render(
        request, "review/spot_checks.html", {"checks": checks, "years": default_year_choices(), "year": this_year()}
    )


@role_required(Role.HR_OFFICER)
def spot_check(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    check = get_in_scope_or_404(SpotCheck.objects.filter(organisation__in=_hr_orgs(user)), request, pk=pk)
    items = check.items.select_related("record", "record__person", "record__person__employer").annotate(
        case_id=Min("violation_case__pk")
    )
    return render(request, "review/spot_check.html", {"check": check, "items": items})


@role_required(Role.HR_OFFICER)
@require_POST
def spot_check_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = get_in_scope_or_404(
        SpotCheckItem.objects.filter(
            spot_check__organisation__in=_hr_orgs(user), record__in=Record.objects.restrict(user).values("pk")
        ),
        request,
        pk=pk,
    )
    decision = request.POST.get("decision")
    if decision not in ("confirm", "overturn"):
        raise Http404
    try:
        decide_item(
            item, overturn=decision == "overturn", by=user, reason=request.POST.get("reason", ""), request=request
        )
        messages.success(request, "已审验")
    except DomainError as exc:
        messages.error(request, exc.message_zh)
    return redirect("review:spot_check", pk=item.spot_check_id)
