"""Certificate pages (holders, employers, HR officers) and the public verification pages."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cecert.accounts.models import Person, Role, User
from cecert.certificates.domain import credentials, issuance, suspicious, verification
from cecert.certificates.domain.rendering import certificate_pdf
from cecert.certificates.domain.signing_keys import published_keys
from cecert.certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateStatus,
    SuspiciousVerification,
    VerificationRoute,
)
from cecert.certificates.result_page import result_page
from cecert.certificates.tasks import enqueue_batch
from cecert.core import cache as shared_cache
from cecert.core.errors import DomainError
from cecert.core.labels import chinese_part
from cecert.core.metrics import count_verdict
from cecert.core.network import client_address
from cecert.core.ratelimit import over_limit, over_limit_and_look

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


# ---------------------------------------------------------------- public verification


def _not_stored(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``Cache-Control: no-store`` on every answer (a verification result must not be kept by browsers or
    proxies: a revocation has to show at once). Django's ``cache_control`` first parses the header it is
    about to write: ~13 µs a request on the verification path, measured."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return wrapper


def _limited(request: HttpRequest) -> HttpResponse | None:
    return _too_many(request) if over_limit(request, "verify") else None


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "certificates/verify_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _result(result: verification.Verification, route: str) -> HttpResponse:
    """The answer's page (``result_page``: the same page for every way of verifying)."""
    count_verdict(route, result.status)
    # Pages read Chinese only: the reason's words, never a validator's English detail.
    detail = verification.REASONS.get(result.reason) or chinese_part(result.detail)
    if not re.search(r"[\u4e00-\u9fff]", detail):
        detail = ""
    return HttpResponse(result_page(result.status, result.public_views(), detail))


@_not_stored
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and "number" not in request.GET:
        return render(request, "certificates/verify.html", {})
    data: Any = request.POST if request.method == "POST" else request.GET
    number, name = data.get("number", "")[:40].strip().upper(), data.get("name", "")[:64]
    if settings.CECERT_VERIFY_CACHE_SECONDS and verification.SERIAL_RE.match(number):
        # LocaleMiddleware's choice, the active language (a context-local look-up costs more)
        key = verification.public_cache_key(number, request.LANGUAGE_CODE)
        # the rate limit, the cached page and whether it was asked for before: one pipeline
        looked = over_limit_and_look(
            request,
            "verify",
            key,
            remember_seconds=settings.CECERT_VERIFY_CACHE_SECONDS,
            barred_by=verification.changed_key(number),
        )
        if looked.exceeded:
            return _too_many(request)
        return _verify_serial_cached(
            number, name, key, looked.value, keep=looked.asked_before, language=request.LANGUAGE_CODE
        )
    limited = _limited(request)
    if limited is not None:
        return limited
    return _result(verification.verify_by_number(number, name), "number")


def _verify_serial_cached(
    serial: str, name: str, key: str, entry: bytes | None, *, keep: bool, language: str
) -> HttpResponse:
    """A certificate's result page, rendered once per language and kept in the shared cache (``entry``:
    the holder's normalised name, a line break, the page).

    The page holds nothing of the requester (no form, no token), so it can be reused; the name is
    still compared on every request, in constant time, against the holder's name kept beside it (a
    normalised name has no whitespace, so the first line break ends it). It is kept only when asked
    for again within the cache time (``keep``): most certificates are verified once, and writing
    their pages would cost a round trip and memory for nothing. Revocation clears the entry
    (``issuance._revoke``). Unknown serials are not cached: a serial issued a moment later must
    verify at once.
    """
    if entry is None:
        found = verification.lookup_serial(serial)
        if found is None:
            return _result(verification.Verification("not_found"), "number")
        holder_name, result = found
        verdict: str = result.status
        body = result_page(result.status, result.public_views(), result.detail, language=language).encode()
        entry = verification.normalise_name(holder_name).encode() + b"\n" + body
        if keep:
            shared_cache.put(key, entry, settings.CECERT_VERIFY_CACHE_SECONDS)
    else:
        verdict = "cached"  # a page kept from an earlier answer: genuine or revoked, not told apart here
    stored_name, _, body = entry.partition(b"\n")
    if not verification.names_match(name, stored_name.decode()):
        return _result(verification.Verification("not_found"), "number")
    count_verdict("number", verdict)
    return HttpResponse(body)


@_not_stored
def verify_qr(request: HttpRequest) -> HttpResponse:
    payload = request.GET.get("p") or request.POST.get("p") or ""
    if not payload:
        return render(request, "certificates/verify.html", {})
    limited = _limited(request)
    if limited is not None:
        return limited
    result = verification.verify_qr(payload[:4096])
    suspicious.record(result, route=VerificationRoute.QR_PAGE, client=client_address(request))
    return _result(result, "qr")


@_not_stored
@require_POST
def verify_upload(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    upload = request.FILES.get("file")
    if upload is None or upload.size is None:
        return _result(
            verification.Verification("tampered", detail="请上传证书PDF文件（5MB以内） / upload the PDF (≤ 5 MB)"),
            "upload",
        )
    result = verification.verify_upload(upload)
    suspicious.record(result, route=VerificationRoute.PAGE_UPLOAD, client=client_address(request))
    return _result(result, "upload")


def keys_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(published_keys(), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Cache-Control"] = "public, max-age=300"
    return response


def keys_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "certificates/keys.html", {"published": published_keys(), "json_url": reverse("verify:keys_json")}
    )
