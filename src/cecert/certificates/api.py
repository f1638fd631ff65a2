"""``/api/v1/certificates``: certificates within the caller's jurisdiction.

Anything outside the caller's jurisdiction answers 404. The public verification routes under the
same prefix are ``cecert.verification.api``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.security import django_auth

from cecert.api.params import Limit, Offset
from cecert.certificates.domain import credentials, verification
from cecert.certificates.domain.rendering import certificate_pdf
from cecert.certificates.models import Certificate

router = Router(tags=["certificates"])


def _restricted(request: HttpRequest) -> Any:
    return Certificate.objects.restrict(request.user).select_related("replaced_by")  # type: ignore[arg-type]


@router.get("", auth=django_auth, summary="辖区内证书 / certificates in jurisdiction")
def list_certificates(request: HttpRequest, limit: Limit = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    qs = _restricted(request).order_by("pk")[offset : offset + limit]
    return [verification.public_view(c) | {"person_id": c.person_id} for c in qs]


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
