"""Appending to and verifying the audit chain.

Each entry's hash covers its content and the previous entry's hash, so an
edited, removed or reordered entry breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from cecert.audit.models import AuditEntry, AuditHead
from cecert.core.network import client_address

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cecert.accounts.models import User


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_digest(entry: AuditEntry) -> str:
    content = {
        "sequence": entry.sequence,
        "at": entry.at.isoformat(),
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
    """Append one entry; runs inside the caller's transaction so both land or neither."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            sequence=head.last_sequence + 1,
            at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_label=str(actor) if actor is not None and actor.pk else "",
            actor_role=role,
            source_ip=client_ip(request),
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
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.sequence}: {self.problem}"


def verify_chain(batch_size: int = 5000) -> ChainProblem | None:
    """Walk the whole chain; the first broken entry, or None when intact."""
    previous_hash, expected_sequence = "0" * 64, 1
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if entry.sequence != expected_sequence:
            return ChainProblem(expected_sequence, "missing (removed) entry")
        if entry.previous_hash != previous_hash:
            return ChainProblem(entry.sequence, "does not follow the previous entry (reordered or removed)")
        if entry_digest(entry) != entry.entry_hash:
            return ChainProblem(entry.sequence, "content changed")
        previous_hash, expected_sequence = entry.entry_hash, expected_sequence + 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.last_sequence != expected_sequence - 1 or head.last_hash != previous_hash):
        return ChainProblem(expected_sequence, "entries after this one were removed")
    return None
