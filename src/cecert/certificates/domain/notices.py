"""Telling holders that a certificate was issued: the one place certificates send notifications.

Today this is the in-app notification (``review.domain.notifications.notify``); when the platform's
notifications service routes messages (SMS, e-mail), only this module changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.urls import reverse

from cecert.certificates.models import Certificate, CertificateKind


def _message(certificate: Certificate) -> str:
    if certificate.kind == CertificateKind.ANNUAL:
        what = f"您的{certificate.year_from}年度继续教育证书"
    else:
        what = f"您的{certificate.year_from}—{certificate.year_to}年继续教育完成情况证明"
    done = "已换发新版本" if certificate.replaces_id is not None else "已发放"
    return f"{what}{done}，可在“证书”页面查看和下载。"


def tell_holders(certificates: Sequence[Certificate]) -> int:
    """One notification per holder (``certificate.person`` loaded), in the caller's transaction.

    A single certificate links to its own page; a batch to the holder's certificate list. Returns how
    many notifications were written.
    """
    from cecert.review.domain.notifications import notify

    if not certificates:
        return 0
    single = len(certificates) == 1
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for certificate in certificates:
        url = (
            reverse("certificates:detail", args=[certificate.verification_id])
            if single
            else reverse("certificates:list")
        )
        groups[(_message(certificate), url)].add(certificate.person.user_id)
    return sum(notify(users, message, url=url) for (message, url), users in groups.items())
