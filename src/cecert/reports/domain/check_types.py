"""Check types of the title-evaluation and expert check (Articles 3 and 14), as data.

第十四条 凡申报享受政府特殊津贴人员、百千万人才工程国家级人选、省级学术技术带头人和省职业教育教学专家等
国家级或省级专家人选者，需完成《专业技术人员继续教育规定》规定的培训时间和内容，《证书》作为申报国家、
省级专家基本条件之一。省辖市、省直管县（市）、省业务主管部门对申报市（厅）级专家的专业技术人员也应参照执行。

The types, their default span and certificate condition live in ``reports/data/check_types.json``
(ADR 0020 records the reading). ``municipal_expert`` is run only by the bodies the article names:
a city's or 省直管县's HR department, or a provincial industry authority.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cecert.accounts.models import Role
from cecert.regions.models import RegionLevel

if TYPE_CHECKING:
    from cecert.accounts.models import User

DATA = Path(__file__).resolve().parent.parent / "data" / "check_types.json"
DEFAULT = "title"


@dataclass(frozen=True)
class CheckType:
    code: str
    label: str
    level: str
    clause: str
    years: int
    certificate_each_year: bool
    run_by: str  # "officer" | "local"

    @property
    def title(self) -> str:
        return f"{self.label}申报" if self.code != DEFAULT else "职称评审"

    @property
    def condition(self) -> str:
        text = "所选各年度均完成继续教育任务"
        if self.certificate_each_year:
            text += "，且每一年度均持有显示已达标的有效年度《证书》"
        return text


@cache
def check_types() -> dict[str, CheckType]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {t["code"]: CheckType(**t) for t in raw["types"]}


def may_run(check_type: CheckType, user: User) -> bool:
    """市（厅）级专家: 省辖市、省直管县（市）(HR departments), 省业务主管部门 (provincial industry authorities)."""
    if check_type.run_by != "local":
        return True
    for membership in user.active_memberships:
        org = membership.organisation
        if org is None:
            continue
        if membership.role == Role.HR_OFFICER and org.region.level in (RegionLevel.CITY, RegionLevel.DIRECT_COUNTY):
            return True
        if (
            membership.role == Role.INDUSTRY_OFFICER
            and org.kind == "industry"
            and org.region.level == RegionLevel.PROVINCE
        ):
            return True
    return False


def types_for(user: User) -> list[CheckType]:
    return [t for t in check_types().values() if may_run(t, user)]
