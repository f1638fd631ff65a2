"""The reporting-replica router without a replica, and its rule that writes never go there (ADR 0026).

The behaviour with a real streaming replica is in ``tests/reports/test_replica.py``.
"""

from __future__ import annotations

from cecert.accounts.models import Person
from cecert.core import replica as replica_module
from cecert.core.replica import REPLICA_ALIAS, ReadSource, ReplicaRouter, report_reads
from tests.factories import World, logged_in


def test_without_a_replica_reports_read_the_primary_and_say_so(world: World) -> None:
    with report_reads() as source:
        assert (source.replica, source.alias, source.note) == (False, "default", "数据为实时数据")
        assert ReplicaRouter().db_for_read(Person) is None
    page = logged_in(world.users["hr_province"]).get("/reports/?year=2025").content.decode()
    assert 'data-read-source="live">数据为实时数据<' in page


def test_writes_never_go_to_the_replica(world: World) -> None:
    """Inside a report's replica reads, writes (and migrations) still go to the primary."""
    router = ReplicaRouter()
    token = replica_module._read_alias.set(REPLICA_ALIAS)  # what report_reads() sets when the replica is fit
    try:
        assert router.db_for_read(Person) == REPLICA_ALIAS
        assert router.db_for_write(Person) == "default"
        assert router.db_for_write(Person, instance=world.people["emp_jinshui"]) == "default"
        assert router.allow_migrate(REPLICA_ALIAS, "records") is False
        assert router.allow_migrate("default", "records") is None
    finally:
        replica_module._read_alias.reset(token)


def test_the_notes_say_where_the_figures_came_from() -> None:
    assert ReadSource(replica=True, state="replica", lag_seconds=0.0).note == "数据来自统计副本，与业务库同步"
    assert ReadSource(replica=False, state="lagging", lag_seconds=99.0).note.endswith("数据为实时数据")
    assert ReadSource(replica=False, state="down").note.startswith("统计副本暂不可用")
