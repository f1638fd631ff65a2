"""Set-based inserts of plain tuples: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

Django 5.2's ``bulk_create`` builds a model instance per row and, per statement, an SQL
text with one placeholder per value (on PostgreSQL each column goes as an array for
``UNNEST``; on SQLite at most 999 parameters, so ~30 rows a statement). In the import and
certificate benchmarks that cost more than the inserts themselves. These functions take
the values as tuples and let the driver stream them. Other databases keep ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model


def _fields(model: type[Model], columns: Sequence[str]) -> list[Field[Any, Any]]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[c] for c in columns]


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]], *, batch_size: int = 2000
) -> None:
    """Insert ``rows`` (values for ``columns``, named by attribute: ``person_id``; JSON as dicts and
    lists) into ``model``'s table.

    Field defaults and ``auto_now`` are not applied: every column without a database default is
    given, and given values are kept.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    fields = _fields(model, columns)
    # Only identifiers from the models' metadata are interpolated.
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        json_at = {i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                if json_at:
                    row = tuple(Jsonb(v) if i in json_at and v is not None else v for i, v in enumerate(row))
                copy.write_row(row)
    elif connection.vendor == "sqlite":
        placeholders = ", ".join("%s" for _ in fields)
        prepared = [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {target} VALUES ({placeholders})", prepared)  # noqa: S608
    else:
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=batch_size
        )


def insert_rows_returning_ids(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]], *, batch_size: int = 2000
) -> list[int]:
    """``insert_rows`` for rows whose new primary keys the caller needs, returned in row order.

    PostgreSQL: the keys are taken from the table's sequence first (one statement for all rows),
    then the rows are copied with them; the sequence stays ahead of every key, as with ``INSERT``.
    SQLite: one writer at a time holds the database from the first insert to the commit, so the
    rows of one ``executemany`` get consecutive keys ending at ``last_insert_rowid()``.
    """
    if not rows:
        return []
    pk = model._meta.pk
    assert pk is not None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        insert_rows(model, (pk.attname, *columns), [(key, *row) for key, row in zip(ids, rows, strict=True)])
        return ids
    if connection.vendor == "sqlite":
        # one transaction (a savepoint inside the caller's): no other writer between our rows
        with transaction.atomic(), connection.cursor() as cursor:
            insert_rows(model, columns, rows)
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))
    created = model._default_manager.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=batch_size
    )
    return [obj.pk for obj in created]
