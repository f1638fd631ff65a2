"""Whether the navigation offers the implementing-rules pages (Article 16) to this officer."""

from __future__ import annotations

from typing import Any

from django import template

from cecert.policies.domain.filing import drafting_organisation, is_provincial_hr

register = template.Library()


@register.filter
def files_rules(user: Any) -> bool:
    """Drafts rules (a city / 省直管县 HR department, a provincial industry authority) or files them (province)."""
    return bool(user.is_authenticated and (drafting_organisation(user) is not None or is_provincial_hr(user)))
