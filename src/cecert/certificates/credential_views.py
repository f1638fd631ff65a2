"""Portable credentials (ADR 0024): the holder's or issuing department's download. What any verifier
needs without an account (issuer profiles, the JWKS, status lists, verification of an uploaded
credential) is public and lives in ``cecert.verification.credentials``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from cecert.accounts.models import User
from cecert.certificates.domain import credentials
from cecert.certificates.models import Certificate
from cecert.core.errors import DomainError

JSON_PARAMS = {"ensure_ascii": False, "indent": 1}


@login_required
@require_GET
def credential_download(request: HttpRequest, verification_id: uuid.UUID) -> HttpResponse:
    """The signed credential, for the holder and the issuing department only (404 for anyone else)."""
    user: User = request.user  # type: ignore[assignment]
    certificate = (
        Certificate.objects.restrict(user)
        .select_related("person", "issuer", "issuer__region")
        .filter(verification_id=verification_id)
        .first()
    )
    if certificate is None or not credentials.may_export(user, certificate):
        raise Http404
    try:
        token = credentials.export_credential(certificate, by=user)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("certificates:detail", certificate.verification_id)
    response = HttpResponse(token, content_type=credentials.MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{credentials.credential_filename(certificate)}"'
    response["Cache-Control"] = "private, no-store"
    return response
