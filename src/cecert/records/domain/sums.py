"""Certified amounts per person and year, maintained by triggers on ``records_record``.

Why a table and triggers rather than the view it replaced (ADR 0011): the
jurisdiction-wide year status of millions of people must cost no more than a
bare ``GROUP BY`` over the records table, and dashboards read it on every page.
With the sums maintained per (person, year), the status is a 1:1 join.

Why deltas rather than recomputing the touched pairs: under READ COMMITTED two
transactions certifying records of the same person would each recompute from a
snapshot without the other's record, and the second upsert would silently drop
the first. Adding and subtracting the changed rows' own amounts commutes, and
the upsert's row lock serialises them. The "deemed complete" flags are kept as
counts for the same reason (a ``MAX`` cannot be undone by a delta).

Amounts are whole tenths (``ROUND(amount * 10)``): exact on both backends.
``REBUILD_SQL`` recomputes everything in one statement, for bulk loads that
disabled the triggers; ``MISMATCH_SQL`` is the consistency check behind
``cecert years sums --check``.
"""

from __future__ import annotations

from django.db import connection, transaction

from cecert.core.partitioning import detached_years

TABLE = "records_certifiedyearsum"

# One certified row's contribution, written for a row alias ``r`` (NEW/OLD in SQLite, a transition table in PG).
_PUBLIC = "CASE WHEN {r}.subject = 'public' THEN CAST(ROUND({r}.amount * 10) AS INTEGER) ELSE 0 END"
_PROFESSIONAL = "CASE WHEN {r}.subject = 'professional' THEN CAST(ROUND({r}.amount * 10) AS INTEGER) ELSE 0 END"
_DEEMS_PUBLIC = "CASE WHEN {r}.deems_public THEN 1 ELSE 0 END"
_DEEMS_PROFESSIONAL = "CASE WHEN {r}.deems_professional THEN 1 ELSE 0 END"
COLUMNS = "person_id, year, public_tenths, professional_tenths, deems_public_records, deems_professional_records"
REBUILD_SELECT = f"""
SELECT r.person_id, r.year, SUM({_PUBLIC.format(r="r")}) AS public_tenths,
       SUM({_PROFESSIONAL.format(r="r")}) AS professional_tenths,
       SUM({_DEEMS_PUBLIC.format(r="r")}) AS deems_public_records,
       SUM({_DEEMS_PROFESSIONAL.format(r="r")}) AS deems_professional_records
FROM records_record r
WHERE r.state = 'certified'{{live}}
GROUP BY r.person_id, r.year
"""  # noqa: S608 - constant SQL, no input

REBUILD_SQL = [f"DELETE FROM {TABLE}{{live_sums}}", f"INSERT INTO {TABLE} ({COLUMNS}) {REBUILD_SELECT}"]  # noqa: S608

# Rows of the table that differ from a fresh recomputation (zero rows count as absent).
MISMATCH_SQL = f"""
SELECT COALESCE(s.person_id, f.person_id), COALESCE(s.year, f.year)
FROM (SELECT * FROM {TABLE}
      WHERE (public_tenths <> 0 OR professional_tenths <> 0
         OR deems_public_records <> 0 OR deems_professional_records <> 0){{live_and}}) s
FULL OUTER JOIN (SELECT * FROM ({REBUILD_SELECT}) g
                 WHERE public_tenths <> 0 OR professional_tenths <> 0
                    OR deems_public_records <> 0 OR deems_professional_records <> 0) f
  ON f.person_id = s.person_id AND f.year = s.year
WHERE s.person_id IS NULL OR f.person_id IS NULL
   OR s.public_tenths <> f.public_tenths OR s.professional_tenths <> f.professional_tenths
   OR s.deems_public_records <> f.deems_public_records
   OR s.deems_professional_records <> f.deems_professional_records
"""  # noqa: S608

# The triggers themselves are created by migrations records/0003 and 0005 (frozen there, as migrations must be).
TRIGGERS = ("records_sums_insert", "records_sums_update", "records_sums_delete", "records_sums_truncate")


def _live_years(sql: str) -> str:
    """The statement limited to years whose records are in the live table: a detached year's sums stay as
    they were when it left (``records.domain.archive``, ADR 0027)."""
    detached = detached_years("records_record")
    listed = ", ".join(str(int(year)) for year in detached)
    return sql.format(
        live=f" AND r.year NOT IN ({listed})" if detached else "",
        live_sums=f" WHERE year NOT IN ({listed})" if detached else "",
        live_and=f" AND year NOT IN ({listed})" if detached else "",
    )


def rebuild_certified_sums() -> None:
    """Recompute the whole table in one statement (after a bulk load with the triggers disabled)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in REBUILD_SQL:
            cursor.execute(_live_years(statement))


def certified_sum_mismatches(limit: int = 100) -> list[tuple[int, int]]:
    """(person id, year) pairs where the maintained sums differ from the records; empty when consistent."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_live_years(MISMATCH_SQL)} LIMIT %s", [limit])
        return [(int(person), int(year)) for person, year in cursor.fetchall()]
