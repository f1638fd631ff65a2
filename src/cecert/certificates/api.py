"""``/api/v1/certificates``: certificates within the caller's jurisdiction, and public verification.

Anything outside the caller's jurisdiction answers 404. Verification needs no
login and is rate-limited like the page.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.security import django_auth

from cecert.api.params import Limit, Offset
from cecert.certificates.domain import credentials, suspicious, verification
from cecert.certificates.domain.credential_verification import verify_credential_upload
from cecert.certificates.domain.rendering import certificate_pdf
from cecert.certificates.domain.signing_keys import published_keys
from cecert.certificates.models import Certificate, VerificationRoute
from cecert.core.metrics import count_verdict
from cecert.core.network import client_address
from cecert.core.ratelimit import over_limit

router = Router(tags=["certificates"])


class VerifyIn(Schema):
    number: str = ""
    name: str = ""
    qr: str = ""


def _restricted(request: HttpRequest) -> Any:
    return Certificate.objects.restrict(request.user).select_related("replaced_by")  # type: ignore[arg-type]


@router.get("", auth=django_auth, summary="辖区内证书 / certificates in jurisdiction")
def list_certificates(request: HttpRequest, limit: Limit = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    qs = _restricted(request).order_by("pk")[offset : offset + limit]
    return [verification.public_view(c) | {"person_id": c.person_id} for c in qs]


def _too_many() -> Any:
    from ninja.responses import Response

    return Response(
        {"errors": [{"field": "", "message_zh": "查验过于频繁，请稍后再试", "message_en": "too many requests"}]},
        status=429,
    )


@router.post("/verify", auth=None, summary="证书查验（无需登录）/ public verification")
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    if over_limit(request, "verify"):
        return _too_many()
    if payload.qr:
        result = verification.verify_qr(payload.qr[:4096])
        suspicious.record(result, route=VerificationRoute.QR_API, client=client_address(request))
        count_verdict("api_qr", result.status)
        return result.as_dict()
    result = verification.verify_by_number(payload.number[:40], payload.name[:64])
    count_verdict("api_number", result.status)
    return result.as_dict()


@router.post("/verify/pdf", auth=None, summary="上传证书PDF查验（无需登录）/ verify an uploaded certificate PDF")
def verify_pdf(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008 (ninja's API)
    """The seal, the signed revision's facts against the register, the issuing department's key.

    ``status``: genuine / revoked / not_found / tampered; ``reason`` a stable code when not genuine.
    Rate-limited like the page; a tampered file is recorded for the issuing department."""
    if over_limit(request, "verify"):
        return _too_many()
    result = verification.verify_upload(file)
    suspicious.record(result, route=VerificationRoute.API_UPLOAD, client=client_address(request))
    count_verdict("api_upload", result.status)
    return result.as_dict()


@router.post("/verify/credential", auth=None, summary="上传电子凭证查验（无需登录）/ verify an uploaded credential")
def verify_credential(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008 (ninja's API)
    """An Open Badges 3.0 credential as a compact JWS (``application/vc+jwt``) or JSON carrying one
    (ADR 0024). Answers like ``/verify/pdf``; a forged or tampered credential is recorded."""
    if over_limit(request, "verify"):
        return _too_many()
    result = verify_credential_upload(file)
    suspicious.record(result, route=VerificationRoute.CREDENTIAL_API, client=client_address(request))
    count_verdict("api_credential", result.status)
    return result.as_dict()


@router.get("/keys/published", auth=None, summary="发证部门公钥 / published issuer keys")
def keys(request: HttpRequest) -> dict[str, Any]:
    return published_keys()


@router.get("/{verification_id}", auth=django_auth, summary="证书详情 / one certificate")
def get_certificate(request: HttpRequest, verification_id: uuid.UUID) -> dict[str, Any]:
    c = get_object_or_404(_restricted(request), verification_id=verification_id)
    return verification.public_view(c) | {"person_id": c.person_id, "snapshot": c.snapshot}


@router.get("/{verification_id}/pdf", auth=django_auth, summary="证书PDF / the sealed PDF")
def get_certificate_pdf(request: HttpRequest, verification_id: uuid.UUID) -> HttpResponse:
    c = get_object_or_404(_restricted(request), verification_id=verification_id)
    rendered = certificate_pdf(c)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response


@router.get("/{verification_id}/credential", auth=django_auth, summary="电子凭证 / the signed credential")
def get_certificate_credential(request: HttpRequest, verification_id: uuid.UUID) -> HttpResponse:
    """For the holder and the issuing department only; 404 for anyone else."""
    c = get_object_or_404(_restricted(request).select_related("person", "issuer"), verification_id=verification_id)
    if not credentials.may_export(request.user, c):  # type: ignore[arg-type]
        raise Http404
    response = HttpResponse(credentials.export_credential(c, by=request.user), content_type=credentials.MEDIA_TYPE)  # type: ignore[arg-type]
    response["Content-Disposition"] = f'attachment; filename="{credentials.credential_filename(c)}"'
    return response
