"""The audit trail as several hash chains (ADR 0025): independent writes do not queue behind one row.

The concurrency tests run real transactions on PostgreSQL in threads, each on its own connection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction

from cecert.audit.domain import chain_for, chain_problems, genesis_hash, record, verify_chain
from cecert.audit.models import AuditEntry, AuditHead
from tests.audit.tamper import as_database_owner

WAIT = 30  # seconds: a bound for a thread that should finish, never a measurement


def actions_in_chains() -> tuple[str, str, str]:
    """Two actions (about no entity) that land in one chain, and a third in another."""
    by_chain: dict[int, list[str]] = {}
    for n in range(200):
        action = f"test.event{n}"
        by_chain.setdefault(chain_for(f"{action}:"), []).append(action)
    same = next(actions for actions in by_chain.values() if len(actions) >= 2)
    other = next(actions[0] for chain, actions in by_chain.items() if chain != chain_for(f"{same[0]}:"))
    return same[0], same[1], other


@pytest.mark.django_db(transaction=True)  # on PostgreSQL one transaction keeps to one chain: commit each
def test_entries_about_different_entities_spread_over_chains_and_every_chain_is_walked() -> None:
    first, same, other = actions_in_chains()
    entries = [record(first), record(same), record(other), record(first)]
    assert [e.chain for e in entries] == [chain_for(f"{first}:")] * 2 + [chain_for(f"{other}:"), entries[0].chain]
    assert [e.sequence for e in entries if e.chain == entries[0].chain] == [1, 2, 3]
    # Each chain starts from its own genesis; chain 1 (the trail before the split) from the zero hash.
    assert entries[2].sequence == 1 and entries[2].previous_hash == genesis_hash(entries[2].chain)
    assert genesis_hash(1) == "0" * 64 and len({genesis_hash(n) for n in range(1, 17)}) == 16
    assert verify_chain() is None
    # A broken entry in any chain is found, named with its chain.
    with as_database_owner():
        AuditEntry.objects.filter(pk=entries[2].pk).update(reason="改过的原因")
    assert [(p.chain, p.sequence, p.problem) for p in chain_problems()] == [(entries[2].chain, 1, "content changed")]


@pytest.mark.django_db(transaction=True)
def test_an_entry_moved_to_another_chain_is_found() -> None:
    first, _, other = actions_in_chains()
    moved, kept = record(first), record(other)
    with as_database_owner():
        AuditEntry.objects.filter(pk=moved.pk).update(chain=kept.chain, sequence=2)
    assert {(p.chain, p.problem) for p in chain_problems()} == {
        (kept.chain, "does not follow the previous entry (reordered or removed)"),
        (moved.chain, "entries after this one were removed"),  # its head still names it
    }


@pytest.mark.django_db(transaction=True)
def test_a_chain_without_its_head_row_is_found() -> None:
    entry = record("test.event")
    AuditHead.objects.filter(id=entry.chain).delete()
    assert [(p.chain, p.problem) for p in chain_problems()] == [(entry.chain, "the chain has no head row")]


def test_one_chain_alone_is_the_single_chain_of_before(db: None, settings: Any) -> None:
    settings.CECERT_AUDIT_CHAINS = 1
    entries = [record(f"test.event{n}") for n in range(3)]
    assert {e.chain for e in entries} == {1} and [e.sequence for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == "0" * 64 and verify_chain() is None


# ---------------------------------------------------------------- real concurrent transactions


def _on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are only meaningful on PostgreSQL (SQLite serialises writers)")


def _thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def holder() -> Iterator[tuple[Callable[[str], threading.Thread], threading.Event, list[BaseException]]]:
    """Start a transaction that appends one entry and keeps its chain's head locked until released."""
    release, errors = threading.Event(), []
    threads: list[threading.Thread] = []

    def start(action: str) -> threading.Thread:
        holding = threading.Event()

        def hold() -> None:
            with transaction.atomic():
                record(action)
                holding.set()
                release.wait(WAIT)

        thread = _thread(hold, errors)
        threads.append(thread)
        assert holding.wait(WAIT), errors
        return thread

    yield start, release, errors
    release.set()
    for thread in threads:
        thread.join(WAIT)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_audited_writes_in_different_chains_do_not_wait_for_each_other(holder: Any) -> None:
    _on_postgresql()
    start, release, errors = holder
    first, _, other = actions_in_chains()
    record(first), record(other)  # both heads exist
    start(first)  # a transaction holds the first chain's head, uncommitted
    done = threading.Event()

    def write_other() -> None:
        with transaction.atomic():
            record(other)
        done.set()

    _thread(write_other, errors)
    assert done.wait(WAIT) and errors == []  # committed while the first chain is still locked
    assert not release.is_set()
    assert AuditEntry.objects.filter(action=other).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_audited_writes_in_one_chain_wait_and_follow_each_other(holder: Any) -> None:
    _on_postgresql()
    start, release, errors = holder
    first, same, _ = actions_in_chains()
    record(first)
    held = start(first)
    pid: list[int] = []
    done = threading.Event()

    def write_same() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid.append(cursor.fetchone()[0])
        with transaction.atomic():
            record(same)
        done.set()

    second = _thread(write_same, errors)
    assert _until(lambda: bool(pid) and _waiting_on_a_lock(pid[0])), errors  # queued behind the head row
    assert not done.is_set()
    release.set()
    held.join(WAIT)
    second.join(WAIT)
    assert done.is_set() and errors == []
    chain = chain_for(f"{first}:")
    entries = list(AuditEntry.objects.filter(chain=chain).order_by("sequence"))
    assert [(e.action, e.sequence) for e in entries] == [(first, 1), (first, 2), (same, 3)]
    assert entries[2].previous_hash == entries[1].entry_hash and verify_chain() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_appends_to_one_chain_so_crossed_writes_cannot_deadlock() -> None:
    """Two transactions audit entities X then Y and Y then X at once: each keeps to its first chain."""
    _on_postgresql()
    first, _, other = actions_in_chains()
    record(first), record(other)
    barrier, errors = threading.Barrier(2), []

    def crossed(one: str, two: str) -> Callable[[], None]:
        def run() -> None:
            with transaction.atomic():
                record(one)
                barrier.wait(WAIT)
                record(two)

        return run

    threads = [_thread(crossed(first, other), errors), _thread(crossed(other, first), errors)]
    for thread in threads:
        thread.join(WAIT)
    assert errors == []
    # Each chain: its first entry, then one transaction's two entries (its own action, then the other's).
    for one, two in ((first, other), (other, first)):
        entries = AuditEntry.objects.filter(chain=chain_for(f"{one}:")).order_by("sequence")
        assert [(e.action, e.sequence) for e in entries] == [(one, 1), (one, 2), (two, 3)]
    assert verify_chain() is None
