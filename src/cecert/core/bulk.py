"""Set-based inserts: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

Django 5.2's ``bulk_create`` on PostgreSQL sends each column as an array for
``UNNEST``; building and escaping those arrays (and the model instances before
them) cost more than the insert itself in the import and certificate
benchmarks. ``COPY`` streams plain tuples instead. Other databases keep
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]], *, batch_size: int = 2000
) -> None:
    """Insert ``rows`` (values for ``columns``, named by attribute: ``person_id``; JSON as dicts and
    lists) into ``model``'s table: ``COPY`` on PostgreSQL, ``bulk_create`` of instances elsewhere.

    Field defaults are not applied: every column without a database default is given (``auto_now``
    fields keep the given value on PostgreSQL; ``bulk_create`` elsewhere sets them to now).
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=batch_size
        )
        return
    from psycopg.types.json import Jsonb

    quote = connection.ops.quote_name
    fields = {f.attname: f for f in model._meta.concrete_fields}
    json_at = {i for i, c in enumerate(columns) if fields[c].get_internal_type() == "JSONField"}
    # Only identifiers from the models' metadata are interpolated.
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(fields[c].column) for c in columns)})"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            if json_at:
                row = tuple(Jsonb(v) if i in json_at and v is not None else v for i, v in enumerate(row))
            copy.write_row(row)


def insert_rows_returning_ids(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]], *, batch_size: int = 2000
) -> list[int]:
    """``insert_rows`` for rows whose new primary keys the caller needs, returned in row order.

    On PostgreSQL the keys are taken from the table's sequence first (one statement for all rows),
    then the rows are copied with them; the sequence stays ahead of every key, as with ``INSERT``.
    """
    if not rows:
        return []
    pk = model._meta.pk
    assert pk is not None
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=batch_size
        )
        return [obj.pk for obj in created]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    insert_rows(model, (pk.attname, *columns), [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)])
    return ids
