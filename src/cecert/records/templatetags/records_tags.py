from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from cecert.crediting.decimals import format_decimal

register = template.Library()


@register.filter
def hours(value: Any) -> str:
    """``24`` not ``24.0``; ``12.5`` stays. Empty for None."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(str(value)))


@register.filter
def policy_title(key: str) -> str:
    """The Chinese title of a stored policy version (pages never show the internal ``id@version``)."""
    from cecert.policies.domain.registry import policy_title as title

    return title(key)
