"""Set-based inserts of rows whose generated keys nobody reads back.

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

    Field defaults and ``auto_now`` are not applied: every column without a database default is given.
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
