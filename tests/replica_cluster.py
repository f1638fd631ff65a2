"""A real PostgreSQL streaming replica of the local server, made by the test run (ADR 0026).

``replica_of(primary)`` clones the primary cluster with ``pg_basebackup -R`` into a temporary
directory, starts it as a hot standby on a free loopback port, and stops and removes it afterwards.

What it needs from the primary, and changes when missing (idempotently, and says so on stderr):
a ``pg_hba.conf`` line letting the ``postgres`` user open a replication connection from 127.0.0.1
(``host replication postgres 127.0.0.1/32 trust``), followed by ``pg_reload_conf()``. It also needs
``wal_level`` replica or logical (the default) and ``max_wal_senders`` above 0 (default 10): those
need a restart, so the fixture only checks them and skips with the reason. The server must be this
machine's, run by the ``postgres`` operating-system user, with the binaries of its major version
under ``/usr/lib/postgresql/<major>/bin``; the test run is root (it runs the standby as ``postgres``)
or ``postgres`` itself. The clone copies every database of the cluster (a developer's benchmark
databases too), so it takes a few seconds on a test machine and longer beside large databases.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

HBA_LINE = "host replication postgres 127.0.0.1/32 trust  # cecert tests: pg_basebackup of a test replica"


class ReplicaUnavailable(Exception):
    """The replica cannot be made here; the message says why (tests skip with it)."""


@dataclass
class Replica:
    port: int
    data_dir: Path
    bin_dir: Path

    def _ctl(self, *args: str) -> None:
        _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args])

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        log = self.data_dir / "server.log"
        try:
            self._ctl("-l", str(log), "-w", "-t", "60", "start")
        except ReplicaUnavailable as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ReplicaUnavailable(f"{exc}\n{tail}") from exc

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def execute(self, sql: str) -> Any:
        with self.connect() as conn:
            row = conn.execute(sql).fetchone()
        return None if row is None else row[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ReplicaUnavailable(f"{' '.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")


def _setting(primary: psycopg.Connection[Any], name: str) -> str:
    row = primary.execute("SELECT current_setting(%s)", [name]).fetchone()
    assert row is not None
    return str(row[0])


def allow_replication(primary: psycopg.Connection[Any]) -> None:
    """Let the postgres user replicate from 127.0.0.1 (once; nothing is changed when a rule already does)."""
    if _setting(primary, "wal_level") not in ("replica", "logical"):
        raise ReplicaUnavailable("wal_level is minimal: a replica needs wal_level=replica (and a restart)")
    if int(_setting(primary, "max_wal_senders")) < 1:
        raise ReplicaUnavailable("max_wal_senders is 0: a replica needs at least 1 (and a restart)")
    rules = primary.execute(
        "SELECT 1 FROM pg_hba_file_rules WHERE type IN ('host', 'hostnossl') AND 'replication' = ANY(database)"
        " AND (address IS NULL OR address = '127.0.0.1' OR address = 'all')"
    ).fetchall()
    if rules:
        return
    hba = Path(_setting(primary, "hba_file"))
    try:
        with hba.open("a") as fh:
            fh.write(f"\n{HBA_LINE}\n")
    except OSError as exc:
        raise ReplicaUnavailable(f"cannot add a replication rule to {hba}: {exc}") from exc
    primary.execute("SELECT pg_reload_conf()")
    print(f"added to {hba}: {HBA_LINE}", file=sys.stderr)
    time.sleep(0.5)  # the postmaster reloads the file asynchronously


@contextlib.contextmanager
def replica_of(host: str, port: int) -> Iterator[Replica]:
    """A hot standby of the PostgreSQL server at ``host:port`` on a free loopback port, for the block."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ReplicaUnavailable(f"the primary ({host}) is not on this machine")
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        raise ReplicaUnavailable("making a standby needs root (to run it as postgres) or the postgres user")
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as primary:
        major = int(_setting(primary, "server_version_num")) // 10000
        allow_replication(primary)
    bin_dir = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (bin_dir / "pg_basebackup").exists():
        raise ReplicaUnavailable(f"no PostgreSQL {major} binaries in {bin_dir}")
    data_dir = Path(tempfile.mkdtemp(prefix="cecert-replica-"))
    shutil.chown(data_dir, "postgres", "postgres") if os.geteuid() == 0 else None
    data_dir.chmod(0o700)
    replica = Replica(_free_port(), data_dir, bin_dir)
    try:
        _as_postgres(
            [
                str(bin_dir / "pg_basebackup"),
                *("-h", host, "-p", str(port), "-U", "postgres", "-D", str(data_dir)),
                *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ]
        )
        # Debian keeps the configuration outside the data directory: give the standby its own.
        config = {
            "postgresql.conf": (
                f"port = {replica.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{data_dir}'\nhot_standby = on\n"
                # (a hot standby keeps the primary's max_connections and the like: those stay as cloned)
                "shared_buffers = 16MB\nfsync = off\nhot_standby_feedback = on\n"
            ),
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in config.items():
            (data_dir / name).write_text(text)
            shutil.chown(data_dir / name, "postgres", "postgres") if os.geteuid() == 0 else None
        replica.start()
        yield replica
    finally:
        with contextlib.suppress(ReplicaUnavailable):
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(data_dir, ignore_errors=True)
