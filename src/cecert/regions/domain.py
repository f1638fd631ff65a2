"""Certificate-number prefixes (Article 13) and the issuing-code table."""

from __future__ import annotations

from django.db import transaction

from cecert.core.errors import DomainError
from cecert.regions.models import (
    HENAN_PREFIX,
    ISSUING_LEVELS,
    PROVINCIAL_DIRECT_ISSUING_CODE,
    Region,
    RegionLevel,
)


def certificate_prefix(region: Region, *, provincial_direct: bool) -> str:
    """The first six digits of a certificate number for someone registered in ``region``.

    Digits 3–4 name the issuing level, digits 5–6 the county or district, ``00``
    for units directly under a city or the province.
    """
    if provincial_direct or region.level == RegionLevel.PROVINCE:
        return HENAN_PREFIX + PROVINCIAL_DIRECT_ISSUING_CODE + "00"
    issuing = region.issuing_region
    if not issuing.issuing_code:
        raise DomainError(
            "issuing_code",
            f"{issuing.name}尚未配置发证级别代码",
            f"{issuing.name} has no issuing-level code",
        )
    county_digits = "00" if region.level == RegionLevel.CITY else region.code[4:6]
    return HENAN_PREFIX + issuing.issuing_code + county_digits


def set_issuing_code(region: Region, code: str) -> None:
    """Change a level code; refused once any number has been issued under it."""
    from cecert.accounts.models import CertificateNumberSequence

    if region.level not in ISSUING_LEVELS:
        raise DomainError(
            "region",
            "只有省、省辖市和省直管县（市）有发证级别代码",
            "only the province, cities and province-administered counties have a code",
        )
    if len(code) != 2 or not code.isdigit():
        raise DomainError("issuing_code", "发证级别代码须为2位数字", "the code must be two digits")
    with transaction.atomic():
        taken = Region.objects.filter(issuing_code=code).exclude(pk=region.pk)
        if taken.exists():
            raise DomainError(
                "issuing_code", f"代码{code}已被{taken.first()}使用", f"code {code} is already used by another region"
            )
        if (
            region.issuing_code
            and CertificateNumberSequence.objects.filter(prefix__startswith=HENAN_PREFIX + region.issuing_code).exists()
        ):
            raise DomainError(
                "issuing_code",
                "该代码下已发放证书管理号，不能修改",
                "numbers have been issued under this code; it can no longer change",
            )
        region.issuing_code = code
        region.save(update_fields=["issuing_code"])
