"""Certificate management numbers brought from the current platform (Article 13): checked, kept, counted past.

A kept number must have Article 13's structure: 13 digits, ``41``, then a
6-digit prefix that this platform would itself give someone (the issuing-level
code of the province, a city or a province-administered county, and a county's
digits or ``00``). Where the person works now does not decide it: the number
names where they first registered and stays when they move (the spec's
reading of Article 13), so a 洛阳 number is accepted for someone now in 郑州.

Once kept, the prefix's counter (``CertificateNumberSequence``) is advanced
past the number, so a number issued later here never collides with it. Rows
without a number get new ones from the same counters, one ``UPDATE`` per
prefix and chunk.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import F
from django.db.models.functions import Greatest

from cecert.accounts.domain.numbering import MAX_SERIAL, SERIAL_DIGITS
from cecert.accounts.models import CertificateNumberSequence
from cecert.core.errors import DomainError
from cecert.regions.domain import certificate_prefix
from cecert.regions.models import HENAN_PREFIX, PROVINCIAL_DIRECT_ISSUING_CODE, Region

_SHAPE = re.compile(r"^\d{13}$")


def known_prefixes() -> set[str]:
    """Every 6-digit prefix this platform issues under (regions whose issuing level has a code)."""
    prefixes = {HENAN_PREFIX + PROVINCIAL_DIRECT_ISSUING_CODE + "00"}
    for region in Region.objects.select_related("parent", "parent__parent"):
        try:
            prefixes.add(certificate_prefix(region, provincial_direct=False))
        except DomainError:
            continue  # an issuing level without a code yet: nothing is issued under it
    return prefixes


def number_problem(number: str, prefixes: set[str]) -> tuple[str, str] | None:
    """Why ``number`` is not a kept Article 13 number (Chinese, English), or None."""
    if not _SHAPE.match(number):
        return "证书编号应为 13 位数字", "the certificate number has 13 digits"
    if not number.startswith(HENAN_PREFIX):
        return "证书编号前 2 位应为 41（河南）", "the certificate number must begin with 41 (Henan)"
    if number[:6] not in prefixes:
        return (
            f"证书编号第 3—6 位“{number[2:6]}”不是河南的省直单位、省辖市、省直管县（市）及县（区）代码（第十三条）",
            f"digits 3-6 ({number[2:6]}) are not an Article 13 issuing level and county of Henan",
        )
    if int(number[6:]) == 0:
        return "证书编号第 7—13 位不能全为 0", "the serial (digits 7-13) cannot be zero"
    return None


def _ensure_rows(prefixes: Iterable[str]) -> None:
    CertificateNumberSequence.objects.bulk_create(
        [CertificateNumberSequence(prefix=p, last_serial=0) for p in sorted(set(prefixes))], ignore_conflicts=True
    )


def advance_past(numbers: Iterable[str]) -> None:
    """Move each prefix's counter to at least the highest kept serial under it (one UPDATE per prefix)."""
    highest: dict[str, int] = {}
    for number in numbers:
        prefix, serial = number[:6], int(number[6:])
        highest[prefix] = max(highest.get(prefix, 0), serial)
    _ensure_rows(highest)
    for prefix in sorted(highest):  # a stable lock order between concurrent commits
        CertificateNumberSequence.objects.filter(prefix=prefix).update(
            last_serial=Greatest(F("last_serial"), highest[prefix])
        )


def allocate(prefixes: list[str]) -> list[str]:
    """New numbers for ``prefixes`` (one per entry, in order): one UPDATE per distinct prefix."""
    wanted: dict[str, int] = defaultdict(int)
    for prefix in prefixes:
        wanted[prefix] += 1
    _ensure_rows(wanted)
    ranges: dict[str, Iterator[int]] = {}
    for prefix in sorted(wanted):
        count = wanted[prefix]
        CertificateNumberSequence.objects.filter(prefix=prefix).update(last_serial=F("last_serial") + count)
        last = CertificateNumberSequence.objects.values_list("last_serial", flat=True).get(prefix=prefix)
        if last > MAX_SERIAL:
            raise DomainError(
                "certificate_number", f"{prefix}下的证书管理号已用尽", f"no certificate numbers left under {prefix}"
            )
        ranges[prefix] = iter(range(last - count + 1, last + 1))
    return [f"{prefix}{next(ranges[prefix]):0{SERIAL_DIGITS}d}" for prefix in prefixes]
