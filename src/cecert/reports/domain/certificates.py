"""The certificates app, seen from reports: annual certificates and completion proofs of people.

HOOK: reports only read ``cecert.certificates.models.Certificate``; when that
app is not installed, these functions answer "no certificates" so reports keep
working.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class CertificateInfo:
    serial: str
    kind: str
    kind_label: str
    year_from: int
    year_to: int
    version: int
    status: str
    status_label: str
    url: str

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"


def available() -> bool:
    return apps.is_installed("cecert.certificates")


def _info(cert: Any) -> CertificateInfo:
    try:
        url = reverse("certificates:detail", args=[cert.verification_id])
    except NoReverseMatch:
        url = ""
    return CertificateInfo(
        serial=cert.serial,
        kind=cert.kind,
        kind_label=cert.get_kind_display(),
        year_from=cert.year_from,
        year_to=cert.year_to,
        version=cert.version,
        status=cert.status,
        status_label=cert.get_status_display(),
        url=url,
    )


def certificates_by_year(person_ids: Iterable[int]) -> dict[tuple[int, int], list[CertificateInfo]]:
    """``{(person id, year): [annual certificates, every version]}`` (one query)."""
    if not available():
        return {}
    from cecert.certificates.models import Certificate, CertificateKind

    out: dict[tuple[int, int], list[CertificateInfo]] = defaultdict(list)
    qs = Certificate.objects.filter(person_id__in=list(person_ids), kind=CertificateKind.ANNUAL).order_by(
        "year_from", "-version"
    )
    for cert in qs:
        out[(cert.person_id, cert.year_from)].append(_info(cert))
    return dict(out)


def completion_proofs(person_ids: Iterable[int], year_from: int, year_to: int) -> dict[int, list[CertificateInfo]]:
    """Valid completion proofs covering ``year_from``–``year_to`` (and annual certificates are not)."""
    if not available():
        return {}
    from cecert.certificates.models import Certificate, CertificateKind, CertificateStatus

    out: dict[int, list[CertificateInfo]] = defaultdict(list)
    qs = Certificate.objects.filter(
        person_id__in=list(person_ids),
        kind=CertificateKind.COMPLETION_PROOF,
        status=CertificateStatus.VALID,
        year_from__lte=year_from,
        year_to__gte=year_to,
    ).order_by("-issued_at")
    for cert in qs:
        out[cert.person_id].append(_info(cert))
    return dict(out)


def annual_met_certificates(person_ids: Iterable[int], year_from: int, year_to: int) -> dict[tuple[int, int], str]:
    """``{(person id, year): serial}`` of valid annual certificates that show the year's requirement met."""
    if not available():
        return {}
    person_ids = list(person_ids)
    from cecert.certificates.models import Certificate, CertificateKind, CertificateStatus

    out: dict[tuple[int, int], str] = {}
    qs = Certificate.objects.filter(
        person_id__in=list(person_ids),
        kind=CertificateKind.ANNUAL,
        status=CertificateStatus.VALID,
        year_from__gte=year_from,
        year_from__lte=year_to,
        snapshot__met=True,
    ).values_list("person_id", "year_from", "serial")
    for person_id, year, serial in qs:
        out[(person_id, year)] = serial
    # Annual certificates moved in from the current platform, issued and sealed there by the department
    # Article 12 names (ADR 0023); a certificate issued here for the same year comes first.
    from cecert.movein.domain.history import legacy_met_certificates

    for key, serial in legacy_met_certificates(person_ids, year_from, year_to).items():
        out.setdefault(key, serial)
    return out
