"""``cecert audit verify`` over a log written by the review chain: intact passes; edits, removals and
reorderings are found and named."""

from __future__ import annotations

import itertools
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cecert.audit.models import AuditEntry
from tests.audit.tamper import as_database_owner
from tests.factories import World
from tests.records.factories import advanced, declared


@pytest.fixture
def log(world: World) -> list[AuditEntry]:
    advanced(world, declared(world.people["emp_jinshui"]))
    entries = list(AuditEntry.objects.order_by("chain", "sequence"))
    assert len(entries) > 5
    return entries


def _verify() -> tuple[bool, dict[str, object]]:
    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=StringIO())
        ok = True
    except CommandError:
        ok = False
    return ok, json.loads(out.getvalue())


def test_intact_log_passes(log: list[AuditEntry]) -> None:
    ok, report = _verify()
    assert (ok, report["intact"], report["entries"]) == (True, True, len(log))


def test_edited_entry_is_found(log: list[AuditEntry]) -> None:
    target = log[-2]
    with as_database_owner():
        AuditEntry.objects.filter(pk=target.pk).update(reason="改过的原因")
    ok, report = _verify()
    assert (ok, report["chain"], report["first_broken"], report["problem"]) == (
        False,
        target.chain,
        target.sequence,
        "content changed",
    )


def test_deleted_entry_is_found(log: list[AuditEntry]) -> None:
    target = log[3]
    with as_database_owner():
        AuditEntry.objects.filter(pk=target.pk).delete()
    ok, report = _verify()
    assert (ok, report["chain"], report["first_broken"]) == (False, target.chain, target.sequence)


def test_reordered_pair_is_found(log: list[AuditEntry]) -> None:
    a, b = next((x, y) for x, y in itertools.pairwise(log) if x.chain == y.chain)  # neighbours in one chain
    with as_database_owner():
        AuditEntry.objects.filter(pk=a.pk).update(sequence=10_000)
        AuditEntry.objects.filter(pk=b.pk).update(sequence=a.sequence)
        AuditEntry.objects.filter(pk=a.pk).update(sequence=b.sequence)
    ok, report = _verify()
    assert (ok, report["first_broken"]) == (False, a.sequence)
