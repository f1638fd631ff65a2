"""Report tables: Chinese headers and rows, shared by the pages (HTML tables) and the .xlsx exports.

A ``Table`` yields plain cell values; rows of people come from a queryset
iterator, so an export of a whole province streams through memory.
ID numbers are masked unless ``IdNumberPolicy`` allows the full number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from cecert.accounts.models import Role
from cecert.records.enums import RecordState, RecordSubject
from cecert.reports.domain.queries import AGE_BUCKETS, BacklogRow, Figures, GroupRow, HistoryYear

if TYPE_CHECKING:
    from cecert.accounts.models import User
    from cecert.reports.domain.check_types import CheckType
    from cecert.reports.domain.checks import CheckRow

Cell = str | int | Decimal | dt.datetime | dt.date | None
UNIT_LABELS = {"hour": "学时", "credit": "学分"}


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: Iterable[list[Cell]]
    sheet: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# ID numbers


class IdNumberPolicy:
    """Who sees full ID numbers in reports: nobody, unless configured.

    The platform contract shows ID numbers masked everywhere but to their owner
    (platform.md). The least-privilege reading keeps them masked for every
    officer, in pages and exports alike. ``CECERT_REPORTS_FULL_ID_ROLES`` may
    name ``"employer_admin"``: then an employer admin's exports carry the full
    numbers of the employer's own staff (nobody else's) -- for title-evaluation
    dossiers that must quote them. HR and industry officers never get them.
    """

    def __init__(self, user: User) -> None:
        roles = set(getattr(settings, "CECERT_REPORTS_FULL_ID_ROLES", ()))
        self.employer_ids: frozenset[int] = (
            frozenset(org.pk for org in user.organisations_for(Role.EMPLOYER_ADMIN))
            if Role.EMPLOYER_ADMIN in roles
            else frozenset()
        )

    @property
    def any_full(self) -> bool:
        return bool(self.employer_ids)

    def show(self, masked: str, encrypted: str | None, employer_id: int | None) -> str:
        if encrypted and employer_id in self.employer_ids:
            from cecert.core.crypto import decrypt_text

            return decrypt_text(encrypted)
        return masked


# --------------------------------------------------------------------------------------------
# figures of groups

FIGURE_HEADERS = [
    "人数",
    "达标人数",
    "未达标人数",
    "完成率（%）",
    "公需科目达标人数",
    "专业科目达标人数",
    "应修学时合计",
    "已认定公需学时",
    "已认定专业学时",
    "已认定学时合计",
    "人均学时",
    "差额学时合计",
    "学分制人数",
    "已认定学分合计",
]


def figure_cells(f: Figures) -> list[Cell]:
    return [
        f.people,
        f.met,
        f.short,
        f.rate,
        f.met_public,
        f.met_professional,
        f.required_total,
        f.earned_public,
        f.earned_professional,
        f.earned_total,
        f.average_hours,
        f.shortfall_total,
        f.credit_people,
        f.earned_credits,
    ]


def group_table(name: str, title: str, first: str, rows: list[GroupRow], total: Figures | None) -> Table:
    cells = [[r.label, *figure_cells(r.figures)] for r in rows]
    if total is not None:
        cells.append(["合计", *figure_cells(total)])
    return Table(name, title, [first, *FIGURE_HEADERS], cells)


def subject_table(total: Figures) -> Table:
    def rate(n: int) -> Decimal | None:
        return (Decimal(n) * 100 / total.people).quantize(Decimal("0.1")) if total.people else None

    rows: list[list[Cell]] = [
        [
            str(RecordSubject.PUBLIC.label),
            total.required_public,
            total.earned_public,
            total.met_public,
            rate(total.met_public),
        ],
        [
            str(RecordSubject.PROFESSIONAL.label),
            total.required_professional,
            total.earned_professional,
            total.met_professional,
            rate(total.met_professional),
        ],
        ["合计", total.required_total, total.earned_total, total.met, rate(total.met)],
    ]
    return Table("subject", "按科目统计", ["科目", "应修学时", "已认定学时", "达标人数", "达标率（%）"], rows)


# --------------------------------------------------------------------------------------------
# people


SHORTFALL_HEADERS = [
    "姓名",
    "身份证号码",
    "证书管理号",
    "工作单位",
    "计量单位",
    "应修合计",
    "应修公需科目",
    "应修专业科目",
    "已认定公需科目",
    "已认定专业科目",
    "已认定合计",
    "公需科目差额",
    "专业科目差额",
    "合计差额",
]


def person_cells(row: dict[str, Any], ids: IdNumberPolicy) -> list[Cell]:
    return [
        row["name"],
        ids.show(row["id_number_masked"], row.get("id_number_encrypted"), row["employer_id"]),
        row["certificate_number"] or "",
        row["employer__name"],
        UNIT_LABELS.get(row["unit"] or "", row["unit"]),
        row["required_total"],
        row["required_public"],
        row["required_professional"],
        _d(row["earned_public"]),
        _d(row["earned_professional"]),
        _d(row["earned_total"]),
        _d(row["shortfall_public"]),
        _d(row["shortfall_professional"]),
        _d(row["shortfall_total"]),
    ]


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def shortfall_table(rows: Iterable[dict[str, Any]], ids: IdNumberPolicy, year: int) -> Table:
    return Table(
        "shortfall",
        f"{year}年度未达标人员",
        SHORTFALL_HEADERS,
        (person_cells(r, ids) for r in rows),
        sheet="未达标人员",
    )


YEAR_STATUS_HEADERS = [
    "证书管理号",
    "姓名",
    "工作单位",
    "应修总计",
    "应修公需",
    "应修专业",
    "公需已认定",
    "专业已认定",
    "合计",
    "是否达标",
]


def year_status_table(rows: Iterable[Any], year: int) -> Table:
    """The year status of people (rows from ``records.domain.status.year_status``), e.g. for the CSV export."""
    return Table(
        "year_status",
        f"{year}年度继续教育完成情况",
        YEAR_STATUS_HEADERS,
        (
            [
                p.certificate_number,
                p.name,
                p.employer.name,
                p.required_total,
                p.required_public,
                p.required_professional,
                p.earned_public,
                p.earned_professional,
                p.earned_total,
                "达标" if p.met else "未达标",
            ]
            for p in rows
        ),
        sheet="完成情况",
    )


# --------------------------------------------------------------------------------------------
# backlog


def local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: local wall-clock time, naive."""
    return None if value is None else timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def backlog_summary_table(rows: list[BacklogRow]) -> Table:
    headers = ["状态", "待审记录数", "最早进入该状态", "最长等待天数", *(label for _d, label in AGE_BUCKETS)]
    cells: list[list[Cell]] = [[r.label, r.count, local(r.oldest), r.oldest_days, *r.buckets] for r in rows]
    return Table("backlog", "审核积压", headers, cells)


BACKLOG_HEADERS = [
    "记录编号",
    "姓名",
    "身份证号码",
    "工作单位",
    "年度",
    "科目",
    "内容（名称）",
    "学时",
    "状态",
    "提交时间",
    "进入当前状态时间",
    "等待天数",
]


def backlog_records_table(
    records: Iterable[dict[str, Any]], ids: IdNumberPolicy, now: dt.datetime | None = None
) -> Table:
    now = now or timezone.now()
    subjects = dict(RecordSubject.choices)
    states = dict(RecordState.choices)

    def cells(r: dict[str, Any]) -> list[Cell]:
        return [
            r["pk"],
            r["person__name"],
            ids.show(r["person__id_number_masked"], r.get("person__id_number_encrypted"), r["person__employer_id"]),
            r["person__employer__name"],
            r["year"],
            str(subjects.get(r["subject"], r["subject"])),
            r["title"],
            r["hours"],
            str(states.get(r["state"], r["state"])),
            local(r["submitted_at"]),
            local(r["state_changed_at"]),
            (now - r["state_changed_at"]).days,
        ]

    return Table(
        "backlog_records", "待审核记录（按等待时间）", BACKLOG_HEADERS, (cells(r) for r in records), sheet="待审核记录"
    )


BACKLOG_FIELDS = (
    "pk",
    "person__name",
    "person__id_number_masked",
    "person__employer_id",
    "person__employer__name",
    "year",
    "subject",
    "title",
    "hours",
    "state",
    "submitted_at",
    "state_changed_at",
)


# --------------------------------------------------------------------------------------------
# history and checks


def history_table(name: str, years: list[HistoryYear]) -> Table:
    headers = [
        "年度",
        "计量单位",
        "应修合计",
        "应修公需科目",
        "应修专业科目",
        "已认定公需科目",
        "已认定专业科目",
        "已认定合计",
        "是否达标",
        "合计差额",
        "年度证书",
    ]

    def cells(h: HistoryYear) -> list[Cell]:
        s = h.status
        certs = "；".join(f"{c.serial}（{c.status_label}）" for c in h.certificates)
        return [
            h.year,
            UNIT_LABELS.get(s.get("unit") or "", s.get("unit")),
            s.get("required_total"),
            s.get("required_public"),
            s.get("required_professional"),
            _d(s.get("earned_public")),
            _d(s.get("earned_professional")),
            _d(s.get("earned_total")),
            "达标" if s.get("met") else "未达标",
            _d(s.get("shortfall_total")),
            certs,
        ]

    return Table("history", f"{name} 继续教育历年情况", headers, [cells(h) for h in years], sheet="历年情况")


def check_table(rows: list[CheckRow], years: list[int], check_type: CheckType | None = None) -> Table:
    with_certificates = check_type is not None and check_type.certificate_each_year
    headers = [
        "序号",
        "证书管理号或身份证号码",
        "姓名",
        "工作单位",
        "证书管理号",
        *(f"{y}年度" for y in years),
        *(["各年度《证书》"] if with_certificates else []),
        "核查结论",
        "完成情况证明",
    ]

    def cells(r: CheckRow) -> list[Cell]:
        per_year = [("达标" if r.years.get(y) else "未达标") if r.found else "" for y in years]
        proofs = "；".join(p.serial for p in r.proofs)
        certificates = "；".join(f"{y}：{r.certificates.get(y, '无')}" for y in years) if r.found else ""
        extra: list[Cell] = [certificates] if with_certificates else []
        return [r.line, r.shown, r.name, r.employer, r.certificate_number, *per_year, *extra, r.verdict, proofs]

    label = f"{check_type.title}" if check_type is not None else "职称评审"
    return Table(
        "check",
        f"{years[0]}—{years[-1]}年度继续教育核查（{label}）",
        headers,
        [cells(r) for r in rows],
        sheet="核查结果",
    )
