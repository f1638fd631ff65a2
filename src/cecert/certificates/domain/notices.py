"""Telling holders that a certificate was issued, replaced or revoked: the one place certificates send
notifications, through the notifications service (in-app, e-mail, SMS; ADR 0022)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from cecert.certificates.models import Certificate, CertificateKind


def tell_holders(certificates: Sequence[Certificate], *, event: str = "certificate.issued", reason: str = "") -> int:
    """One notification per holder (``certificate.person`` loaded), in the caller's transaction.

    A single certificate links to its own page; a batch to the holder's certificate list. Returns how
    many notifications were written.
    """
    from cecert.notifications.domain.sending import notify_each

    if not certificates:
        return 0
    url = (
        reverse("certificates:detail", args=[certificates[0].verification_id])
        if len(certificates) == 1
        else reverse("certificates:list")
    )
    items = [
        (
            c.person.user_id,
            {"name": c.person.name, "kind": CertificateKind(c.kind).label, "serial": c.serial, "reason": reason},
            None,
        )
        for c in certificates
    ]
    return notify_each(event, items, url=url)
