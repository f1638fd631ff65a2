"""What someone with the database's superuser rights can do to the trail.

On PostgreSQL the audit entries refuse UPDATE and DELETE (a trigger); a superuser can switch
triggers off for the session (``session_replication_role = replica``), which is how these tests
play the attacker the outside anchor exists for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from cecert.audit.domain import entry_digest
from cecert.audit.models import AuditEntry, AuditHead


@contextmanager
def as_database_owner() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def truncate_and_rewrite_head(chain: int, keep: int) -> None:
    """Delete every entry of ``chain`` after ``keep`` and point its head row at the new last entry."""
    with as_database_owner():
        AuditEntry.objects.filter(chain=chain, sequence__gt=keep).delete()
        last = AuditEntry.objects.get(chain=chain, sequence=keep)
        AuditHead.objects.filter(id=chain).update(last_sequence=keep, last_hash=last.entry_hash)


def rewrite_consistently(chain: int, sequence: int, **changes: object) -> None:
    """Edit an entry and re-hash it and every later entry of its chain, so that the chain alone looks intact."""
    with as_database_owner():
        previous = AuditEntry.objects.get(chain=chain, sequence=sequence).previous_hash
        for entry in AuditEntry.objects.filter(chain=chain, sequence__gte=sequence).order_by("sequence"):
            if entry.sequence == sequence:
                for name, value in changes.items():
                    setattr(entry, name, value)
            entry.previous_hash = previous
            entry.entry_hash = entry_digest(entry)
            edited = changes if entry.sequence == sequence else {}
            AuditEntry.objects.filter(pk=entry.pk).update(
                previous_hash=entry.previous_hash, entry_hash=entry.entry_hash, **edited
            )
            previous = entry.entry_hash
        AuditHead.objects.filter(id=chain).update(last_hash=previous)
