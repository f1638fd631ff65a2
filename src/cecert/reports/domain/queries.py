"""Set-based report figures over the year status of ``cecert.records.domain.years``.

Compliance is not re-implemented here: ``year_status`` (the records app's one
grouped query, per person) is wrapped as a subquery and grouped again in SQL,
by region, employer, industry and unit. Python only adds up the few group rows
(never people). Amounts are in the unit of each person's policy: people under
a credit policy (学分制) are counted for completion but their credits are kept
apart from hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case as CaseExpr
from django.db.models import CharField, Count, Expression, F, IntegerField, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from cecert.accounts.models import Person
from cecert.organisations.models import Industry, Organisation
from cecert.records.domain.years import ensure_person_years, year_status
from cecert.records.enums import PENDING_STATES, RecordState
from cecert.records.models import PersonYear, Record
from cecert.regions.models import Region
from cecert.reports.domain.scope import Node, ReportScope, direct_units_label

TENTH = Decimal("0.1")
HOUR = "hour"
# Columns of year_status that the grouped query reads.
STATUS_COLUMNS = (
    "met",
    "unit",
    "required_total",
    "required_public",
    "required_professional",
    "earned_public",
    "earned_professional",
    "earned_total",
    "shortfall_total",
    "shortfall_public",
    "shortfall_professional",
)


def _dec(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value)).quantize(TENTH)


@dataclass(frozen=True)
class Figures:
    """Completion and hours of a group of people for one year (sums over people)."""

    people: int = 0
    met: int = 0
    met_public: int = 0
    met_professional: int = 0
    hour_people: int = 0  # people assessed in hours; the sums below are theirs
    required_total: Decimal = Decimal(0)
    required_public: Decimal = Decimal(0)
    required_professional: Decimal = Decimal(0)
    earned_public: Decimal = Decimal(0)
    earned_professional: Decimal = Decimal(0)
    earned_total: Decimal = Decimal(0)
    shortfall_total: Decimal = Decimal(0)
    credit_people: int = 0  # people under a credit policy (学分制)
    earned_credits: Decimal = Decimal(0)

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __sub__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    @property
    def short(self) -> int:
        return self.people - self.met

    @property
    def rate(self) -> Decimal | None:
        """Completion rate in percent, one decimal (None for an empty group)."""
        if not self.people:
            return None
        return (Decimal(self.met) * 100 / self.people).quantize(TENTH)

    @property
    def average_hours(self) -> Decimal | None:
        if not self.hour_people:
            return None
        return (self.earned_total / self.hour_people).quantize(TENTH)


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    figures: Figures
    node: Node | None = None  # where clicking the row drills down to


# --------------------------------------------------------------------------------------------
# the grouped query


def _status_sql(people: QuerySet[Person], year: int, keys: dict[str, Expression | F]) -> tuple[str, tuple[Any, ...]]:
    annotated = people.annotate(**{f"k_{name}": expr for name, expr in keys.items()})
    inner = year_status(annotated, year, ensure=False).values(*(f"k_{n}" for n in keys), *STATUS_COLUMNS)
    sql, params = inner.query.sql_with_params()
    return sql, tuple(params)


def grouped_figures(
    people: QuerySet[Person], year: int, keys: dict[str, Expression | F] | None = None, *, ensure: bool = True
) -> dict[tuple[Any, ...], Figures]:
    """``{key tuple: Figures}`` for ``people`` in ``year``, grouped by the ``keys`` expressions on Person.

    One SQL statement: ``SELECT keys, COUNT(*), SUM(...) FROM (year_status) GROUP BY keys``.
    """
    keys = keys or {}
    opened = ensure_person_years(people, year) if ensure else 0
    # Where the people are read (a report's replica), unless this call has just opened rows on the primary.
    db = connections[DEFAULT_DB_ALIAS if opened else people.db]
    inner_sql, params = _status_sql(people, year, keys)
    q = db.ops.quote_name
    key_cols = [f"s.{q('k_' + name)}" for name in keys]
    hour = f"s.{q('unit')} = 'hour'"
    select = [
        *key_cols,
        "COUNT(*)",
        f"SUM(CASE WHEN s.{q('met')} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN s.{q('shortfall_public')} = 0 THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN s.{q('shortfall_professional')} = 0 THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN {hour} THEN 1 ELSE 0 END)",
        *(
            f"SUM(CASE WHEN {hour} THEN s.{q(col)} ELSE 0 END)"
            for col in (
                "required_total",
                "required_public",
                "required_professional",
                "earned_public",
                "earned_professional",
                "earned_total",
                "shortfall_total",
            )
        ),
        f"SUM(CASE WHEN {hour} THEN 0 ELSE 1 END)",
        f"SUM(CASE WHEN {hour} THEN 0 ELSE s.{q('earned_total')} END)",
    ]
    sql = f"SELECT {', '.join(select)} FROM ({inner_sql}) s"  # noqa: S608 - built from quoted names only
    if key_cols:
        sql += f" GROUP BY {', '.join(key_cols)}"
    out: dict[tuple[Any, ...], Figures] = {}
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        if db.vendor == "postgresql":
            # JIT compiling this wide expression list costs more (~1.7 s) than it saves at provincial scale.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            n = len(keys)
            values = row[n:]
            if not values[0]:
                continue
            out[tuple(row[:n])] = Figures(
                people=int(values[0]),
                met=int(values[1] or 0),
                met_public=int(values[2] or 0),
                met_professional=int(values[3] or 0),
                hour_people=int(values[4] or 0),
                required_total=_dec(values[5]),
                required_public=_dec(values[6]),
                required_professional=_dec(values[7]),
                earned_public=_dec(values[8]),
                earned_professional=_dec(values[9]),
                earned_total=_dec(values[10]),
                shortfall_total=_dec(values[11]),
                credit_people=int(values[12] or 0),
                earned_credits=_dec(values[13]),
            )
    return out


def total(figures: Iterable[Figures]) -> Figures:
    result = Figures()
    for f in figures:
        result = result + f
    return result


# --------------------------------------------------------------------------------------------
# the dashboard


@dataclass(frozen=True)
class Dashboard:
    year: int
    total: Figures
    by_area: list[GroupRow]  # child regions, directly attached units, or employers
    area_header: str
    by_industry: list[GroupRow]


def _area_key(node: Node) -> tuple[str, Expression | F]:
    """The drill-down key under ``node``: the child region's code, '' for units attached here, or employer."""
    if node.kind == "region" and node.region is not None and Region.objects.filter(parent=node.region).exists():
        path = node.region.path
        expr = CaseExpr(
            When(employer__jurisdiction_path=path, then=Value("")),
            default=Substr("employer__jurisdiction_path", len(path) + 1, 6),
            output_field=CharField(),
        )
        return "region", expr
    return "employer", F("employer_id")


def kept_figures(
    scope: ReportScope, year: int, keys: dict[str, Expression | F]
) -> dict[tuple[Any, ...], Figures] | None:
    """The scope's figures grouped by ``keys`` from the kept per-employer rows; None when the year is not kept.

    ``keys`` and the scope's filters name the employer as the people's do (``employer__…``), so the same
    expressions apply to ``EmployerYearFigures``. The jurisdiction filter is ``person_scope`` itself;
    its clause for one's own person (``user_id``) matches no employer row (an annotated NULL).
    """
    from cecert.accounts.jurisdiction import person_scope
    from cecert.reports.models import EmployerYearFigures, KeptYear

    if not KeptYear.objects.filter(year=year, ready=True).exists():
        return None
    rows = EmployerYearFigures.objects.filter(year=year)
    kinds = {f.name: isinstance(f.default, int) for f in fields(Figures)}  # counts, else amounts
    grouped = (
        rows.annotate(user_id=Value(None, output_field=IntegerField()))
        .filter(person_scope(scope.user), scope.node.person_filter())
        .values(**{f"k_{name}": expr for name, expr in keys.items()})
        .annotate(**{f"s_{n}": Sum(n) for n in kinds})
        .order_by()
    )
    out: dict[tuple[Any, ...], Figures] = {}
    for row in grouped:
        if row["s_people"]:
            values: dict[str, Any] = {
                n: int(row[f"s_{n}"] or 0) if count else _dec(row[f"s_{n}"]) for n, count in kinds.items()
            }
            out[tuple(row[f"k_{name}"] for name in keys)] = Figures(**values)
    return out


def scope_figures(scope: ReportScope, year: int, keys: dict[str, Expression | F]) -> dict[tuple[Any, ...], Figures]:
    """The kept figures when the year is kept (no per-person work), else the one grouped query over people."""
    kept = kept_figures(scope, year, keys)
    return kept if kept is not None else grouped_figures(scope.people, year, keys)


def dashboard(scope: ReportScope, year: int) -> Dashboard:
    """Everything on the dashboard for one year: the kept figures (or ONE grouped query), rolled up."""
    kind, area_expr = _area_key(scope.node)
    grouped = scope_figures(scope, year, {"area": area_expr, "industry": F("employer__industry_id")})
    by_area: dict[Any, Figures] = {}
    by_industry: dict[Any, Figures] = {}
    for (area, industry), figures in grouped.items():
        by_area[area] = by_area.get(area, Figures()) + figures
        by_industry[industry] = by_industry.get(industry, Figures()) + figures
    return Dashboard(
        year=year,
        total=total(grouped.values()),
        by_area=_area_rows(scope.node, kind, by_area),
        area_header="地区" if kind == "region" else "单位",
        by_industry=_industry_rows(by_industry),
    )


def _area_rows(node: Node, kind: str, by_area: dict[Any, Figures]) -> list[GroupRow]:
    rows: list[GroupRow] = []
    if kind == "region":
        assert node.region is not None
        regions = {r.code: r for r in Region.objects.filter(parent=node.region)}
        for child in sorted(regions.values(), key=lambda r: r.code):
            rows.append(
                GroupRow(child.code, child.name, by_area.get(child.code, Figures()), Node("region", region=child))
            )
        for code, figures in by_area.items():
            if code and code not in regions:  # a region not under this parent (data drift): still counted
                region = Region.objects.filter(code=code).first()
                rows.append(
                    GroupRow(
                        code,
                        region.name if region else code,
                        figures,
                        Node("region", region=region) if region else None,
                    )
                )
        if "" in by_area:
            rows.append(
                GroupRow("direct", direct_units_label(node.region), by_area[""], Node("direct", region=node.region))
            )
        return rows
    employers = Organisation.objects.filter(pk__in=[k for k in by_area if k is not None]).only("pk", "name")
    for org in sorted(employers, key=lambda o: (o.name, o.pk)):
        rows.append(GroupRow(str(org.pk), org.name, by_area[org.pk], Node("employer", employer=org)))
    return rows


def _industry_rows(by_industry: dict[Any, Figures]) -> list[GroupRow]:
    names = dict(Industry.objects.filter(pk__in=[k for k in by_industry if k is not None]).values_list("pk", "name"))
    rows = [GroupRow(str(k), names.get(k, "未分类") if k is not None else "未分类", f) for k, f in by_industry.items()]
    return sorted(rows, key=lambda r: (-r.figures.people, r.label))


def trend(scope: ReportScope, years: Iterable[int]) -> list[GroupRow]:
    """Completion and hours per year: one grouped query per year (no per-person work)."""
    rows = []
    for year in years:
        figures = scope_figures(scope, year, {}).get((), Figures())
        rows.append(GroupRow(str(year), f"{year}年", figures))
    return rows


# --------------------------------------------------------------------------------------------
# people short of the requirement

SHORTFALL_FIELDS = (
    "pk",
    "name",
    "id_number_masked",
    "certificate_number",
    "employer_id",
    "employer__name",
    "unit",
    "required_total",
    "required_public",
    "required_professional",
    "earned_public",
    "earned_professional",
    "earned_total",
    "shortfall_public",
    "shortfall_professional",
    "shortfall_total",
)


def shortfall_people(people: QuerySet[Person], year: int, *, ensure: bool = False) -> QuerySet[Any]:
    """People of ``people`` who have not met ``year``'s requirement, largest shortfall first (dicts)."""
    status: QuerySet[Any] = year_status(people, year, ensure=ensure)
    return status.filter(met=False).order_by("-shortfall_total", "pk").values(*SHORTFALL_FIELDS)


def year_rows(people: QuerySet[Person], year: int, *, ensure: bool = False) -> QuerySet[Any]:
    """Everybody's status for ``year`` (dicts with ``met``), by employer and name."""
    return (
        year_status(people, year, ensure=ensure)
        .order_by("employer__name", "name", "pk")
        .values(*SHORTFALL_FIELDS, "met")
    )


# --------------------------------------------------------------------------------------------
# review backlog

AGE_BUCKETS = ((7, "7天以内"), (30, "8至30天"), (90, "31至90天"), (None, "90天以上"))


@dataclass(frozen=True)
class BacklogRow:
    state: str
    label: str
    count: int
    oldest: dt.datetime | None
    buckets: tuple[int, ...]

    @property
    def oldest_days(self) -> int | None:
        return None if self.oldest is None else (timezone.now() - self.oldest).days


def backlog_records(people: QuerySet[Person]) -> QuerySet[Record]:
    """Records of ``people`` waiting for review (not yet certified), oldest first."""
    return Record.objects.filter(state__in=PENDING_STATES, person__in=people.values("pk")).order_by(
        "state_changed_at", "pk"
    )


def backlog_summary(people: QuerySet[Person], now: dt.datetime | None = None) -> list[BacklogRow]:
    """Per waiting state: count, oldest, and counts by age in the state (one grouped query)."""
    now = now or timezone.now()
    aggregates: dict[str, Any] = {"count": Count("pk"), "oldest": Min("state_changed_at")}
    lower: int | None = None
    for i, (days, _label) in enumerate(AGE_BUCKETS):
        condition = Q()
        if lower is not None:
            condition &= Q(state_changed_at__lte=now - dt.timedelta(days=lower))
        if days is not None:
            condition &= Q(state_changed_at__gt=now - dt.timedelta(days=days))
        aggregates[f"b{i}"] = Count("pk", filter=condition)
        lower = days
    grouped: QuerySet[Any] = backlog_records(people).order_by().values("state").annotate(**aggregates)
    rows: dict[str, dict[str, Any]] = {r["state"]: r for r in grouped}
    out = []
    for state in PENDING_STATES:
        r: dict[str, Any] | None = rows.get(state)
        out.append(
            BacklogRow(
                state=state,
                label=str(RecordState(state).label),
                count=r["count"] if r else 0,
                oldest=r["oldest"] if r else None,
                buckets=tuple(r[f"b{i}"] if r else 0 for i in range(len(AGE_BUCKETS))),
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# a person's history


@dataclass(frozen=True)
class HistoryYear:
    year: int
    status: dict[str, Any]
    certificates: list[Any]


def history_years(person: Person, today: dt.date | None = None) -> list[int]:
    """Years with a requirement row or any record, and the current year, newest first."""
    years = set(PersonYear.objects.filter(person=person).values_list("year", flat=True))
    years |= set(Record.objects.filter(person=person).values_list("year", flat=True).distinct())
    years.add((today or timezone.localdate()).year)
    return sorted(years, reverse=True)


def person_history(person: Person) -> list[HistoryYear]:
    """Every year of one person: requirement, certified amounts by subject, met, certificates."""
    from cecert.reports.domain.certificates import certificates_by_year

    single = Person.objects.filter(pk=person.pk)
    certificates = certificates_by_year([person.pk])
    out = []
    for year in history_years(person):
        status = year_status(single, year).values(*SHORTFALL_FIELDS, "met").first() or {}
        out.append(HistoryYear(year, status, certificates.get((person.pk, year), [])))
    return out


def status_by_year(people: QuerySet[Person], years: Iterable[int]) -> Iterator[tuple[int, dict[int, bool]]]:
    """``(year, {person id: met})`` for each year: one grouped query per year."""
    for year in years:
        status: QuerySet[Any] = year_status(people, year)
        yield year, dict(status.values_list("pk", "met"))
