# ruff: noqa: S608 - every identifier here is a registered table or column name, never user input
"""Tables partitioned by year on PostgreSQL (ADR 0027); SQLite keeps plain tables.

A partitioned table is one parent with a partition per year (``<table>_y2025``) and a default
partition (``<table>_default``) that catches a year nobody created a partition for, so no row is
ever refused. The conversion (:func:`partition_by_year`) runs in a migration and keeps what Django
and our earlier migrations created on the plain table: columns, defaults, check constraints,
indexes, foreign keys out of the table and triggers. Two things change, because PostgreSQL asks
every unique constraint of a partitioned table to contain the partition column:

* the primary key becomes ``(id, <column>)`` — ids still come from one sequence, so they stay
  unique and the ORM keeps addressing rows by ``id``; a unique constraint gains the column too;
* a foreign key *into* the table cannot reference ``id`` alone any more, so each is replaced by two
  deferred constraint triggers with the same meaning (the referenced row exists; a referenced row
  is not deleted), raising the same SQLSTATE 23503 as the foreign key did.

An old year can be detached (:func:`detach_year`): its partition becomes a table of its own, kept
in the database for the archive and attachable again (:func:`attach_year`). Partitions for the
years ahead are made by :func:`ensure_years` (migration, ``cecert partitions ensure`` and a daily
scheduled job).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

Key = Literal["year", "local_year_of_timestamp"]

# Partitions of timestamp columns cut at the province's midnight, so a year means the same here as on pages.
PROVINCE_UTC_OFFSET = "+08:00"


class PartitioningError(Exception):
    """A partition operation that would lose or misplace rows; the message says which and why."""


@dataclass(frozen=True)
class YearPartition:
    table: str
    year: int | None  # None: the default partition
    attached: bool
    rows_estimate: int


def partition_name(table: str, year: int | None) -> str:
    return f"{table}_default" if year is None else f"{table}_y{year}"


def _bounds(key: Key, year: int) -> str:
    if key == "year":
        return f"FROM ({year}) TO ({year + 1})"
    low, high = (f"'{y:04d}-01-01 00:00:00{PROVINCE_UTC_OFFSET}'" for y in (year, year + 1))
    return f"FROM ({low}) TO ({high})"


def _year_condition(key: Key, column: str, year: int) -> str:
    if key == "year":
        return f"{column} = {year}"
    low, high = (f"'{y:04d}-01-01 00:00:00{PROVINCE_UTC_OFFSET}'::timestamptz" for y in (year, year + 1))
    return f"{column} >= {low} AND {column} < {high}"


def is_partitioned(table: str, using: BaseDatabaseWrapper | None = None) -> bool:
    connection = using or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def _rows(cursor: Any, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    cursor.execute(sql, list(params))
    return list(cursor.fetchall())


# --- the conversion (migrations) -------------------------------------------------------------------

REFERENCE_FUNCTIONS = [
    # On the referencing table: the referenced row exists (TG_ARGV: referenced table, referencing column).
    """
CREATE OR REPLACE FUNCTION cecert_reference_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target text := to_jsonb(NEW) ->> TG_ARGV[1];
    found boolean;
BEGIN
    IF target IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1::bigint)', TG_ARGV[0]) INTO found USING target;
    IF NOT found THEN
        RAISE EXCEPTION 'insert or update on table "%" violates reference "%": % = % is not in "%"',
            TG_TABLE_NAME, TG_NAME, TG_ARGV[1], target, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
""",
    # On the referenced table: a deleted row is no longer referenced, unless it only moved partition
    # (TG_ARGV: referenced table, then referencing table and column pairs).
    """
CREATE OR REPLACE FUNCTION cecert_reference_unused() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found boolean;
    i integer := 1;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', TG_ARGV[0]) INTO found USING OLD.id;
    IF found THEN
        RETURN NULL;
    END IF;
    WHILE i < TG_NARGS LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[i], TG_ARGV[i + 1])
            INTO found USING OLD.id;
        IF found THEN
            RAISE EXCEPTION 'update or delete on table "%" violates reference from "%": id % is still referenced',
                TG_ARGV[0], TG_ARGV[i], OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        i := i + 2;
    END LOOP;
    RETURN NULL;
END $$
""",
]


def _runner(schema_editor: Any) -> Any:
    # No parameters: the function bodies hold format() placeholders the driver must not read.
    return lambda sql: schema_editor.execute(sql, None)


# The table's indexes other than those of its primary key and unique constraints: (name, definition).
INDEXES_SQL = (
    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
    "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
    "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass AND c.contype IN ('p', 'u'))"
)
# The table's own primary key, unique and foreign-key constraints (not their clones on partitions):
# (name, kind, definition, columns in order).
CONSTRAINTS_SQL = (
    "SELECT conname, contype, pg_get_constraintdef(oid), "
    "ARRAY(SELECT attname FROM unnest(conkey) WITH ORDINALITY k(n, o) "
    "JOIN pg_attribute ON attrelid = conrelid AND attnum = k.n ORDER BY k.o) "
    "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') AND conparentid = 0"
)


def _reference_trigger_name(referencing: str, column: str) -> str:
    return f"ref_{referencing}_{column}"[:63]


def partition_by_year(
    schema_editor: Any, table: str, column: str, *, key: Key, years: Iterable[int], ahead: int = 2
) -> None:
    """Turn the plain ``table`` into one partitioned by the year of ``column`` (PostgreSQL only).

    Partitions are made for ``years`` (the years the data holds, say) and every year from the
    earliest of them to ``ahead`` years after this one. Runs inside the migration's transaction,
    so a failure leaves the plain table as it was.
    """
    if schema_editor.connection.vendor != "postgresql" or is_partitioned(table, schema_editor.connection):
        return
    run = _runner(schema_editor)
    plain = f"{table}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        indexes = _rows(cursor, INDEXES_SQL, [table])
        constraints = _rows(cursor, CONSTRAINTS_SQL, [table])
        incoming = _rows(
            cursor,
            "SELECT c.conname, c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.confrelid = %s::regclass AND c.contype = 'f' AND c.conrelid <> c.confrelid "
            "ORDER BY 2, 3",
            [table],
        )
        self_references = _rows(
            cursor,
            "SELECT c.conname, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.confrelid = %s::regclass AND c.conrelid = c.confrelid AND c.contype = 'f'",
            [table],
        )
        triggers = _rows(
            cursor,
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        unique_indexes = [name for name, definition in indexes if definition.startswith("CREATE UNIQUE")]
        if unique_indexes:
            raise PartitioningError(f"{table}: unique indexes {unique_indexes} would stop being unique per table")
        present = {
            int(y)
            for (y,) in _rows(
                cursor,
                f"SELECT DISTINCT EXTRACT(YEAR FROM {column} AT TIME ZONE 'Asia/Shanghai')::int FROM {table}"
                if key == "local_year_of_timestamp"
                else f"SELECT DISTINCT {column} FROM {table}",
            )
        }
    self_reference_names = {name for name, _ in self_references}
    for name, referencing, _ in incoming:
        run(f'ALTER TABLE "{referencing}" DROP CONSTRAINT "{name}"')
    for name in self_reference_names:
        run(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    run(f'ALTER TABLE "{table}" RENAME TO "{plain}"')
    run(
        f'CREATE TABLE "{table}" (LIKE "{plain}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) '
        f'PARTITION BY RANGE ("{column}")'
    )
    wanted = set(years) | present
    this_year = datetime.date.today().year
    first = min(wanted | {this_year})
    for year in range(first, max(wanted | {this_year + ahead}) + 1):
        run(f'CREATE TABLE "{partition_name(table, year)}" PARTITION OF "{table}" FOR VALUES {_bounds(key, year)}')
    run(f'CREATE TABLE "{partition_name(table, None)}" PARTITION OF "{table}" DEFAULT')
    run(f'INSERT INTO "{table}" SELECT * FROM "{plain}"')
    # A default copied from the plain table names the sequence it owns, which goes with it (after a round trip).
    run(f'ALTER TABLE "{table}" ALTER COLUMN id DROP DEFAULT')
    run(f'DROP TABLE "{plain}"')
    sequence = f"{table}_id_seq"
    run(f'CREATE SEQUENCE "{sequence}" AS bigint OWNED BY "{table}".id')
    run(f'SELECT setval(\'"{sequence}"\', COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)')
    run(f'ALTER TABLE "{table}" ALTER COLUMN id SET DEFAULT nextval(\'"{sequence}"\')')
    for name, kind, definition, columns in constraints:
        if kind == "f" and name in self_reference_names:
            continue
        if kind in ("p", "u"):
            with_key = ", ".join(f'"{c}"' for c in [*columns, *([column] if column not in columns else [])])
            what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
            run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {what} ({with_key})')
        else:
            run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        run(definition)
    for _, definition in triggers:
        run(definition)
    references = [(referencing, attname) for _, referencing, attname in incoming]
    references += [(table, attname) for _, attname in self_references]
    _reference_triggers(schema_editor, table, references)


def _reference_triggers(schema_editor: Any, table: str, references: list[tuple[str, str]]) -> None:
    run = _runner(schema_editor)
    if not references:
        return
    for statement in REFERENCE_FUNCTIONS:
        run(statement)
    for referencing, attname in references:
        run(
            f'CREATE CONSTRAINT TRIGGER "{_reference_trigger_name(referencing, attname)}" '
            f'AFTER INSERT OR UPDATE OF "{attname}" ON "{referencing}" DEFERRABLE INITIALLY DEFERRED '
            f"FOR EACH ROW EXECUTE FUNCTION cecert_reference_exists('{table}', '{attname}')"
        )
    arguments = ", ".join(f"'{name}'" for pair in references for name in pair)
    run(
        f'CREATE CONSTRAINT TRIGGER "{table}_still_referenced" AFTER DELETE ON "{table}" '
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cecert_reference_unused('{table}', {arguments})"
    )


def reference_triggers(table: str, using: BaseDatabaseWrapper | None = None) -> list[tuple[str, str]]:
    """The (referencing table, column) pairs whose foreign keys into ``table`` are kept by triggers."""
    connection = using or default_connection
    with connection.cursor() as cursor:
        rows = _rows(
            cursor,
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'ref\\_%%' "
            "AND NOT tgisinternal AND tgfoid = 'cecert_reference_exists'::regproc AND tgparentid = 0",
        )
    found = []
    for referencing, name in rows:
        match = re.fullmatch(rf"ref_{re.escape(referencing)}_(\w+)", name)
        if match:
            found.append((referencing, match.group(1)))
    return sorted(found)


# --- operations on a partitioned table -------------------------------------------------------------


def year_partitions(table: str, using: BaseDatabaseWrapper | None = None) -> list[YearPartition]:
    """The table's year partitions, attached and detached (a detached one keeps its name), by year."""
    connection = using or default_connection
    if not is_partitioned(table, connection):
        return []
    with connection.cursor() as cursor:
        rows = _rows(
            cursor,
            "SELECT c.relname, i.inhrelid IS NOT NULL, GREATEST(c.reltuples, 0)::bigint FROM pg_class c "
            "LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = %s::regclass "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
            "AND (c.relname = %s OR c.relname ~ %s)",
            [table, partition_name(table, None), f"^{re.escape(table)}_y[0-9]{{4}}$"],
        )
    partitions = [
        YearPartition(table, None if name.endswith("_default") else int(name[-4:]), bool(attached), int(rows))
        for name, attached, rows in rows
    ]
    return sorted(partitions, key=lambda p: (p.year is None, p.year or 0))


def detached_years(table: str, using: BaseDatabaseWrapper | None = None) -> list[int]:
    return [p.year for p in year_partitions(table, using) if not p.attached and p.year is not None]


def ensure_years(
    table: str, column: str, key: Key, years: Iterable[int], using: BaseDatabaseWrapper | None = None
) -> list[int]:
    """Create the partitions of ``years`` that do not exist yet; the years created.

    Rows of such a year already caught by the default partition move into the new partition in
    the same transaction (PostgreSQL refuses to attach a range the default partition still holds).
    A move needs a transaction without deferred checks pending on the default partition (the daily
    job and ``cecert partitions ensure`` have their own): PostgreSQL refuses to switch its delete
    triggers off for the move while any are.
    """
    connection = using or default_connection
    if not is_partitioned(table, connection):
        return []
    existing = {p.year for p in year_partitions(table, connection)}
    created = []
    from django.db import transaction

    for year in sorted(set(years) - existing):
        name = partition_name(table, year)
        default = partition_name(table, None)
        condition = _year_condition(key, column, year)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE {condition})')
            (caught,) = cursor.fetchone()
            if not caught:
                cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES {_bounds(key, year)}')
            else:
                cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
                # The rows move, nothing is deleted: a row trigger on delete (the audit trail's append-only
                # refusal) stays out of it. Constraint triggers stay on: they run at commit, when the rows
                # are in their new partition.
                triggers = [
                    t
                    for (t,) in _rows(
                        cursor,
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                        "AND tgenabled <> 'D' AND tgconstraint = 0 AND tgtype & 9 = 9",  # row (1), delete (8)
                        [default],
                    )
                ]
                for trigger in triggers:
                    cursor.execute(f'ALTER TABLE "{default}" DISABLE TRIGGER "{trigger}"')
                cursor.execute(
                    f'WITH moved AS (DELETE FROM "{default}" WHERE {condition} RETURNING *) '
                    f'INSERT INTO "{name}" SELECT * FROM moved'
                )
                for trigger in triggers:
                    cursor.execute(f'ALTER TABLE "{default}" ENABLE TRIGGER "{trigger}"')
                cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES {_bounds(key, year)}')
        created.append(year)
    return created


def detach_year(table: str, year: int, using: BaseDatabaseWrapper | None = None) -> str:
    """Detach the year's partition; it stays in the database as a table of its own (its name)."""
    connection = using or default_connection
    partition = _partition(table, year, connection)
    if not partition.attached:
        raise PartitioningError(f"{table}: {year} is already detached")
    name = partition_name(table, year)
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
    return name


def attach_year(table: str, key: Key, year: int, using: BaseDatabaseWrapper | None = None) -> str:
    """Attach a detached year's table again (PostgreSQL checks every row lies in the year)."""
    connection = using or default_connection
    partition = _partition(table, year, connection)
    if partition.attached:
        raise PartitioningError(f"{table}: {year} is attached already")
    name = partition_name(table, year)
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES {_bounds(key, year)}')
    return name


def _partition(table: str, year: int, connection: BaseDatabaseWrapper) -> YearPartition:
    if not is_partitioned(table, connection):
        raise PartitioningError(f"{table} is not partitioned (PostgreSQL only)")
    for partition in year_partitions(table, connection):
        if partition.year == year:
            return partition
    raise PartitioningError(f"{table} has no partition for {year}")


def unpartition(schema_editor: Any, table: str) -> None:
    """Reverse :func:`partition_by_year`: one plain table again, foreign keys in place of the triggers.

    Detached years are not brought back (attach them first); the identity column Django made is
    restored as a sequence default, which the ORM treats the same.
    """
    if not is_partitioned(table, schema_editor.connection):
        return
    run = _runner(schema_editor)
    connection = schema_editor.connection
    references = reference_triggers(table, connection)
    references = [(r, c) for r, c in references if _references_table(connection, r, c, table)]
    partitioned = f"{table}_partitioned"
    with connection.cursor() as cursor:
        indexes = _rows(cursor, INDEXES_SQL, [table])
        constraints = _rows(cursor, CONSTRAINTS_SQL, [table])
        triggers = _rows(
            cursor,
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal AND tgfoid <> 'cecert_reference_unused'::regproc "
            "AND tgfoid <> 'cecert_reference_exists'::regproc",
            [table],
        )
        (key_column,) = _rows(
            cursor,
            "SELECT a.attname FROM pg_partitioned_table p JOIN pg_attribute a "
            "ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] WHERE p.partrelid = %s::regclass",
            [table],
        )[0]
    for referencing, attname in references:
        run(f'DROP TRIGGER IF EXISTS "{_reference_trigger_name(referencing, attname)}" ON "{referencing}"')
    run(f'DROP TRIGGER IF EXISTS "{table}_still_referenced" ON "{table}"')
    run(f'ALTER TABLE "{table}" RENAME TO "{partitioned}"')
    run(f'CREATE TABLE "{table}" (LIKE "{partitioned}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)')
    run(f'INSERT INTO "{table}" SELECT * FROM "{partitioned}"')
    run(f'ALTER SEQUENCE "{table}_id_seq" OWNED BY "{table}".id')
    run(f'DROP TABLE "{partitioned}"')
    for name, kind, definition, columns in constraints:
        if kind in ("p", "u"):
            without_key = ", ".join(f'"{c}"' for c in columns if c != key_column) or f'"{key_column}"'
            what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
            run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {what} ({without_key})')
        else:
            run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        run(definition.replace(" ONLY ", " "))
    for _, definition in triggers:
        run(definition)
    for referencing, attname in references:
        constraint = f"{referencing}_{attname}_fk_{table}"[:63]
        run(
            f'ALTER TABLE "{referencing}" ADD CONSTRAINT "{constraint}" '
            f'FOREIGN KEY ("{attname}") REFERENCES "{table}" (id) DEFERRABLE INITIALLY DEFERRED'
        )


def _references_table(connection: BaseDatabaseWrapper, referencing: str, attname: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgargs FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass AND tgparentid = 0",
            [_reference_trigger_name(referencing, attname), referencing],
        )
        row = cursor.fetchone()
    return row is not None and bytes(row[0]).split(b"\x00")[0].decode() == table


# --- the tables the apps partition, and what each asks before a year leaves ----------------------


@dataclass(frozen=True)
class PartitionedTable:
    name: str  # what operators type: ``cecert partitions detach records 2019``
    table: str
    column: str
    key: Key
    label: str  # Chinese, for messages
    # Raises PartitioningError when the year may not leave; runs in the detaching transaction and may
    # write what must outlive the partition (the audit trail's seals).
    before_detach: Callable[[int], None] | None = None
    after_attach: Callable[[int], None] | None = None


PARTITIONED_TABLES: dict[str, PartitionedTable] = {}


def register_partitioned_table(table: PartitionedTable) -> None:
    """Called by the owning app's ``AppConfig.ready`` (``core`` knows no app)."""
    PARTITIONED_TABLES[table.name] = table


def partitioned_table(name: str) -> PartitionedTable:
    try:
        return PARTITIONED_TABLES[name]
    except KeyError:
        known = "、".join(sorted(PARTITIONED_TABLES))
        raise PartitioningError(f"没有名为 {name} 的分区表（可选：{known}） / unknown partitioned table") from None


def ensure_ahead(ahead: int = 2, today: datetime.date | None = None) -> dict[str, list[int]]:
    """Every registered table gets its partitions up to ``ahead`` years after this one (the daily job)."""
    year = (today or datetime.date.today()).year
    return {
        t.name: ensure_years(t.table, t.column, t.key, range(year, year + ahead + 1))
        for t in PARTITIONED_TABLES.values()
    }


def detach(name: str, year: int) -> str:
    """Detach a registered table's year after its owner agreed; both in one transaction."""
    from django.db import transaction

    table = partitioned_table(name)
    with transaction.atomic():
        if table.before_detach is not None:
            table.before_detach(year)
        return detach_year(table.table, year)


def attach(name: str, year: int) -> str:
    from django.db import transaction

    table = partitioned_table(name)
    with transaction.atomic():
        attached = attach_year(table.table, table.key, year)
        if table.after_attach is not None:
            table.after_attach(year)
        return attached
