"""Certificate pages (holders, employers, HR officers); the public verification pages are ``cecert.verification``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cecert.accounts.models import Person, Role, User
from cecert.certificates.domain import issuance, suspicious, verification
from cecert.certificates.domain.rendering import certificate_pdf
from cecert.certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateStatus,
    SuspiciousVerification,
)
from cecert.certificates.tasks import enqueue_batch
from cecert.core.errors import DomainError

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
            "own_person": own,
            "proof_people": _proof_people(user),
            "batches": CertificateBatch.objects.filter(
                department__in=issuance.issuing_departments_of(user)
            ).select_related("department")[:10],
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


@login_required
@require_POST
def certificate_issue(request: HttpRequest) -> HttpResponse:
    """An issuing department's officer issues one person's annual certificate."""
    user = _user(request)
    if not issuance.issuing_departments_of(user):
        raise Http404
    number, year = request.POST.get("number", "").strip(), _year(request.POST.get("year", ""))
    person = Person.objects.restrict(user).filter(certificate_number=number).first()
    if person is None or year is None or not issuance.may_issue(user, person):
        messages.error(request, issuance.ERR_NOT_ISSUER)
        return redirect("certificates:list")
    try:
        certificate = issuance.issue_annual_certificate(person, year, by=user)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("certificates:list")
    return redirect("certificates:detail", certificate.verification_id)


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
    user = _user(request)
    departments = {o.pk: o for o in issuance.issuing_departments_of(user)}
    department = departments.get(_year(request.POST.get("department", "")) or -1)
    year = _year(request.POST.get("year", ""))
    if department is None:
        raise Http404
    if year is None:
        messages.error(request, issuance.ERR_YEARS)
        return redirect("certificates:list")
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
