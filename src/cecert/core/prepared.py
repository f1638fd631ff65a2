"""One-row reads for the public hot paths, by a statement psycopg prepares on the connection.

Measured on the public verification lookup (bench/README.md): through Django's default cursor
(psycopg's client-side binding) one indexed single-row query is parsed and planned by PostgreSQL on
every request. psycopg prepares statements itself (server-side binding, ``Cursor`` rather than
``ClientCursor``): the statement is parsed and planned once per connection and then only executed.
Django turns that off by default (``prepare_threshold=None``) and sends everything through
client-side binding cursors, which never prepare; the settings put ``prepare_threshold`` back in
``DATABASES["default"]["OPTIONS"]`` (``CECERT_PREPARED_READS``, default on) and this module reads
through a server-binding cursor wrapped in Django's own cursor wrapper, so execute wrappers and
Django's database errors apply as to any query, and it is recorded in ``connection.queries`` under
DEBUG or ``CaptureQueriesContext``.

Only server-binding cursors are ever prepared, and this module makes the only ones. Behind a
pooler in transaction mode, prepared statements survive only where the pooler tracks them
(PgBouncer 1.21 or later with ``max_prepared_statements``); elsewhere set
``CECERT_PREPARED_READS=0`` and the reads go through Django's ordinary cursor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger("django.db.backends")


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (``%s`` placeholders) with ``params``, or None."""
    db = connections[DEFAULT_DB_ALIAS]
    if not (db.vendor == "postgresql" and settings.CECERT_PREPARED_READS):
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else tuple(row)
    db.ensure_connection()
    started = time.monotonic()
    # Django's wrapper without its debug recording: that reads the query text psycopg keeps only for
    # statements it did not prepare. Recorded below instead, as the debug cursor would.
    # (django-stubs type the argument as Django's wrapper; Django passes the driver's cursor.)
    with db.make_cursor(psycopg.Cursor(db.connection)) as cursor:  # type: ignore[arg-type]
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if db.queries_logged:  # DEBUG or CaptureQueriesContext
        duration = time.monotonic() - started
        db.queries_log.append({"sql": f"{sql} -- prepared; {list(params)!r}", "time": f"{duration:.3f}"})
        logger.debug("(%.3f) %s; args=%r; prepared", duration, sql, list(params))
    return None if row is None else tuple(row)
