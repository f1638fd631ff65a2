"""Suspicious verifications (Article 15: 《证书》不得伪造、翻印): every forged or tampered file or code
presented for verification is kept, append-only, for the department that issued the certificate it
claims to be.

Flooding: recording is capped, not coalesced (rows are never updated): at most
``CECERT_SUSPICIOUS_RECORDS = (per_client, overall, window_seconds)`` rows are written per client
address and in all per window; beyond that the refusal is still answered, only not stored again (a
warning is logged once per client and window). The counts are read from the table itself (indexed by
client and time), so the cap holds across processes and with the cache down. This is a cold path:
only refused files and codes reach it, never the number+name lookup.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from cecert.accounts.models import User
from cecert.certificates.domain.issuance import issuing_departments_of
from cecert.certificates.domain.verification import REASONS, Verification
from cecert.certificates.models import Certificate, SuspiciousVerification, VerificationRoute

log = logging.getLogger(__name__)

DEFAULT_CAP = (20, 2000, 3600)


def _cap() -> tuple[int, int, int]:
    per_client, overall, window = getattr(settings, "CECERT_SUSPICIOUS_RECORDS", DEFAULT_CAP)
    return int(per_client), int(overall), int(window)


def record(result: Verification, *, route: VerificationRoute, client: str) -> SuspiciousVerification | None:
    """Keep ``result`` if it is suspicious and the cap allows; the stored row, or None.

    Never fails the verification it records: a database error is logged and the verdict still answered.
    """
    if not result.is_suspicious:
        return None
    try:
        with transaction.atomic():
            return _record(result, route=route, client=client)
    except DatabaseError:
        log.exception("suspicious verification not recorded")
        return None


def _record(result: Verification, *, route: VerificationRoute, client: str) -> SuspiciousVerification | None:
    now = timezone.now()
    per_client, overall, window = _cap()
    since = now - dt.timedelta(seconds=window)
    client = (client or "")[:64]
    counts = SuspiciousVerification.objects.filter(created_at__gte=since).aggregate(
        all=Count("pk"), mine=Count("pk", filter=Q(client_address=client))
    )
    if counts["mine"] >= per_client or counts["all"] >= overall:
        if counts["mine"] == per_client or counts["all"] == overall:
            log.warning("suspicious verifications over the cap; not recorded (client %s)", client or "-")
        return None
    serials = [s for s in (result.claimed_serial, result.signed_serial) if s]
    certificate = None
    if serials:
        found = {c.serial: c for c in Certificate.objects.filter(serial__in=serials).only("pk", "serial", "issuer_id")}
        certificate = next((found[s] for s in serials if s in found), None)
    return SuspiciousVerification.objects.create(
        created_at=now,
        route=route,
        claimed_serial=result.claimed_serial[:40],
        signed_serial=result.signed_serial[:40],
        certificate=certificate,
        issuer_id=certificate.issuer_id if certificate else None,
        client_address=client,
        verdict=result.status,
        reason=result.reason[:32],
        detail=result.detail[:300],
        file_sha256=result.file_sha256,
    )


def reason_label(code: str) -> str:
    return REASONS.get(code, code)


def summary(user: User) -> dict[str, int] | None:
    """For an issuing department's officer: records in the last 30 days and in all (None for others)."""
    if not issuing_departments_of(user):
        return None
    qs = SuspiciousVerification.objects.restrict(user)
    since = timezone.now() - dt.timedelta(days=30)
    return qs.aggregate(total=Count("pk"), recent=Count("pk", filter=Q(created_at__gte=since)))
