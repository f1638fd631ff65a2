"""Certificate pages (holders, employers, HR officers); the public verification pages are ``cecert.verification``."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cecert.accounts.models import Person, Role, User
from cecert.certificates.domain import credentials, eligibility, issuance, suspicious, verification
from cecert.certificates.domain.rendering import certificate_pdf
from cecert.certificates.forms import IssuingFilterForm
from cecert.certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateStatus,
    SuspiciousVerification,
)
from cecert.certificates.tasks import enqueue_batch
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation

CERTIFICATE_ROLES = (Role.PROFESSIONAL, Role.EMPLOYER_ADMIN, Role.HR_OFFICER, Role.INDUSTRY_OFFICER)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _visible(request: HttpRequest, verification_id: uuid.UUID) -> Certificate:
    """The certificate if the caller may see it; 404 otherwise (never a hint)."""
    return get_object_or_404(
        Certificate.objects.restrict(_user(request)).select_related("person", "issuer", "replaces"),
        verification_id=verification_id,
    )


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.roles & set(CERTIFICATE_ROLES)):
        raise Http404
    qs = Certificate.objects.restrict(user).select_related("person", "issuer").order_by("-issued_at")
    number = request.GET.get("number", "").strip()
    if number:
        qs = qs.filter(person__certificate_number=number)
    own = Person.objects.filter(user=user).first()
    return render(
        request,
        "certificates/list.html",
        {
            "certificates": qs[:200],
            "number": number,
            "departments": issuance.issuing_departments_of(user),
            "who_issues": eligibility.who_issues(user),
            "own_person": own,
            "proof_people": _proof_people(user),
        },
    )


def _proof_people(user: User) -> list[Person]:
    people = list(Person.objects.filter(user=user))
    admin_of = user.organisations_for(Role.EMPLOYER_ADMIN)
    if admin_of:
        people += list(
            Person.objects.filter(employer__in=admin_of, certificate_number__isnull=False).order_by("name")[:500]
        )
    return people


@login_required
def certificate_detail(request: HttpRequest, verification_id: uuid.UUID) -> HttpResponse:
    certificate = _visible(request, verification_id)
    user = _user(request)
    issuing = any(o.pk == certificate.issuer_id for o in issuance.issuing_departments_of(user))
    flagged = SuspiciousVerification.objects.restrict(user).filter(certificate=certificate) if issuing else None
    return render(
        request,
        "certificates/detail.html",
        {
            "c": certificate,
            "view": verification.public_view(certificate),
            "snapshot": certificate.snapshot,
            "may_revoke": certificate.status == CertificateStatus.VALID and issuing,
            "may_export": credentials.may_export(user, certificate),
            "issuing": issuing,
            "suspicious": list(flagged[:50]) if flagged is not None else [],
            "suspicious_count": flagged.count() if flagged is not None else 0,
        },
    )


@login_required
def suspicious_list(request: HttpRequest) -> HttpResponse:
    """The issuing department's record of forged or tampered certificates presented for verification."""
    user = _user(request)
    if not issuance.issuing_departments_of(user):
        raise Http404
    qs = SuspiciousVerification.objects.restrict(user).select_related("certificate", "issuer")
    return render(
        request,
        "certificates/suspicious_list.html",
        {"records": qs[:200], "summary": suspicious.summary(user)},
    )


@login_required
def suspicious_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    record = get_object_or_404(
        SuspiciousVerification.objects.restrict(_user(request)).select_related("certificate", "issuer"),
        public_id=public_id,
    )
    return render(request, "certificates/suspicious_detail.html", {"r": record})


@login_required
@require_GET
def certificate_download(request: HttpRequest, verification_id: uuid.UUID) -> HttpResponse:
    certificate = _visible(request, verification_id)
    rendered = certificate_pdf(certificate)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, verification_id: uuid.UUID) -> HttpResponse:
    certificate = _visible(request, verification_id)
    user = _user(request)
    if not any(o.pk == certificate.issuer_id for o in issuance.issuing_departments_of(user)):
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("reissue"):
            new = issuance.reissue_certificate(certificate, reason, by=user)
            messages.success(request, "证书已撤销并换发新版本" if new else "证书已撤销")
            if new is not None:
                return redirect("certificates:detail", new.verification_id)
        else:
            issuance.revoke_certificate(certificate, reason, by=user)
            messages.success(request, "证书已撤销")
    except DomainError as exc:
        messages.error(request, exc.message_zh)
    return redirect("certificates:detail", certificate.verification_id)


def _year(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ISSUING_PAGE_SIZE = 50
ERR_SELECTION_INVALID = "发证请求无效（年度或所选人员有误），请在发证页面重新选择"
MAX_SELECTION = 500  # one page's "select all" is 50; a selection is typed by hand, not a data feed


def _back(request: HttpRequest) -> str:
    """The issuing page with the filters the officer came from (re-encoded: only our own path)."""
    query = QueryDict(request.POST.get("back", "")[:1000]).urlencode()
    return reverse("certificates:issue") + (f"?{query}" if query else "")


def _department(request: HttpRequest, departments: list[Organisation]) -> Organisation:
    chosen = _year(request.GET.get("department", "") or request.POST.get("department", ""))
    return next((d for d in departments if d.pk == chosen), departments[0])


@login_required
@require_http_methods(["GET", "POST"])
def issuing(request: HttpRequest) -> HttpResponse:
    """The issuing page: the department's eligible people with filters, a number lookup, batches.

    Anyone whose department does not issue (a county HR officer, an industry authority, an employer)
    reads who issues their people's certificates and why (Article 12) instead of a form.
    """
    user = _user(request)
    departments = issuance.issuing_departments_of(user)
    if not departments:
        sentences = eligibility.who_issues(user)
        if not sentences or request.method == "POST":
            raise Http404
        return render(request, "certificates/issuing_explained.html", {"sentences": sentences})
    if request.method == "POST":
        return _issue_by_number(request, user)
    department = _department(request, departments)
    form = IssuingFilterForm(request.GET or None, department=department)
    filters = form.filters()
    rows = eligibility.eligible_people(department, filters, user=user)
    page = Paginator(rows, ISSUING_PAGE_SIZE).get_page(request.GET.get("page"))
    number = request.GET.get("number", "")[:40].strip()
    lookup, found = (eligibility.lookup_number(user, number), None) if number else (None, None)
    if lookup is not None and lookup.person is not None:
        found = (
            eligibility.eligible_people(department, eligibility.EligibilityFilters(year=filters.year), user=user)
            .filter(pk=lookup.person.pk)
            .first()
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/issuing.html",
        {
            "department": department,
            "departments": departments,
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "back": request.GET.urlencode(),
            "number": number,
            "lookup": lookup,
            "found": found,
            "batches": CertificateBatch.objects.filter(department__in=departments).select_related("department")[:10],
        },
    )


def _confirm(
    request: HttpRequest,
    *,
    action: str,
    not_met: list[Any],
    not_met_count: int,
    selected: int | None,
    hidden: list[tuple[str, Any]],
) -> HttpResponse:
    """Before sealing a year that was not met: who it is (``not_met``, the first of ``not_met_count``), and
    a button to go on. Nothing is written yet. ``selected``: how many were chosen (None: the whole department)."""
    return render(
        request,
        "certificates/issue_confirm.html",
        {
            "action": action,
            "not_met": not_met,
            "not_met_count": not_met_count,
            "more": not_met_count - len(not_met),
            "selected": selected,
            "hidden": hidden,
            "back": _back(request),
        },
    )


def _issue_by_number(request: HttpRequest, user: User) -> HttpResponse:
    """One person's annual certificate, by their certificate management number (asks first if not met)."""
    number, year = request.POST.get("number", "")[:40].strip(), _year(request.POST.get("year", ""))
    lookup = eligibility.lookup_number(user, number)
    if lookup.person is None:
        messages.error(request, lookup.message)
        return redirect(_back(request))
    if year is None:
        messages.error(request, issuance.ERR_YEARS)
        return redirect(_back(request))
    department = issuance.issuer_for(lookup.person)
    row = (
        eligibility.eligible_people(department, eligibility.EligibilityFilters(year=year), user=user)
        .filter(pk=lookup.person.pk)
        .first()
    )
    if row is None:
        messages.error(request, issuance.ERR_NO_RECORDS)
        return redirect(_back(request))
    if not row.met and request.POST.get("confirm") != "yes":
        hidden = [("number", number), ("year", year), ("back", request.POST.get("back", ""))]
        return _confirm(
            request, action=reverse("certificates:issue"), not_met=[row], not_met_count=1, selected=1, hidden=hidden
        )
    try:
        certificate = issuance.issue_annual_certificate(lookup.person, year, by=user)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect(_back(request))
    return redirect("certificates:detail", certificate.verification_id)


@login_required
@require_POST
def issue_selected(request: HttpRequest) -> HttpResponse:
    """Issue the people ticked on the issuing page, as a batch (its lease and resume machinery)."""
    user = _user(request)
    departments = {o.pk: o for o in issuance.issuing_departments_of(user)}
    department = departments.get(_year(request.POST.get("department", "")) or -1)
    if department is None:
        raise Http404
    year = _year(request.POST.get("year", ""))
    chosen = request.POST.getlist("people")
    if year is None or any(not (i.isascii() and i.isdigit()) for i in chosen):
        messages.error(request, ERR_SELECTION_INVALID)
        return redirect(_back(request))
    ids = sorted({int(i) for i in chosen})
    if not ids:
        messages.error(request, issuance.ERR_NO_SELECTION)
        return redirect(_back(request))
    if len(ids) > MAX_SELECTION:
        messages.error(request, f"一次最多选择 {MAX_SELECTION} 人；更多人员请使用“批量发放本辖区证书”")
        return redirect(_back(request))
    try:
        rows = eligibility.selected_people(department, year, ids, user=user)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect(_back(request))
    not_met = [r for r in rows if not r.met]
    if not_met and request.POST.get("confirm") != "yes":
        hidden = [("department", department.pk), ("year", year), ("back", request.POST.get("back", ""))]
        hidden += [("people", pk) for pk in ids]
        return _confirm(
            request,
            action=reverse("certificates:issue_selected"),
            not_met=not_met,
            not_met_count=len(not_met),
            selected=len(rows),
            hidden=hidden,
        )
    batch = issuance.start_batch(department, year, by=user, people=ids)
    enqueue_batch(batch)
    return redirect("certificates:batch", batch.pk)


@login_required
@require_POST
def proof_request(request: HttpRequest) -> HttpResponse:
    """The person (or their employer admin) requests a completion proof over a span of years."""
    user = _user(request)
    person = Person.objects.restrict(user).filter(pk=_year(request.POST.get("person", "")) or 0).first()
    if person is None or not issuance.may_request_proof(user, person):
        raise Http404
    year_from, year_to = _year(request.POST.get("year_from", "")), _year(request.POST.get("year_to", ""))
    try:
        if year_from is None or year_to is None:
            raise DomainError("years", issuance.ERR_YEARS, "invalid years")
        proof = issuance.issue_completion_proof(person, year_from, year_to, by=user)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("certificates:list")
    return redirect("certificates:detail", proof.verification_id)


@login_required
@require_http_methods(["POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    """Everyone the department issues for in a year (asks first when some did not meet the requirement)."""
    user = _user(request)
    departments = {o.pk: o for o in issuance.issuing_departments_of(user)}
    department = departments.get(_year(request.POST.get("department", "")) or -1)
    year = _year(request.POST.get("year", ""))
    if department is None:
        raise Http404
    if year is None:
        messages.error(request, issuance.ERR_YEARS)
        return redirect(_back(request))
    if request.POST.get("confirm") != "yes":
        not_met = eligibility.eligible_people(
            department, eligibility.EligibilityFilters(year=year, met=False), user=user
        )
        shown = list(not_met[: ISSUING_PAGE_SIZE + 1])
        if shown:
            hidden = [("department", department.pk), ("year", year), ("back", request.POST.get("back", ""))]
            return _confirm(
                request,
                action=reverse("certificates:batch_create"),
                not_met=shown[:ISSUING_PAGE_SIZE],
                not_met_count=not_met.count() if len(shown) > ISSUING_PAGE_SIZE else len(shown),
                selected=None,
                hidden=hidden,
            )
    batch = issuance.start_batch(department, year, by=user)
    enqueue_batch(batch)
    return redirect("certificates:batch", batch.pk)


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    batch = get_object_or_404(
        CertificateBatch.objects.select_related("department"),
        pk=pk,
        department__in=issuance.issuing_departments_of(user),
    )
    template = "certificates/_batch_progress.html" if request.headers.get("HX-Request") else "certificates/batch.html"
    return render(request, template, {"batch": batch})
