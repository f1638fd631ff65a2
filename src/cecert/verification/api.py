"""The public verification routes of the API (``/api/v1/certificates/verify``, ``/verify/pdf``,
``/keys/published``): no login, rate-limited like the page.

Mounted under ``/certificates`` before the signed-in certificate routes (whose ``/{verification_id}``
would otherwise take ``/verify``); the operation ids are the ones these routes had there.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from cecert.certificates.domain import suspicious, verification
from cecert.certificates.domain.credential_verification import verify_credential_upload
from cecert.certificates.domain.signing_keys import published_keys
from cecert.certificates.models import VerificationRoute
from cecert.core.metrics import count_verdict
from cecert.core.network import client_address
from cecert.core.ratelimit import over_limit

router = Router(tags=["certificates"])


class VerifyIn(Schema):
    number: str = ""
    name: str = ""
    qr: str = ""


def _too_many() -> Any:
    from ninja.responses import Response

    return Response(
        {"errors": [{"field": "", "message_zh": "查验过于频繁，请稍后再试", "message_en": "too many requests"}]},
        status=429,
    )


def _answer(request: HttpRequest, result: verification.Verification, route: VerificationRoute, verdict: str) -> Any:
    """What every file or code route does with its answer: a forged or tampered one recorded for the
    issuing department, the verdict counted, the answer returned."""
    suspicious.record(result, route=route, client=client_address(request))
    count_verdict(verdict, result.status)
    return result.as_dict()


@router.post(
    "/verify",
    auth=None,
    operation_id="cecert_certificates_api_verify",
    summary="证书查验（无需登录）/ public verification",
)
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    """By ``number`` (a certificate serial or a 证书管理号) and the holder's ``name``, or by a ``qr`` payload.

    ``status``: genuine / revoked / not_found / tampered, or ``moved_in`` for the serial of an annual
    certificate moved in from the current platform: the register entry as the page shows it, with
    ``signed: false`` — not issued or signed here, nothing of the document itself verified (ADR 0023)."""
    if over_limit(request, "verify"):
        return _too_many()
    if payload.qr:
        return _answer(request, verification.verify_qr(payload.qr[:4096]), VerificationRoute.QR_API, "api_qr")
    result = verification.verify_by_number(payload.number[:40], payload.name[:64])
    count_verdict("api_number", result.status)
    return result.as_dict()


@router.post(
    "/verify/pdf",
    auth=None,
    operation_id="cecert_certificates_api_verify_pdf",
    summary="上传证书PDF查验（无需登录）/ verify an uploaded certificate PDF",
)
def verify_pdf(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008 (ninja's API)
    """The seal, the signed revision's facts against the register, the issuing department's key.

    ``status``: genuine / revoked / not_found / tampered; ``reason`` a stable code when not genuine.
    Rate-limited like the page; a tampered file is recorded for the issuing department."""
    if over_limit(request, "verify"):
        return _too_many()
    return _answer(request, verification.verify_upload(file), VerificationRoute.API_UPLOAD, "api_upload")


@router.post(
    "/verify/credential",
    auth=None,
    operation_id="cecert_certificates_api_verify_credential",
    summary="上传电子凭证查验（无需登录）/ verify an uploaded credential",
)
def verify_credential(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008 (ninja's API)
    """An Open Badges 3.0 credential as a compact JWS (``application/vc+jwt``) or JSON carrying one
    (ADR 0024). Answers like ``/verify/pdf``; a forged or tampered credential is recorded."""
    if over_limit(request, "verify"):
        return _too_many()
    return _answer(request, verify_credential_upload(file), VerificationRoute.CREDENTIAL_API, "api_credential")


@router.get(
    "/keys/published",
    auth=None,
    operation_id="cecert_certificates_api_keys",
    summary="发证部门公钥 / published issuer keys",
)
def keys(request: HttpRequest) -> dict[str, Any]:
    return published_keys()
