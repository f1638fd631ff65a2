"""Reports off the primary: dashboards, exports and title checks read a streaming replica (ADR 0026).

With ``DATABASE_REPLICA_URL`` set, the settings add the database alias ``replica`` and the
``ReplicaRouter``. Nothing reads the replica unless a view asks for it: ``report_reads()`` checks
the replica (reachable, in recovery, replay lag under ``CECERT_REPLICA_MAX_LAG_SECONDS``) and, when
it is fit, sends every read inside the block there. Writes always go to the primary, and so does
anything that must read its own writes (``primary_reads()``, e.g. opening a year's requirement rows
before counting them). When the replica lags or is down, the block reads the primary and the page
says its figures are live.

Lag: the replica is up to date when it has replayed the primary's current WAL position (taken first);
otherwise its lag is the age of the last transaction it replayed (``pg_last_xact_replay_timestamp``).
An idle primary therefore does not make a caught-up replica look late.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

REPLICA_ALIAS = "replica"
# The alias reads go to inside report_reads(); None means the router has no opinion (the primary).
_read_alias: ContextVar[str | None] = ContextVar("cecert_read_alias", default=None)


@dataclass(frozen=True)
class ReadSource:
    """Where a report's figures were read, and how fresh they are (shown on the page)."""

    replica: bool
    state: str  # "replica", "live" (no replica configured), "lagging", "down"
    lag_seconds: float | None = None
    as_of: dt.datetime | None = None

    @property
    def alias(self) -> str:
        return REPLICA_ALIAS if self.replica else DEFAULT_DB_ALIAS

    @property
    def note(self) -> str:
        """The page's note, in Chinese."""
        if self.replica:
            if self.as_of is None or not self.lag_seconds:
                return "数据来自统计副本，与业务库同步"
            local = timezone.localtime(self.as_of).strftime("%H:%M:%S")
            return f"数据来自统计副本，截至 {local}（延迟约 {max(1, round(self.lag_seconds))} 秒）"
        if self.state == "lagging":
            return "统计副本同步延迟较大，本页改从业务库读取，数据为实时数据"
        if self.state == "down":
            return "统计副本暂不可用，本页改从业务库读取，数据为实时数据"
        return "数据为实时数据"


def replica_configured() -> bool:
    return REPLICA_ALIAS in connections.settings


_checked: dict[str, tuple[float, ReadSource]] = {}


def check_replica() -> ReadSource:
    """The replica's fitness now (kept for ``CECERT_REPLICA_CHECK_SECONDS`` in this process)."""
    if not replica_configured():
        return ReadSource(replica=False, state="live")
    cached = _checked.get(REPLICA_ALIAS)
    now = time.monotonic()
    if cached is not None and now - cached[0] < settings.CECERT_REPLICA_CHECK_SECONDS:
        return cached[1]
    source = _measure()
    _checked[REPLICA_ALIAS] = (now, source)
    return source


def forget_check() -> None:
    """Measure again at the next report (after the replica was started, stopped or reconfigured)."""
    _checked.clear()


def _measure() -> ReadSource:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (primary_lsn,) = cursor.fetchone()
        with connections[REPLICA_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " pg_last_xact_replay_timestamp(), now()",
                [primary_lsn],
            )
            in_recovery, caught_up, replayed_at, now = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("replica unavailable, reports read the primary: %s", exc)
        connections[REPLICA_ALIAS].close()
        return ReadSource(replica=False, state="down")
    if not in_recovery:
        logger.warning("the configured replica is not in recovery (promoted?); reports read the primary")
        return ReadSource(replica=False, state="down")
    if caught_up:
        return ReadSource(replica=True, state="replica", lag_seconds=0.0, as_of=now)
    lag = (now - replayed_at).total_seconds() if replayed_at is not None else None
    if lag is None or lag > settings.CECERT_REPLICA_MAX_LAG_SECONDS:
        return ReadSource(replica=False, state="lagging", lag_seconds=lag)
    return ReadSource(replica=True, state="replica", lag_seconds=lag, as_of=replayed_at)


@contextlib.contextmanager
def report_reads() -> Iterator[ReadSource]:
    """Inside the block, reads go to the replica when it is fit; the source says which and how fresh."""
    source = check_replica()
    token = _read_alias.set(source.alias if source.replica else None)
    try:
        yield source
    finally:
        _read_alias.reset(token)


@contextlib.contextmanager
def primary_reads() -> Iterator[None]:
    """Inside the block, reads go to the primary (a step that reads what it has just written)."""
    token = _read_alias.set(None)
    try:
        yield
    finally:
        _read_alias.reset(token)


class ReplicaRouter:
    """Reads inside ``report_reads()`` to the replica; everything else, and every write, to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return _read_alias.get()

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA_ALIAS else None
