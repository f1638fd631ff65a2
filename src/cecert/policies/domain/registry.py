"""The policies that decide: filed rows of ``CreditingPolicy`` as the pure core's ``PolicySet``.

Only rows in state ``filed`` are selectable (Article 16: a local rule applies
once filed with the provincial HR department); rows in state ``legacy`` (the
retired example policies some stored records still name) stay resolvable by
key, never selectable. Region codes resolve through the regions table, whose
paths place 省直管县 directly under the province (Article 12), so a city's rule
covers only the city's own counties and districts.

The set is rebuilt when the policy generation (a cache key bumped by every
filing) changes, so a process never decides by a stale set for long and never
reads the table per record.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from cecert.crediting.policies import Policy, PolicySet, load_policies, select_policy
from cecert.policies.domain.generation import current_generation, memo
from cecert.policies.models import CreditingPolicy, PolicyState
from cecert.regions.models import PROVINCE_CODE, Region


def policy_from_row(row: CreditingPolicy) -> Policy:
    """The pure core's ``Policy`` for one row; the row's columns override the body's scope, dates and title."""
    data: dict[str, Any] = dict(row.body)
    data.update(
        id=row.policy_id,
        version=row.version,
        title_zh=row.title,
        title_en=data.get("title_en") or row.title,
        source=row.document_number or data.get("source") or row.title,
        example=False,
        valid_from=row.effective_from.isoformat(),
        region_path=row.scope_path or None,
        industry=row.industry.name if row.industry is not None else None,
    )
    data.pop("extends", None)
    return load_policies(json.dumps({"policies": [data]}, default=str))[0]


def _region_paths() -> dict[str, str]:
    return dict(Region.objects.values_list("code", "path"))


def _build() -> tuple[PolicySet, dict[str, Policy]]:
    rows = list(
        CreditingPolicy.objects.filter(state__in=(PolicyState.FILED, PolicyState.LEGACY)).select_related("industry")
    )
    by_key = {row.key: policy_from_row(row) for row in rows}
    filed = tuple(by_key[row.key] for row in rows if row.state == PolicyState.FILED)
    paths = _region_paths()
    return PolicySet(filed, region_path=paths.get), by_key


def _cached() -> tuple[PolicySet, dict[str, Policy]]:
    generation = current_generation()
    if generation is None:
        return _build()
    built = getattr(memo, "built", None)
    if built is None or built[0] != generation:
        built = (generation, *_build())
        memo.built = built
    return built[1], built[2]


def filed_policy_set() -> PolicySet:
    """The filed policies, for the calculator, CLI, API and every record."""
    return _cached()[0]


def policy_by_key(key: str) -> Policy:
    """A stored record's policy by ``id@version`` (filed or legacy); ``KeyError`` if unknown."""
    known = _cached()[1]
    if key in known:
        return known[key]
    row = CreditingPolicy.objects.select_related("industry").get(key=key)  # a draft or returned rule
    return policy_from_row(row)


def policy_title(key: str) -> str:
    """The Chinese title of a stored policy version, for pages (never the internal key)."""
    try:
        return policy_by_key(key).title_zh
    except (KeyError, CreditingPolicy.DoesNotExist):
        from cecert.core.labels import policy_label

        return policy_label(key)  # words, never the internal key


def employer_region_path(employer: Any) -> str:
    """Where an employer sits for policies: provincial-direct units at the province (Article 12)."""
    return str(employer.jurisdiction_path)


def policy_for_employer(employer: Any, on: date) -> Policy:
    """The filed policy in force on ``on`` for the staff of ``employer`` (by jurisdiction and industry)."""
    industry = employer.industry.name if employer.industry_id is not None else None
    return select_policy(
        on,
        region_path=employer_region_path(employer),
        industry=industry,
        policies=filed_policy_set().policies,
    )


def province_path() -> str:
    return f"{PROVINCE_CODE}/"
