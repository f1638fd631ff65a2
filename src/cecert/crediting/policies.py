"""Versioned policy tables (Articles 5, 7, 8 and their local/industry variants).

Policies are data (``data/policies.json``): the 2017 provincial default, and
overrides scoped to a region-code prefix (a city's Article 16 implementation
rule) or an industry (an Article 5 credit scheme). ``select_policy`` picks the
one in force for a date and a person; its ``key`` (``id@version``) is stored
with every record so a result can always be recomputed under the same rules.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequirementTable(_Frozen):
    total: int = Field(ge=0)
    public: int = Field(ge=0)
    professional: int = Field(ge=0)


class LeaveRules(_Frozen):
    """Article 8: which leave kinds shrink the requirement, and when."""

    more_than_half_year_kinds: frozenset[str]
    always_kinds: frozenset[str]


class ConferenceRate(_Frozen):
    per_day: Decimal
    presented_bonus: Decimal


class Rates(_Frozen):
    """Article 7 numbers. Ranked tables list hours for rank 1, 2, ...; a rank past the end is 0."""

    degree_course_per_course: Decimal
    course_study_per_month: Decimal
    course_study_deems_professional_from_months: int
    conference: dict[str, ConferenceRate]
    research_project_by_rank: dict[str, dict[str, tuple[Decimal, ...]]]
    book_per_ten_thousand_chars_by_rank: tuple[Decimal, ...]
    paper_by_rank: dict[str, tuple[Decimal, ...]]
    patent_by_rank: dict[str, tuple[Decimal, ...]]
    award_by_rank: dict[str, tuple[Decimal, ...]]
    qualification_exam: dict[str, Decimal]
    endorsed_report: Decimal
    aid_assignment_deems_both_from_months: int
    grassroots_service_per_day: Decimal


class OtherKind(_Frozen):
    """A 7(13) "other" activity kind a policy defines, with its own conversion rule."""

    title_zh: str
    title_en: str
    subject: Literal["public", "professional"]
    hours_per_credit: Decimal | None = None


class Policy(_Frozen):
    id: str
    version: str
    title_zh: str
    title_en: str
    source: str
    example: bool
    valid_from: date
    valid_to: date | None
    region_prefix: str | None = None
    industry: str | None = None
    unit: Literal["hour", "credit"]
    # Credit policies only: how many 学时 make one 学分 for activities without a kind rule.
    hours_per_credit: Decimal | None = None
    requirement: RequirementTable
    leave: LeaveRules
    rates: Rates
    other_kinds: dict[str, OtherKind] = Field(default_factory=dict)
    extends: str | None = None

    @model_validator(mode="after")
    def _credit_policies_convert_hours(self) -> Policy:
        if self.unit == "credit" and self.hours_per_credit is None:
            raise ValueError(f"credit policy {self.id} needs hours_per_credit")
        return self

    @property
    def key(self) -> str:
        """The id stored with records: ``id@version``."""
        return f"{self.id}@{self.version}"

    @property
    def unit_zh(self) -> str:
        return "学分" if self.unit == "credit" else "学时"

    def in_force_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class NoPolicyError(LookupError):
    """No policy is in force for the date asked (e.g. before the 2017 regulation)."""


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for name, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _deep_merge(merged[name], value)
        else:
            merged[name] = value
    return merged


def load_policies(raw_json: str) -> tuple[Policy, ...]:
    """Parse policy data; numbers become exact Decimals, ``extends`` is resolved."""
    document = json.loads(raw_json, parse_float=Decimal)
    raw_by_key: dict[str, dict[str, Any]] = {}
    for entry in document["policies"]:
        key = f"{entry['id']}@{entry['version']}"
        if key in raw_by_key:
            raise ValueError(f"duplicate policy {key}")
        raw_by_key[key] = entry

    def resolved(key: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        if key in seen:
            raise ValueError(f"policy extends cycle: {' -> '.join((*seen, key))}")
        entry = raw_by_key[key]
        parent = entry.get("extends")
        if parent is None:
            return entry
        # The child's own scope and dates must not be inherited from the parent.
        inherited = {
            name: value
            for name, value in resolved(parent, (*seen, key)).items()
            if name not in ("region_prefix", "industry", "valid_to", "example")
        }
        return _deep_merge(inherited, entry)

    return tuple(Policy.model_validate(resolved(key)) for key in raw_by_key)


@cache
def all_policies() -> tuple[Policy, ...]:
    text = resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8")
    return load_policies(text)


def get_policy(key: str) -> Policy:
    """The policy stored with a record, by ``id@version``."""
    for policy in all_policies():
        if policy.key == key:
            return policy
    raise KeyError(key)


def _specificity(policy: Policy, region_code: str | None, industry: str | None) -> int | None:
    """How specifically ``policy`` fits the person; ``None`` if it does not apply.

    Industry scheme > county (6-digit prefix) > city (4-digit) > province default.
    """
    if policy.industry is not None and policy.industry != industry:
        return None
    if policy.region_prefix is not None and not (
        region_code is not None and region_code.startswith(policy.region_prefix)
    ):
        return None
    return (100 if policy.industry is not None else 0) + len(policy.region_prefix or "")


def select_policy(
    on: date,
    region_code: str | None = None,
    industry: str | None = None,
    *,
    policies: tuple[Policy, ...] | None = None,
) -> Policy:
    """The policy in force on ``on`` for a person in ``region_code`` / ``industry``.

    The most specific applicable policy wins; among equally specific ones the
    latest ``valid_from`` on or before ``on``. An industry or region with no
    policy of its own falls back to the provincial default.
    """
    best: tuple[int, date] | None = None
    chosen: Policy | None = None
    for policy in policies if policies is not None else all_policies():
        if not policy.in_force_on(on):
            continue
        specificity = _specificity(policy, region_code, industry)
        if specificity is None:
            continue
        rank = (specificity, policy.valid_from)
        if best is None or rank > best:
            best, chosen = rank, policy
    if chosen is None:
        raise NoPolicyError(f"no crediting policy in force on {on.isoformat()}")
    return chosen
