"""The year's figures per employer, kept current where they change (issue 17 item 2).

``EmployerYearFigures`` holds, per employer and year, exactly what ``grouped_figures`` computes over
the employer's approved people. Nothing here computes compliance again: every number comes from
``grouped_figures`` (the records app's ``year_status``), over a few people or one employer.

Two ways of keeping the rows current, both inside the transaction that makes the change:

- ``figures_follow(people, years)`` around a change to a few people (a record certified or
  overturned): the people's rows are locked, their figures grouped by employer before and after the
  change, and the difference added to the employer rows (``INSERT … ON CONFLICT DO UPDATE SET
  x = x + excluded.x``, commutative, so concurrent changes at one employer add up).
- ``refresh_employers(employers, years)`` where the set of people or their requirements change
  wholesale (a year opened, a transfer, a registration approved): the employer rows are created if
  missing, locked, then recomputed from scratch; changes waiting on those locks add their
  differences afterwards.

``figure_mismatches(year)`` compares every row with a recomputation (``cecert reports figures
check``); ``rebuild_year(year)`` recomputes a year whole (``--rebuild``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import fields
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from cecert.accounts.models import Person, RegistrationState
from cecert.core.replica import primary_reads
from cecert.reports.domain.queries import Figures, grouped_figures
from cecert.reports.models import EmployerYearFigures, KeptYear

FIELDS = tuple(f.name for f in fields(Figures))


def _approved(**filters: Any) -> QuerySet[Person]:
    return Person.objects.filter(state=RegistrationState.APPROVED, **filters)


def by_employer(people: QuerySet[Person], year: int) -> dict[int, Figures]:
    """``{employer id: Figures}`` for ``people`` in ``year`` (one grouped statement; rows not opened)."""
    grouped = grouped_figures(people, year, {"employer": F("employer_id")}, ensure=False)
    return {key[0]: figures for key, figures in grouped.items() if key[0] is not None}


def figure_years() -> list[int]:
    """The years whose figures are kept (followed), ready or being rebuilt."""
    return sorted(KeptYear.objects.values_list("year", flat=True))


def _difference(after: Figures, before: Figures) -> Figures:
    return Figures(**{name: getattr(after, name) - getattr(before, name) for name in FIELDS})


def _add(year: int, differences: dict[int, Figures]) -> None:
    """Add each difference to its employer's row (created when missing), in one statement."""
    rows = [(year, employer, *(getattr(d, n) for n in FIELDS)) for employer, d in differences.items() if d != Figures()]
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    q = db.ops.quote_name
    table = q(EmployerYearFigures._meta.db_table)
    columns = ["year", "employer_id", *FIELDS]
    values = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
    updates = ", ".join(f"{q(n)} = {table}.{q(n)} + excluded.{q(n)}" for n in FIELDS)
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES {values}"  # noqa: S608 - quoted names only
        f" ON CONFLICT ({q('year')}, {q('employer_id')}) DO UPDATE SET {updates}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


@contextlib.contextmanager
def figures_follow(person_ids: Iterable[int], years: Iterable[int]) -> Iterator[None]:
    """Around a change to these people's ``years``: add the change in their figures to their employers' rows."""
    ids, wanted = sorted(set(person_ids)), sorted(set(years) & set(figure_years()))
    if not wanted:  # no kept year among them: nothing to follow
        yield
        return
    with transaction.atomic(), primary_reads():
        # Locked first, so "before" already holds every committed change to these people.
        list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        people = _approved(pk__in=ids)
        before = {year: by_employer(people, year) for year in wanted}
        yield
        for year in wanted:
            after = by_employer(people, year)
            employers = set(after) | set(before[year])
            _add(year, {e: _difference(after.get(e, Figures()), before[year].get(e, Figures())) for e in employers})


def refresh_employers(employer_ids: Collection[int], years: Iterable[int]) -> None:
    """Recompute the rows of these employers for these years from scratch."""
    ids = sorted({e for e in employer_ids if e is not None})
    wanted = sorted(set(years) & set(figure_years()))
    if not ids or not wanted:
        return
    with transaction.atomic(), primary_reads():
        for year in wanted:
            EmployerYearFigures.objects.bulk_create(
                [EmployerYearFigures(year=year, employer_id=e) for e in ids], ignore_conflicts=True
            )
            mine = EmployerYearFigures.objects.filter(year=year, employer_id__in=ids)
            list(mine.select_for_update().order_by("pk").values_list("pk", flat=True))
            fresh = by_employer(_approved(employer_id__in=ids), year)
            # Replaced rather than updated field by field (Django's bulk_update builds a CASE per row and
            # column: seconds for a few hundred rows). A change waiting on a locked row then adds its
            # difference to the new row (``ON CONFLICT DO UPDATE`` finds it).
            mine.delete()
            EmployerYearFigures.objects.bulk_create(
                [
                    EmployerYearFigures(
                        year=year, employer_id=e, **{n: getattr(fresh.get(e, Figures()), n) for n in FIELDS}
                    )
                    for e in ids
                ],
                batch_size=2000,
            )


def rebuild_year(year: int) -> int:
    """Keep ``year``: follow it from now on, recompute every employer's row, then let reports read it.

    The year is marked followed in a transaction of its own first, so that a change committing while
    the rows are recomputed either is seen by the recomputation or adds its difference after it.
    """
    KeptYear.objects.get_or_create(year=year)
    with transaction.atomic(), primary_reads():
        employers = set(_approved().values_list("employer_id", flat=True).distinct())
        employers |= set(EmployerYearFigures.objects.filter(year=year).values_list("employer_id", flat=True))
        refresh_employers(employers, [year])
        KeptYear.objects.filter(year=year).update(ready=True, rebuilt_at=timezone.now())
    return EmployerYearFigures.objects.filter(year=year).count()


def stored(year: int, **filters: Any) -> dict[int, Figures]:
    rows = EmployerYearFigures.objects.filter(year=year, **filters).values("employer_id", *FIELDS)
    return {row.pop("employer_id"): Figures(**row) for row in rows}


def figure_mismatches(year: int, limit: int = 100) -> list[tuple[int, Figures, Figures]]:
    """``(employer, stored, recomputed)`` for every employer whose row differs from a recomputation."""
    with primary_reads():
        fresh = by_employer(_approved(), year)
        kept = stored(year)
    out = []
    for employer in sorted(set(fresh) | set(kept)):
        have, want = kept.get(employer, Figures()), fresh.get(employer, Figures())
        if have != want:
            out.append((employer, have, want))
            if len(out) >= limit:
                break
    return out
