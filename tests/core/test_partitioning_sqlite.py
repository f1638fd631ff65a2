"""SQLite keeps plain tables: nothing to partition, and the command says so instead of pretending."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cecert.core import partitioning


def test_sqlite_has_no_partitions_and_the_command_refuses(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL side is tests/core/test_partitioning.py")
    assert not partitioning.is_partitioned("records_record")
    assert partitioning.year_partitions("records_record") == []
    assert partitioning.detached_years("audit_auditentry") == []
    assert partitioning.ensure_ahead() == {"records": [], "audit": []}
    with pytest.raises(CommandError, match="只用于 PostgreSQL"):
        call_command("partitions", "list")
