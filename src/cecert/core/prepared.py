"""One-row reads by a server-side prepared statement, for the public hot paths on PostgreSQL.

Measured on the public verification lookup (bench/README.md): through Django's cursor and psycopg's
client-side binding, one indexed single-row query cost the web worker ~0.16 ms of CPU and twice the
database's time of a prepared statement; the same query sent with libpq's ``PQexecPrepared`` on
Django's own connection cost ~0.035 ms and half the wall time. The statement is prepared once per
database connection (parsed and planned once) and its row is read as text, so no per-column loaders
run: callers convert the few values they need.

Only on PostgreSQL whose ``DateStyle`` is ISO (the default; timestamps then read as
``2025-12-01 08:00:00.123+00``); elsewhere ``fetch_one`` answers ``UNAVAILABLE`` and callers use a
plain cursor. Behind a pooler in transaction mode (PgBouncer), named prepared statements do not
survive between transactions: such deployments set ``CECERT_PREPARED_READS=0``. While execute
wrappers are installed (instrumentation) the reads go through a cursor; with DEBUG or
``CaptureQueriesContext`` they are recorded in ``connection.queries`` as the debug cursor would.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import pq

logger = logging.getLogger("django.db.backends")


@dataclass
class _Session:
    """What a psycopg connection can take and has prepared: read once per connection."""

    usable: bool
    pgconn: Any
    encoding: str
    prepared: set[str] = field(default_factory=set)


# A new connection (reconnect, CONN_MAX_AGE) starts afresh; its entry goes with the connection object.
_sessions: weakref.WeakKeyDictionary[Any, _Session] = weakref.WeakKeyDictionary()


class Unavailable:
    """What ``fetch_one`` answers when the database cannot take a prepared read: use a cursor."""


UNAVAILABLE = Unavailable()


def fetch_one(name: str, sql: str, params: Sequence[str]) -> tuple[Any, ...] | Unavailable | None:
    """The first row of ``sql`` (placeholders ``$1``, ``$2``…) with ``params``, every value as text
    (``None`` for NULL); ``None`` when there is no row; ``UNAVAILABLE`` on a database that cannot
    (not PostgreSQL, a ``DateStyle`` other than ISO, ``CECERT_PREPARED_READS`` off). Errors are
    Django's database errors."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not settings.CECERT_PREPARED_READS or db.execute_wrappers:
        return UNAVAILABLE  # execute wrappers (instrumentation) see every query only through a cursor
    db.ensure_connection()
    raw = db.connection
    session = _sessions.get(raw)
    if session is None:
        date_style = raw.pgconn.parameter_status(b"DateStyle") or b""
        session = _sessions[raw] = _Session(date_style.startswith(b"ISO"), raw.pgconn, raw.info.encoding)
    if not session.usable:
        return UNAVAILABLE
    pgconn, encoding = session.pgconn, session.encoding
    started = time.monotonic()
    with db.wrap_database_errors:
        if name not in session.prepared:
            _raise_for(pgconn.prepare(name.encode(), sql.encode()), encoding)
            session.prepared.add(name)
        result = pgconn.exec_prepared(name.encode(), [p.encode(encoding) for p in params])
        _raise_for(result, encoding)
    if db.queries_logged:  # DEBUG or CaptureQueriesContext, as Django's debug cursor records them
        duration = time.monotonic() - started
        db.queries_log.append({"sql": f"EXECUTE {name} ({sql}) {list(params)!r}", "time": f"{duration:.3f}"})
        logger.debug("(%.3f) EXECUTE %s %r", duration, name, list(params))
    if result.ntuples == 0:
        return None
    values = (result.get_value(0, column) for column in range(result.nfields))
    row = tuple(None if value is None else bytes(value).decode(encoding) for value in values)
    result.clear()
    return row


def _raise_for(result: Any, encoding: str) -> None:
    if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        raise psycopg.errors.error_from_result(result, encoding=encoding)
