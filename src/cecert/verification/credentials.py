"""Portable credentials on the public side (ADR 0024): what any verifier needs without an account —
issuer profiles, the JWKS, status lists — and verification of an uploaded credential on the public
verification page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from cecert.certificates.domain import credentials, suspicious, verification
from cecert.certificates.domain.credential_verification import (
    MAX_CREDENTIAL_BYTES,
    verify_credential,
    verify_credential_upload,
)
from cecert.certificates.domain.signing_keys import is_issuing_department
from cecert.certificates.models import VerificationRoute
from cecert.core.metrics import count_verdict
from cecert.core.network import client_address
from cecert.core.ratelimit import over_limit
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.verification.result_page import result_page
from cecert.verification.views import too_many

JSON_PARAMS = {"ensure_ascii": False, "indent": 1}


def _department(region_code: str) -> Organisation:
    department = (
        Organisation.objects.select_related("region")
        .filter(kind=OrganisationKind.HR_DEPARTMENT, region__code=region_code)
        .first()
    )
    if department is None or not is_issuing_department(department):
        raise Http404
    return department


@require_GET
def issuer(request: HttpRequest, region_code: str) -> JsonResponse:
    """What an issuer id resolves to: the department's Open Badges profile and its keys."""
    response = JsonResponse(credentials.issuer_profile(_department(region_code)), json_dumps_params=JSON_PARAMS)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def jwks_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(credentials.jwks(), json_dumps_params=JSON_PARAMS)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def status_list(request: HttpRequest, region_code: str, list_number: int) -> HttpResponse:
    """A department's revocation list, signed as it stands now; verifiers must not keep it unchecked."""
    if over_limit(request, "verify"):
        return too_many(request)
    token = credentials.status_list_credential(_department(region_code), list_number)
    if token is None:
        raise Http404
    response = HttpResponse(token, content_type=credentials.MEDIA_TYPE)
    response["Cache-Control"] = "no-cache"
    return response


@require_POST
def verify_upload(request: HttpRequest) -> HttpResponse:
    """A credential uploaded as a file or pasted as text, answered like every other verification."""
    if over_limit(request, "verify"):
        return too_many(request)
    upload = request.FILES.get("credential_file")
    pasted = request.POST.get("credential", "")
    if upload is not None:
        result = verify_credential_upload(upload)
    elif pasted.strip():
        # More than the limit was pasted: refused as too large, never cut to size.
        result = verify_credential(pasted[: MAX_CREDENTIAL_BYTES + 1].encode())
    else:  # nothing was presented: answered, not recorded as a forgery
        result = verification.Verification("tampered", reason="vc_not_credential")
    if upload is not None or pasted.strip():
        suspicious.record(result, route=VerificationRoute.CREDENTIAL_PAGE, client=client_address(request))
    count_verdict("credential", result.status)
    # Pages read Chinese only: the reason's words, never the field names the API adds.
    page = result_page(result.status, result.public_views(), verification.REASONS.get(result.reason, ""))
    response = HttpResponse(page)
    response["Cache-Control"] = "no-store"
    return response
