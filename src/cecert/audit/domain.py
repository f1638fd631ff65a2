"""Appending to and verifying the audit chains (ADR 0006, ADR 0025).

Each entry's hash covers its content and the previous entry's hash in its chain, so an edited,
removed or reordered entry breaks its chain at that point. The trail is split over
``CECERT_AUDIT_CHAINS`` chains, each with its own head row: an entry goes to the chain chosen from
the entity it is about, so audited writes about different entities mostly lock different heads and
proceed in parallel. A transaction appends to one chain only — the chain of its first audited write —
so two transactions never wait on each other's heads in opposite orders (no deadlock). Chain 1 starts
from the zero hash (it holds the trail from before the split); every other chain starts from a hash
of its own number, so no entry can be moved to the head of another chain unseen.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from cecert.audit.models import AuditEntry, AuditHead
from cecert.core.network import client_address
from cecert.core.partitioning import detached_years

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.http import HttpRequest

    from cecert.accounts.models import User


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_digest(entry: AuditEntry) -> str:
    content = {
        "sequence": entry.sequence,
        # In UTC whatever zone the value was made in: the database gives it back in UTC.
        "at": entry.at.astimezone(datetime.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "actor_role": entry.actor_role,
        "source_ip": entry.source_ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "previous": entry.previous_hash,
    }
    return hashlib.sha256(_canonical(content)).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    return "" if request is None else client_address(request)


# The audit table's name, partitioned by year on PostgreSQL (ADR 0027), and the entry that seals a detached year.
TABLE = "audit_auditentry"
DETACHED_ACTION = "audit.year_detached"


def genesis_hash(chain: int) -> str:
    """The ``previous_hash`` of a chain's first entry."""
    if chain == 1:
        return "0" * 64
    return hashlib.sha256(f"cecert-audit-chain:{chain}".encode()).hexdigest()


def chain_for(key: str, chains: int | None = None) -> int:
    """The chain (1…N) an entity's entries go to: a stable hash of its key, spread evenly."""
    count = max(1, chains if chains is not None else int(settings.CECERT_AUDIT_CHAINS))
    return 1 + int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % count


def _entity_key(action: str, actor: User | None, obj: models.Model | None, source_ip: str) -> str:
    if obj is not None:
        return f"{obj._meta.label_lower}:{obj.pk}"
    if actor is not None and actor.pk:
        return f"user:{actor.pk}"
    return f"{action}:{source_ip}"


# The chain the open transaction of each PostgreSQL connection already appends to: (transaction id, chain).
_held_chain: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[str, int]] = weakref.WeakKeyDictionary()


def _chain_to_append(key: str, *, in_outer_transaction: bool) -> int:
    """The entity's chain, or the one this transaction already holds (one head per transaction)."""
    chain = chain_for(key)
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not in_outer_transaction:
        return chain  # SQLite has one writer at a time; a transaction of its own holds no other head.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        (xact,) = cursor.fetchone()
    held = _held_chain.get(connection)
    if held is not None and held[0] == xact:
        return held[1]
    _held_chain[connection] = (xact, chain)
    return chain


def record(
    action: str,
    *,
    actor: User | None = None,
    role: str = "",
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry; runs inside the caller's transaction so both land or neither.

    The chain's head row stays locked until that transaction ends: entries of one chain are in
    commit order, and other chains are free meanwhile.
    """
    source_ip = client_ip(request)
    in_outer_transaction = transaction.get_connection().in_atomic_block
    with transaction.atomic():
        chain = _chain_to_append(_entity_key(action, actor, obj, source_ip), in_outer_transaction=in_outer_transaction)
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            id=chain, defaults={"last_hash": genesis_hash(chain)}
        )
        entry = AuditEntry(
            chain=chain,
            sequence=head.last_sequence + 1,
            at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_label=str(actor) if actor is not None and actor.pk else "",
            actor_role=role,
            source_ip=source_ip,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            before=_jsonable(before),
            after=_jsonable(after),
            reason=reason,
            previous_hash=head.last_hash,
        )
        entry.entry_hash = entry_digest(entry)
        entry.save()
        head.last_hash, head.last_sequence = entry.entry_hash, entry.sequence
        head.save()
    return entry


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(json.dumps(value, default=str))


@dataclass(frozen=True)
class ChainProblem:
    chain: int
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"chain {self.chain} entry {self.sequence}: {self.problem}"


def seals() -> dict[int, tuple[int, str]]:
    """Per chain, the (sequence, hash) the live trail continues from; empty while no year is detached."""
    years = set(detached_years(TABLE))
    if not years:
        return {}
    merged: dict[int, tuple[int, str]] = {}
    for after in AuditEntry.objects.filter(action=DETACHED_ACTION).order_by("id").values_list("after", flat=True):
        if not isinstance(after, dict) or after.get("year") not in years:
            continue
        for chain, (sequence, entry_hash) in after.get("seals", {}).items():
            if int(chain) not in merged or int(sequence) > merged[int(chain)][0]:
                merged[int(chain)] = (int(sequence), str(entry_hash))
    return merged


def chain_problems(batch_size: int = 5000) -> list[ChainProblem]:
    """Walk every chain; the first broken entry of each broken chain (empty when all are intact).

    A chain starts from its genesis hash, or from its seal when old years are detached (``audit.archive``).
    """
    problems: list[ChainProblem] = []
    heads = {h.id: h for h in AuditHead.objects.all()}
    # chain -> (last sequence, last hash) while intact; a detached year's seal is where the live trail resumes
    walked: dict[int, tuple[int, str]] = dict(seals())
    broken: set[int] = set()
    for entry in AuditEntry.objects.order_by("chain", "sequence").iterator(chunk_size=batch_size):
        chain = entry.chain
        if chain in broken:
            continue
        last_sequence, last_hash = walked.get(chain, (0, genesis_hash(chain)))
        problem = None
        if entry.sequence != last_sequence + 1:
            problem = ChainProblem(chain, last_sequence + 1, "missing (removed) entry")
        elif entry.previous_hash != last_hash:
            problem = ChainProblem(chain, entry.sequence, "does not follow the previous entry (reordered or removed)")
        elif entry_digest(entry) != entry.entry_hash:
            problem = ChainProblem(chain, entry.sequence, "content changed")
        if problem is not None:
            problems.append(problem)
            broken.add(chain)
            continue
        walked[chain] = (entry.sequence, entry.entry_hash)
    for chain in sorted(set(heads) | set(walked)):
        if chain in broken:
            continue
        last_sequence, last_hash = walked.get(chain, (0, genesis_hash(chain)))
        head = heads.get(chain)
        if head is None:
            problems.append(ChainProblem(chain, last_sequence, "the chain has no head row"))
        elif head.last_sequence != last_sequence or head.last_hash != last_hash:
            problems.append(ChainProblem(chain, last_sequence + 1, "entries after this one were removed"))
    return problems


def verify_chain(batch_size: int = 5000) -> ChainProblem | None:
    """The first broken entry over all chains, or None when every chain is intact."""
    problems = chain_problems(batch_size)
    return problems[0] if problems else None
