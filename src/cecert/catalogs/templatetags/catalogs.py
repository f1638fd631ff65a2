"""``{% load catalogs %}{% public_course_suggestions person year %}``: guide courses when public hours are short."""

from __future__ import annotations

from typing import Any

from django import template

from cecert.accounts.models import Person
from cecert.catalogs.domain.catalogs import guide_suggestions

register = template.Library()


@register.inclusion_tag("catalogs/_guide_suggestions.html")
def public_course_suggestions(person: Person, year: int) -> dict[str, Any]:
    return {"suggestions": guide_suggestions(person, int(year))}
