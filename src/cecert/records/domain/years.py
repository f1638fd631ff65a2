"""A person's year: requirement (Article 5, pro-rated by Article 8), certified hours, compliance.

Two faces that must agree exactly:

* ``person_compliance(person, year)``: the crediting engine's own verdict for
  one person (``assess_compliance`` over their certified records and confirmed
  leave), with its explanation, for progress pages and certificates.
* ``year_status(people, year)``: the same numbers for a whole jurisdiction from
  ONE grouped SQL query (conditional sums of certified amounts by subject,
  joined to ``PersonYear``), no per-person Python.

``PersonYear`` holds each person's pro-rated requirement as the engine
computed it: ``refresh_person_year`` recomputes one person when their leave
changes; ``ensure_person_years`` bulk-creates (set-based) the rows of everyone
else, grouping people by the policy inputs so the engine runs once per group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from cecert.accounts.models import Person
from cecert.core.replica import primary_reads
from cecert.crediting.compliance import ComplianceResult, assess_compliance, required_for_year
from cecert.crediting.policies import select_policy
from cecert.crediting.schemas import LeaveSchema
from cecert.policies.domain.registry import filed_policy_set
from cecert.records.domain.crediting import compliance_request, policy_inputs, year_policy
from cecert.records.enums import PENDING_STATES, LeaveState, RecordState
from cecert.records.models import Leave, PersonYear, Record


class Tenths(Func):
    """A whole number of tenths shown as a one-place Decimal (exact on SQLite and PostgreSQL)."""

    template = "(%(expressions)s) / 10.0"
    output_field = DecimalField(max_digits=12, decimal_places=1)

    def convert_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:  # type: ignore[override]
        return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def confirmed_leaves(person: Person, year: int) -> list[LeaveSchema]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    leaves = Leave.objects.filter(person=person, state=LeaveState.CONFIRMED, start__lte=last, end__gte=first)
    return [
        LeaveSchema(kind=leave.kind, start=leave.start, end=leave.end)  # type: ignore[arg-type]
        for leave in leaves.order_by("start", "pk")
    ]


def refresh_person_year(person: Person, year: int) -> PersonYear:
    """Recompute one person's requirement for ``year`` with the engine (after a leave change)."""
    from cecert.reports.domain.figures import figures_follow  # reports builds on records: imported late

    with figures_follow([person.pk], [year]):
        return _refresh_person_year(person, year)


def _refresh_person_year(person: Person, year: int) -> PersonYear:
    employer = person.employer
    policy = year_policy(employer, year)
    leaves = confirmed_leaves(person, year)
    requirement = required_for_year(policy, year, leaves)
    region_code, industry = policy_inputs(employer)
    row, _ = PersonYear.objects.update_or_create(
        person=person,
        year=year,
        defaults={
            "required_total": requirement.total,
            "required_public": requirement.public,
            "required_professional": requirement.professional,
            "excused_days": requirement.excused_days,
            "policy_id": requirement.policy_id,
            "unit": requirement.unit,
            "region_code": region_code,
            "industry": industry or "",
            "has_leave": bool(leaves),
            "explanation": requirement.explanation,
            "refreshed_at": timezone.now(),
        },
    )
    return row


def refresh_moved_person(person: Person) -> None:
    """After a transfer: recompute every year row the person has under the new employer's policy inputs."""
    person = Person.objects.select_related("employer__region", "employer__industry").get(pk=person.pk)
    for year in PersonYear.objects.filter(person=person).values_list("year", flat=True):
        refresh_person_year(person, year)


def _stale_rows(people: QuerySet[Person], year: int) -> QuerySet[PersonYear]:
    """Rows whose policy inputs no longer match the person's employer (e.g. after a transfer)."""
    from django.db.models import CharField

    return (
        PersonYear.objects.filter(year=year, person__in=people.values("pk"))
        .annotate(
            expected_region=Case(
                When(person__employer__provincial_direct=True, then=Value("410000")),
                default=F("person__employer__region__code"),
                output_field=CharField(),
            ),
            expected_industry=Coalesce(F("person__employer__industry__name"), Value(""), output_field=CharField()),
        )
        .exclude(region_code=F("expected_region"), industry=F("expected_industry"))
    )


def ensure_person_years(people: QuerySet[Person], year: int, *, recheck_inputs: bool = False) -> int:
    """Create the missing ``PersonYear`` rows of ``people`` for ``year`` (set-based); returns rows created.

    People without leave share their requirement with everyone of the same
    policy inputs, so the engine runs once per (region, industry) group and
    each group is one ``INSERT … SELECT``. People with confirmed leave are
    computed one by one (they are few).

    A person's policy inputs change only when they move employer, and the
    transfer workflow recomputes their rows then (``refresh_moved_person``), so
    the per-call work is the anti-join for missing rows. ``recheck_inputs``
    also recomputes rows whose inputs no longer match (a repair; ``cecert years check``).
    """
    # It reads what it writes (the missing rows): on the primary, also inside a report's replica reads.
    with primary_reads(), transaction.atomic():
        stale = list(_stale_rows(people, year).values_list("pk", flat=True)) if recheck_inputs else []
        if stale:
            PersonYear.objects.filter(pk__in=stale).delete()
        missing = people.exclude(Exists(PersonYear.objects.filter(person=OuterRef("pk"), year=year)))
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        on_leave = Leave.objects.filter(
            person=OuterRef("pk"), state=LeaveState.CONFIRMED, start__lte=last, end__gte=first
        )
        created = 0
        for person in missing.filter(Exists(on_leave)).select_related("employer__region", "employer__industry"):
            refresh_person_year(person, year)
            created += 1
        groups = (
            missing.exclude(Exists(on_leave))
            .values(
                "employer__region__code",
                "employer__provincial_direct",
                "employer__industry__name",
                "employer__jurisdiction_path",
            )
            .distinct()
        )
        by_requirement: dict[tuple[Any, ...], list[Q]] = defaultdict(list)
        for group in groups:
            region_code = "410000" if group["employer__provincial_direct"] else group["employer__region__code"]
            industry = group["employer__industry__name"]
            policy = select_policy(
                dt.date(year, 12, 31),
                region_path=group["employer__jurisdiction_path"],
                industry=industry,
                policies=filed_policy_set().policies,
            )
            req = required_for_year(policy, year)
            key = (
                req.total,
                req.public,
                req.professional,
                req.policy_id,
                req.unit,
                region_code,
                industry or "",
                req.explanation,
            )
            by_requirement[key].append(
                Q(
                    employer__region__code=group["employer__region__code"],
                    employer__provincial_direct=group["employer__provincial_direct"],
                    employer__industry__name=industry,
                )
                if industry is not None
                else Q(
                    employer__region__code=group["employer__region__code"],
                    employer__provincial_direct=group["employer__provincial_direct"],
                    employer__industry__isnull=True,
                )
            )
        # The report figures of the employers whose people get rows now are recomputed after the inserts.
        employers = (
            set(missing.exclude(Exists(on_leave)).values_list("employer_id", flat=True).distinct())
            if by_requirement
            else set()
        )
        now = timezone.now()
        for key, conditions in by_requirement.items():
            total, public, professional, policy_id, unit, region_code, industry, explanation = key
            condition = Q()
            for c in conditions:
                condition |= c
            # Not ``missing`` again: within this transaction each INSERT adds rows that the next anti-join
            # would have to skip, and the planner (statistics from before the first INSERT) chooses a
            # nested loop over them: quadratic. The unique (person, year) key skips existing rows instead.
            created += _insert_select(
                people.exclude(Exists(on_leave)).filter(condition),
                year,
                total=total,
                public=public,
                professional=professional,
                policy_id=policy_id,
                unit=unit,
                region_code=region_code,
                industry=industry,
                explanation=explanation,
                now=now,
            )
        if employers:
            from cecert.reports.domain.figures import refresh_employers  # reports builds on records

            refresh_employers(employers, [year])
    return created


def _insert_select(people: QuerySet[Person], year: int, **values: Any) -> int:
    """``INSERT INTO person_year (...) SELECT person.id, <constants> FROM (people)``: one statement.

    People who already have the year's row are skipped by the unique key (``ON CONFLICT DO NOTHING``).
    """
    from django.db import connection

    ids_sql, params = people.values(pid=F("pk")).query.sql_with_params()
    table = PersonYear._meta.db_table
    columns = [
        "person_id",
        "year",
        "required_total",
        "required_public",
        "required_professional",
        "excused_days",
        "policy_id",
        "unit",
        "region_code",
        "industry",
        "has_leave",
        "explanation",
        "refreshed_at",
    ]
    constants = [
        year,
        values["total"],
        values["public"],
        values["professional"],
        0,
        values["policy_id"],
        values["unit"],
        values["region_code"],
        values["industry"],
        False,
        values["explanation"],
        connection.ops.adapt_datetimefield_value(values["now"]),
    ]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(constants))
    # Only quoted identifiers and placeholders are interpolated; values travel as parameters.
    target = f"{quote(table)} ({', '.join(quote(c) for c in columns)})"
    # "WHERE true" resolves SQLite's parsing ambiguity between a join's ON and ON CONFLICT.
    sql = (
        f"INSERT INTO {target} SELECT ids.pid, {placeholders} FROM ({ids_sql}) AS ids "  # noqa: S608
        "WHERE true ON CONFLICT (person_id, year) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *params])
        return int(cursor.rowcount)


def year_status(people: QuerySet[Person], year: int, *, ensure: bool = True) -> QuerySet[Any]:
    """Every person of ``people`` annotated with the year's status, from one SQL query.

    Shape: people ⋈ PersonYear (1:1) ⟕ CertifiedYearSum (certified amounts per person and year,
    kept current by triggers on records), so no GROUP BY over records at all.
    Annotations (numbers in the policy's unit, like the engine's output):
    ``required_total/public/professional``, ``excused_days``, ``earned_public``,
    ``earned_professional``, ``earned_total``, ``deemed_public``,
    ``deemed_professional``, ``shortfall_total/public/professional``, ``met``.

    Only certified records count. The result equals ``assess_compliance`` for
    each person (see ``tests/records/test_year_status.py``), except for a year moved in from the
    current platform (``movein.LegacyYear``, joined 1:1 the same way, ADR 0023): its certified
    amounts add to the sums and the verdict is taken from the sum against the year's requirement,
    deemed completions of records certified here included; a year the current platform found met
    stays met (``tests/records/test_moved_in_year_status.py``).
    """
    if ensure and ensure_person_years(people, year):
        people = people.using(DEFAULT_DB_ALIAS)  # rows just opened are read where they were written
    # Arithmetic in whole tenths of an hour, so it is exact on every backend (SQLite has no decimals).
    t: IntegerField[int, int] = IntegerField()
    qs = (
        people.alias(
            cs=FilteredRelation("certified_sums", condition=Q(certified_sums__year=year)),
            py=FilteredRelation("years", condition=Q(years__year=year)),
            lg=FilteredRelation("moved_in_years", condition=Q(moved_in_years__year=year)),
        )
        .annotate(
            required_total=F("py__required_total"),
            required_public=F("py__required_public"),
            required_professional=F("py__required_professional"),
            excused_days=F("py__excused_days"),
            unit=F("py__unit"),
            pub_t=Coalesce(F("cs__public_tenths"), 0, output_field=t)
            + Coalesce(F("lg__public_tenths"), 0, output_field=t),
            prof_t=Coalesce(F("cs__professional_tenths"), 0, output_field=t)
            + Coalesce(F("lg__professional_tenths"), 0, output_field=t),
            deemed_pub=Coalesce(F("cs__deems_public_records"), 0, output_field=t),
            deemed_prof=Coalesce(F("cs__deems_professional_records"), 0, output_field=t),
            # what was certified here, without a moved-in year's amounts (annual certificates need it)
            here_t=Coalesce(F("cs__public_tenths") + F("cs__professional_tenths"), 0, output_field=t),
        )
        .annotate(
            need_pub_t=Case(When(deemed_pub__gt=0, then=0), default=F("required_public") * 10, output_field=t),
            need_prof_t=Case(When(deemed_prof__gt=0, then=0), default=F("required_professional") * 10, output_field=t),
        )
        .annotate(
            need_total_t=Case(
                When(deemed_pub=0, deemed_prof=0, then=F("required_total") * 10),
                default=F("need_pub_t") + F("need_prof_t"),
                output_field=t,
            ),
        )
        .annotate(
            short_pub_t=Greatest(F("need_pub_t") - F("pub_t"), 0, output_field=t),
            short_prof_t=Greatest(F("need_prof_t") - F("prof_t"), 0, output_field=t),
            short_total_t=Greatest(F("need_total_t") - F("pub_t") - F("prof_t"), 0, output_field=t),
        )
        .annotate(
            earned_public=Tenths(F("pub_t")),
            earned_professional=Tenths(F("prof_t")),
            earned_total=Tenths(F("pub_t") + F("prof_t")),
            deemed_public=Case(When(deemed_pub__gt=0, then=True), default=False, output_field=BooleanField()),
            deemed_professional=Case(When(deemed_prof__gt=0, then=True), default=False, output_field=BooleanField()),
            shortfall_public=Tenths(F("short_pub_t")),
            shortfall_professional=Tenths(F("short_prof_t")),
            shortfall_total=Tenths(F("short_total_t")),
            met=Case(
                # A year the current platform found met stays met (ADR 0023): its certificate may rest on
                # leave or deemed completions that did not move in, and more learning never makes a year short.
                When(lg__met=True, then=True),
                When(short_pub_t=0, short_prof_t=0, short_total_t=0, then=True),
                default=False,
                output_field=BooleanField(),
            ),
        )
    )
    return qs


@dataclass(frozen=True)
class YearProgress:
    """One person's year, for the progress page: the engine's verdict plus pending hours."""

    year: int
    compliance: ComplianceResult
    certified: list[Record]
    pending: list[Record]
    pending_by_subject: dict[str, Decimal]

    @property
    def required(self) -> dict[str, int]:
        return self.compliance.required.to_json()


def certified_records(person: Person, year: int) -> QuerySet[Record]:
    """The person's certified records of ``year`` (what certificates list)."""
    return Record.objects.filter(person=person, year=year, state=RecordState.CERTIFIED).order_by("end_date", "pk")


def certified_hours_by_subject(person: Person, year: int) -> dict[str, Decimal]:
    """``{"public": …, "professional": …, "total": …}`` in 学时 from certified records of ``year``."""
    sums = dict(certified_records(person, year).order_by().values_list("subject").annotate(total=Sum("hours")))
    public, professional = sums.get("public", Decimal(0)), sums.get("professional", Decimal(0))
    return {"public": public, "professional": professional, "total": public + professional}


def person_compliance(person: Person, year: int) -> ComplianceResult:
    """The crediting engine's verdict on the person's certified records and confirmed leave."""
    activities = [r.activity for r in certified_records(person, year)]
    request = compliance_request(person, year, activities=activities, leaves=confirmed_leaves(person, year))
    return assess_compliance(request, policy_set=filed_policy_set())


def person_progress(person: Person, year: int) -> YearProgress:
    pending = list(Record.objects.filter(person=person, year=year, state__in=PENDING_STATES).order_by("end_date"))
    by_subject: dict[str, Decimal] = defaultdict(Decimal)
    for record in pending:
        by_subject[record.subject] += record.amount
    return YearProgress(
        year=year,
        compliance=person_compliance(person, year),
        certified=list(certified_records(person, year)),
        pending=pending,
        pending_by_subject=dict(by_subject),
    )


def years_of(person: Person) -> list[int]:
    """Years with any record or leave, and the current year, newest first."""
    from cecert.crediting.evaluation import today_in_henan

    years = set(Record.objects.filter(person=person).values_list("year", flat=True).distinct())
    years.add(today_in_henan().year)
    return sorted(years, reverse=True)
