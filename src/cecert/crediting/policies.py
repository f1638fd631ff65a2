"""Versioned policy tables (Articles 5, 7, 8 and their local/industry variants).

Policies are data. The platform ships one: the 2017 provincial policy
(``data/policies.json``). Local and industry rules are *filed* rules (Article
16, 7(13)) that live in the database (``cecert.policies``) and are handed to
this pure core as a :class:`PolicySet`; invented examples live in test
fixtures only and never decide a real person's year.

A policy's scope is *jurisdictional*, not a code prefix: ``region_path`` is the
materialized path of the city or province-administered county whose HR
department made the rule (``410000/410400/`` for 平顶山), and a person is in
scope when their employer's jurisdiction path starts with it. Because 省直管县
hang directly under the province (``410000/410482/`` for 汝州), a city's rule
never reaches them (Article 12). ``industry`` scopes a provincial industry
authority's rule to employers of that industry.

``select_policy`` picks the one in force for a date and a person; its ``key``
(``id@version``) is stored with every record so a result can always be
recomputed under the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
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
    # Hours the filed rule fixes for one activity of this form (Article 7(13)); None: confirmed case by case.
    hours: Decimal | None = Field(default=None, gt=0)


class Policy(_Frozen):
    id: str
    version: str
    title_zh: str
    title_en: str
    source: str
    example: bool
    valid_from: date
    valid_to: date | None
    # Materialized path of the issuing region (city or 省直管县) whose rule this is; None: the whole province.
    region_path: str | None = Field(default=None, pattern=r"^(\d{6}/)+$")
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
            if name not in ("region_path", "industry", "valid_to", "example")
        }
        return _deep_merge(inherited, entry)

    return tuple(Policy.model_validate(resolved(key)) for key in raw_by_key)


PROVINCE_PATH = "410000/"


def province_only(code: str) -> str | None:
    """Region resolver of the shipped set: it holds only provincial policies, so every region is the province."""
    return PROVINCE_PATH


def normalise_region_code(code: str) -> str:
    """``"41"`` → ``"410000"``, ``"4104"`` → ``"410400"``; six digits stay."""
    return code.ljust(6, "0")


@dataclass(frozen=True)
class PolicySet:
    """The policies that may decide, and how to place a region code in the jurisdiction tree.

    ``region_path`` maps a six-digit region code to its materialized path
    (``None`` for an unknown code). The platform builds the set from the filed
    rules in its database; the pure default holds the shipped provincial policy.
    """

    policies: tuple[Policy, ...]
    region_path: Callable[[str], str | None] = province_only

    def get(self, key: str) -> Policy:
        for policy in self.policies:
            if policy.key == key:
                return policy
        raise KeyError(key)

    def path_of(self, region_code: str | None) -> str | None:
        """The jurisdiction path of a region code; ``LookupError`` for a code not in Henan's divisions."""
        if region_code is None:
            return None
        path = self.region_path(normalise_region_code(region_code))
        if path is None:
            raise LookupError(region_code)
        return path

    def select(self, on: date, *, region_path: str | None = None, industry: str | None = None) -> Policy:
        return select_policy(on, region_path=region_path, industry=industry, policies=self.policies)


@cache
def all_policies() -> tuple[Policy, ...]:
    """The shipped policies: the provincial policy alone."""
    text = resources.files("cecert.crediting").joinpath("data/policies.json").read_text("utf-8")
    return load_policies(text)


def shipped_policy_set() -> PolicySet:
    return PolicySet(all_policies())


def get_policy(key: str) -> Policy:
    """A shipped policy by ``id@version``."""
    return shipped_policy_set().get(key)


def _specificity(policy: Policy, region_path: str | None, industry: str | None) -> int | None:
    """How specifically ``policy`` fits the person; ``None`` if it does not apply.

    An industry scheme beats a regional rule; a deeper region beats a shallower one;
    the provincial default fits everyone.
    """
    if policy.industry is not None and policy.industry != industry:
        return None
    if policy.region_path is not None and not (region_path is not None and region_path.startswith(policy.region_path)):
        return None
    return (1000 if policy.industry is not None else 0) + len(policy.region_path or "")


def select_policy(
    on: date,
    *,
    region_path: str | None = None,
    industry: str | None = None,
    policies: tuple[Policy, ...] | None = None,
) -> Policy:
    """The policy in force on ``on`` for a person whose employer sits at ``region_path`` in ``industry``.

    ``region_path`` is the employer's jurisdiction path (provincial-direct units
    sit at the province). The most specific applicable policy wins; among
    equally specific ones the latest ``valid_from`` on or before ``on``. An
    industry or region with no policy of its own falls back to the provincial
    default.
    """
    best: tuple[int, date] | None = None
    chosen: Policy | None = None
    for policy in policies if policies is not None else all_policies():
        if not policy.in_force_on(on):
            continue
        specificity = _specificity(policy, region_path, industry)
        if specificity is None:
            continue
        rank = (specificity, policy.valid_from)
        if best is None or rank > best:
            best, chosen = rank, policy
    if chosen is None:
        raise NoPolicyError(f"no crediting policy in force on {on.isoformat()}")
    return chosen
