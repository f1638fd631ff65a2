"""Moved-in years as the rest of the platform reads them (ADR 0023).

* The year status (``records.domain.years.year_status``) joins ``LegacyYear``
  1:1 beside the certified sums: a moved-in year adds its certified amounts, is
  judged from the sum, and stays met when the current platform said so.
* Certificates (``certificates.domain.sources.certified_years``, single and
  batch issuance alike) state a moved-in year's amounts and verdict, and name
  where they came from.
* Article 14's checks (``reports.domain.certificates.annual_met_certificates``)
  accept a moved-in annual certificate that shows the year met: it was issued
  and sealed by the HR department named in it (Articles 12, 13) and is held here
  as a register entry, not re-signed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cecert.movein.models import LegacyYear

SOURCE_LABEL = "原平台迁入"


@dataclass(frozen=True)
class MovedInYear:
    public_hours: Decimal
    professional_hours: Decimal
    met: bool
    certificate_serial: str
    issuer: str
    issued_on: dt.date | None

    def to_json(self) -> dict[str, Any]:
        """As a completion proof states it (hours as text, like the rest of the snapshot)."""
        return {
            "source": SOURCE_LABEL,
            "public": str(self.public_hours),
            "professional": str(self.professional_hours),
            "met": self.met,
            "certificate_serial": self.certificate_serial,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat() if self.issued_on else "",
        }


def _moved_in(row: LegacyYear) -> MovedInYear:
    return MovedInYear(
        public_hours=Decimal(row.public_tenths) / 10,
        professional_hours=Decimal(row.professional_tenths) / 10,
        met=row.met,
        certificate_serial=row.certificate_serial or "",
        issuer=row.issuer.name if row.issuer else "",
        issued_on=row.issued_on,
    )


def moved_in_years(first_id: int, last_id: int, year: int) -> dict[int, MovedInYear]:
    """``{person id: moved-in year}`` of the people with ids ``first_id``–``last_id``: one query (a key
    range rather than a long ``IN`` list, like the batch's other reads)."""
    rows = LegacyYear.objects.filter(person_id__gte=first_id, person_id__lte=last_id, year=year)
    return {row.person_id: _moved_in(row) for row in rows.select_related("issuer").iterator(chunk_size=5000)}


@dataclass(frozen=True)
class LegacyCertificate:
    """A moved-in annual certificate as the register holds it: what public verification may say of it.

    ``holder_name`` is compared with the name a verifier gives and never shown."""

    serial: str
    holder_name: str
    year: int
    issuer: str
    issued_on: dt.date
    moved_in_on: dt.date
    met: bool


def legacy_certificate(serial: str) -> LegacyCertificate | None:
    """The moved-in annual certificate with this serial (as written, or in capitals: a verifier's form
    capitalises what is typed), or ``None``. One indexed query."""
    from django.utils import timezone

    serial = serial.strip()
    if not serial:
        return None
    rows = LegacyYear.objects.filter(certificate_serial__in={serial, serial.upper()}).values_list(
        "certificate_serial", "person__name", "year", "issuer__name", "issued_on", "imported_at", "met"
    )
    found = sorted(rows, key=lambda row: row[0] != serial)  # the serial as written first
    if not found:
        return None
    number, name, year, issuer, issued_on, imported_at, met = found[0]
    assert number is not None and issued_on is not None  # a serial comes with its issuer and date (constraint)
    return LegacyCertificate(
        serial=number,
        holder_name=name,
        year=year,
        issuer=issuer or "",
        issued_on=issued_on,
        moved_in_on=timezone.localdate(imported_at),
        met=met,
    )


def legacy_met_certificates(person_ids: Iterable[int], year_from: int, year_to: int) -> dict[tuple[int, int], str]:
    """``{(person id, year): serial}`` of moved-in annual certificates that show the year met."""
    rows = LegacyYear.objects.filter(
        person_id__in=list(person_ids),
        year__gte=year_from,
        year__lte=year_to,
        met=True,
        certificate_serial__isnull=False,
    ).values_list("person_id", "year", "certificate_serial")
    return {(person_id, year): serial or "" for person_id, year, serial in rows}
