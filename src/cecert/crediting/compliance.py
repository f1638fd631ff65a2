"""Articles 5 and 8 and the contract's compliance rules for one year."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cecert.crediting.decimals import decimal_to_json, round_half_up
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.evaluation import ActivityResult, Part, evaluate
from cecert.crediting.policies import NoPolicyError, Policy, PolicySet, shipped_policy_set
from cecert.crediting.schemas import ComplianceRequest, LeaveSchema

PARTS: tuple[Part, ...] = ("public", "professional")
_LEAVE_ZH = {
    "abroad": "在境外工作",
    "sick": "病假",
    "maternity": "生育",
    "other_approved": "其他经批准情况",
}


@dataclass(frozen=True)
class Requirement:
    """A year's requirement after Article 8 pro-rating, in the policy's unit (whole numbers)."""

    total: int
    public: int
    professional: int
    excused_days: int
    days_in_year: int
    policy_id: str
    unit: str
    explanation: str

    def part(self, name: str) -> int:
        return {"total": self.total, "public": self.public, "professional": self.professional}[name]

    def to_json(self) -> dict[str, int]:
        return {"total": self.total, "public": self.public, "professional": self.professional}


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _covered_days(leaves: Iterable[LeaveSchema], year: int) -> set[date]:
    """Distinct calendar days of ``year`` covered by ``leaves`` (clipped to the year)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days: set[date] = set()
    for leave in leaves:
        start, end = max(leave.start, first), min(leave.end, last)
        days.update(start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return days


def required_for_year(policy: Policy, year: int, leaves: Iterable[LeaveSchema] = ()) -> Requirement:
    """The year's requirement, pro-rated for qualifying leave (Article 8).

    ``abroad`` and ``sick`` leave qualify only when that kind's own days within
    the year exceed half the year; ``maternity`` and ``other_approved`` always.
    Excused days are the distinct days of the year under qualifying leave; each
    part becomes ``round_half_up(base × on_duty / days_in_year)`` (whole units).
    """
    leaves = list(leaves)
    days_in_year = _days_in_year(year)
    rules = policy.leave
    notes: list[str] = []
    qualifying: list[LeaveSchema] = []
    for kind in _LEAVE_ZH:
        of_kind = [leave for leave in leaves if leave.kind == kind]
        if not of_kind:
            continue
        kind_days = len(_covered_days(of_kind, year))
        if kind_days == 0:
            continue
        if kind in rules.always_kinds:
            qualifying.extend(of_kind)
            notes.append(f"{_LEAVE_ZH[kind]} {kind_days} 天")
        elif kind in rules.more_than_half_year_kinds:
            # "超过 6 个月" read as more than half the year's days (2 × days > days_in_year).
            if 2 * kind_days > days_in_year:
                qualifying.extend(of_kind)
                notes.append(f"{_LEAVE_ZH[kind]} {kind_days} 天，超过半年")
            else:
                notes.append(f"{_LEAVE_ZH[kind]} {kind_days} 天，未超过半年，不折算")
    excused_days = len(_covered_days(qualifying, year))
    on_duty = Fraction(days_in_year - excused_days, days_in_year)
    base = policy.requirement

    def prorated(value: int) -> int:
        return int(round_half_up(value * on_duty, 0))

    unit = policy.unit_zh
    explanation = (
        f"依据第五条（{policy.title_zh}）：总计 {base.total} {unit}，其中公需科目 {base.public} "
        f"{unit}、专业科目 {base.professional} {unit}"
    )
    if excused_days:
        explanation += (
            f"；依据第八条（{'；'.join(notes)}），按实际在岗 {days_in_year - excused_days}/"
            f"{days_in_year} 天折算（四舍五入取整）"
        )
    elif notes:
        explanation += f"；{'；'.join(notes)}"
    return Requirement(
        total=prorated(base.total),
        public=prorated(base.public),
        professional=prorated(base.professional),
        excused_days=excused_days,
        days_in_year=days_in_year,
        policy_id=policy.key,
        unit=policy.unit,
        explanation=explanation,
    )


@dataclass(frozen=True)
class IgnoredActivity:
    index: int
    type: str
    date: date
    reason_zh: str
    reason_en: str

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "type": self.type,
            "date": self.date.isoformat(),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True)
class ComplianceResult:
    year: int
    required: Requirement
    earned: dict[str, Decimal]
    deemed_complete: tuple[Part, ...]
    met: bool
    shortfall: dict[str, Decimal]
    results: tuple[tuple[int, ActivityResult], ...] = ()
    ignored: tuple[IgnoredActivity, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The contract's shape, extended by ``ignored``, ``activities`` and policy details."""
        return {
            "year": self.year,
            "required": self.required.to_json(),
            "earned": {name: decimal_to_json(value) for name, value in self.earned.items()},
            "deemed_complete": list(self.deemed_complete),
            "met": self.met,
            "shortfall": {name: decimal_to_json(value) for name, value in self.shortfall.items()},
            "excused_days": self.required.excused_days,
            "ignored": [item.to_json() for item in self.ignored],
            "activities": [{"index": index, **result.to_json()} for index, result in self.results],
            "policy_id": self.required.policy_id,
            "unit": self.required.unit,
            "explanation": self.required.explanation,
        }


def policy_for_year(request: ComplianceRequest, policy_set: PolicySet | None = None) -> Policy:
    """The policy a year is assessed by: the one in force on its last day."""
    from cecert.crediting.evaluation import region_path_or_error

    policy_set = policy_set or shipped_policy_set()
    region_path = region_path_or_error(policy_set, request.region_code)
    try:
        return policy_set.select(date(request.year, 12, 31), region_path=region_path, industry=request.industry)
    except NoPolicyError:
        raise CreditingInputError.single(
            "year",
            f"{request.year} 年无适用的学时认定政策（豫人社[2017]121号 自 2017-08-17 施行）",
            f"no crediting policy in force for {request.year}",
        ) from None


def assess_compliance(
    request: ComplianceRequest, *, today: date | None = None, policy_set: PolicySet | None = None
) -> ComplianceResult:
    """Judge one year: pro-rated requirement, earned hours, deemed parts, shortfall.

    An undated activity is dated today, as the contract says for every activity;
    activities dated outside the year are listed as ignored. Every counted
    activity is credited under the year's policy, so all amounts share its unit.
    """
    from cecert.crediting.evaluation import today_in_henan

    today = today or today_in_henan()
    policy = policy_for_year(request, policy_set)
    required = required_for_year(policy, request.year, request.leaves)

    results: list[tuple[int, ActivityResult]] = []
    ignored: list[IgnoredActivity] = []
    for index, activity in enumerate(request.activities):
        on = activity.date or today
        if on.year != request.year:
            dated = "" if activity.date else "（未填日期，按今天计）"
            ignored.append(
                IgnoredActivity(
                    index=index,
                    type=activity.type,
                    date=on,
                    reason_zh=f"日期 {on.isoformat()}{dated} 不在 {request.year} 年度内",
                    reason_en=f"dated {on.isoformat()}{'' if activity.date else ' (undated: today)'}"
                    f", outside {request.year}",
                )
            )
            continue
        try:
            results.append((index, evaluate(activity, policy)))
        except CreditingInputError as error:
            raise error.prefixed(f"activities[{index}]") from None

    earned_by_part: dict[str, Decimal] = {
        part: sum((r.amount for _, r in results if r.subject == part), Decimal(0)) for part in PARTS
    }
    earned: dict[str, Decimal] = {
        "total": earned_by_part["public"] + earned_by_part["professional"],
        **earned_by_part,
    }
    deemed = tuple(part for part in PARTS if any(part in r.completes for _, r in results))

    # A deemed part needs nothing more, and the total only needs what the parts
    # still to be earned need (professional deemed → total = public requirement).
    effective = {part: 0 if part in deemed else required.part(part) for part in PARTS}
    effective_total = required.total if not deemed else sum(effective[part] for part in PARTS if part not in deemed)
    needed: dict[str, Decimal] = {
        "total": Decimal(effective_total),
        **{p: Decimal(v) for p, v in effective.items()},
    }
    shortfall = {name: max(Decimal(0), needed[name] - earned[name]) for name in needed}
    return ComplianceResult(
        year=request.year,
        required=required,
        earned=earned,
        deemed_complete=deemed,
        met=all(value == 0 for value in shortfall.values()),
        shortfall=shortfall,
        results=tuple(results),
        ignored=tuple(ignored),
    )
