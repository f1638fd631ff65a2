"""Set-based inserts of rows whose generated keys nobody reads back.

Django 5.2's ``bulk_create`` on PostgreSQL sends each column as an array for
``UNNEST``; building and escaping those arrays cost more than the insert itself
in the import and certificate benchmarks. ``COPY`` streams the rows instead.
Other databases keep ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


def insert_rows(
    objects: Sequence[M], columns: Sequence[str], row: Callable[[M], tuple[Any, ...]], *, batch_size: int = 2000
) -> None:
    """Insert ``objects`` (primary keys not set on them): ``COPY`` of ``row(obj)`` into ``columns`` on
    PostgreSQL (values as the database stores them, JSON as text), ``bulk_create`` elsewhere."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=batch_size)
        return
    quote = connection.ops.quote_name
    # Only identifiers from the models' metadata are interpolated.
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for obj in objects:
            copy.write_row(row(obj))
