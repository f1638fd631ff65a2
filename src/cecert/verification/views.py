"""The public verification pages (``/verify/``): no login, a lean layout, rate-limited (ADR 0012)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cecert.certificates.domain import suspicious, verification
from cecert.certificates.domain.signing_keys import published_keys
from cecert.certificates.models import VerificationRoute
from cecert.core import cache as shared_cache
from cecert.core.labels import chinese_part
from cecert.core.metrics import count_verdict
from cecert.core.network import client_address
from cecert.core.ratelimit import over_limit, over_limit_and_look
from cecert.verification.result_page import result_page


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
    return too_many(request) if over_limit(request, "verify") else None


def too_many(request: HttpRequest) -> HttpResponse:
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
    written, name = data.get("number", "")[:40].strip(), data.get("name", "")[:64]
    number = written.upper()
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
            return too_many(request)
        return _verify_serial_cached(
            number, name, key, looked.value, keep=looked.asked_before, language=request.LANGUAGE_CODE
        )
    limited = _limited(request)
    if limited is not None:
        return limited
    return _result(verification.verify_by_number(written, name), "number")


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
            # Not issued here: perhaps a certificate moved in from the current platform (never cached).
            return _result(verification.verify_moved_in(serial, name), "number")
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
