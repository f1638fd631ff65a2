"""Certificate management numbers (证书管理号, Article 13).

A number is ``41`` + issuing-level code + county code + a 7-digit serial unique
within that 6-digit prefix. The serial comes from one counter row per prefix,
incremented with a single ``UPDATE``: the row lock it takes serialises
concurrent approvals on PostgreSQL, and a rolled-back approval rolls its
increment back too, so numbers are neither duplicated nor lost.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from cecert.accounts.models import CertificateNumberSequence
from cecert.core.errors import DomainError

SERIAL_DIGITS = 7
MAX_SERIAL = 10**SERIAL_DIGITS - 1


def allocate_certificate_number(prefix: str) -> str:
    if len(prefix) != 6 or not prefix.isdigit():
        raise ValueError(f"bad certificate-number prefix {prefix!r}")
    with transaction.atomic():
        CertificateNumberSequence.objects.bulk_create(
            [CertificateNumberSequence(prefix=prefix, last_serial=0)], ignore_conflicts=True
        )
        CertificateNumberSequence.objects.filter(prefix=prefix).update(last_serial=F("last_serial") + 1)
        serial = CertificateNumberSequence.objects.values_list("last_serial", flat=True).get(prefix=prefix)
        if serial > MAX_SERIAL:
            raise DomainError(
                "certificate_number", f"{prefix}下的证书管理号已用尽", f"no certificate numbers left under {prefix}"
            )
    return f"{prefix}{serial:0{SERIAL_DIGITS}d}"
