"""The audit trail cannot be shortened unseen: signed checkpoints of the chain head outside the database.

Each attack first shows that the hash chain alone would not notice (where that is the point), then
that ``cecert audit verify`` fails with a non-zero exit naming what broke.
"""

from __future__ import annotations

import json
import os
import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cecert.audit import anchoring
from cecert.audit.domain import record, verify_chain
from cecert.audit.models import AuditEntry, AuditKey
from cecert.certificates.crypto.keys import create_root_ca
from cecert.core.errors import DomainError
from tests.audit.tamper import as_database_owner, rewrite_consistently, truncate_and_rewrite_head
from tests.factories import World
from tests.records.factories import advanced, declared
from tests.tsa import serve_tsa


@pytest.fixture
def anchor() -> Path:
    return Path(settings.CECERT_AUDIT_ANCHOR_DIR)


@pytest.fixture
def log(world: World) -> World:
    advanced(world, declared(world.people["emp_jinshui"]))
    call_command("audit", "keys", "create", stdout=StringIO())  # as at deployment
    more_entries(5)  # one chain with several entries, for the attacks on a chain's tail
    assert AuditEntry.objects.count() > 10
    return world


def heads_in_trail() -> list[dict[str, Any]]:
    """Each chain's last entry as the trail holds it, as a checkpoint lists it."""
    heads = []
    for chain in sorted(set(AuditEntry.objects.values_list("chain", flat=True))):
        entries = AuditEntry.objects.filter(chain=chain)
        last = entries.order_by("-sequence").first()
        assert last is not None
        heads.append(
            {"chain": chain, "sequence": last.sequence, "entry_hash": last.entry_hash, "count": entries.count()}
        )
    return heads


def events_chain() -> int:
    """The chain the test events go to (they are about no entity, so all land in one)."""
    entry = AuditEntry.objects.filter(action="test.event").order_by("id").last()
    assert entry is not None
    return entry.chain


def covered(made: dict[str, Any], chain: int) -> int:
    """The sequence a checkpoint (the command's output) sealed for ``chain``."""
    return next(c["sequence"] for c in made["chains"] if c["chain"] == chain)


def verify(*args: str) -> tuple[bool, dict[str, Any], str]:
    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
        return True, json.loads(out.getvalue()), ""
    except CommandError as exc:
        assert exc.returncode == 1
        return False, json.loads(out.getvalue()), str(exc)


def checkpoint(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("audit", "checkpoint", *args, stdout=out)
    return json.loads(out.getvalue())


def more_entries(n: int = 3) -> None:
    for i in range(n):
        record("test.event", reason=f"事件{i}")


def writable(path: Path) -> None:
    path.chmod(0o644)


def test_a_checkpoint_is_a_signed_read_only_document_and_the_trail_records_it(log: World, anchor: Path) -> None:
    heads = heads_in_trail()
    total = AuditEntry.objects.count()
    made = checkpoint()
    assert made["checkpoint"] == 1 and made["chains"] == heads and made["entries"] == total
    doc_path = anchor / "checkpoint-00000001.json"
    document = json.loads(doc_path.read_bytes())
    assert document["chains"] == heads  # every chain's head sealed together
    assert document["previous_sha256"] is None
    for path in (doc_path, anchor / "checkpoint-00000001.json.p7s", *(anchor / "keys").iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert (anchor / "keys" / f"{document['key_id']}.pem").exists()
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.action == "audit.checkpoint" and entry.after["number"] == 1

    ok, report, _ = verify()
    assert ok and report["intact"] and report["anchor"]["checkpoints"] == 1
    assert report["anchor"]["latest"]["entries"] == total and report["chains"] == len(heads_in_trail())

    # Nothing new but its own record: no second checkpoint.
    assert checkpoint() == {"checkpoint": None, "reason": "no new entries"}
    more_entries()
    second = checkpoint()
    assert second["checkpoint"] == 2
    doc2 = json.loads((anchor / "checkpoint-00000002.json").read_bytes())
    assert doc2["previous_sha256"] == anchoring._sha256(doc_path.read_bytes())
    assert verify("--all-signatures")[0]


def test_an_anchor_file_is_never_overwritten(log: World, anchor: Path) -> None:
    checkpoint()
    with pytest.raises(FileExistsError):
        anchoring.write_once(anchor / "checkpoint-00000001.json", b"{}")


def test_truncated_tail_with_rewritten_head_fails(log: World) -> None:
    chain = events_chain()
    sealed = covered(checkpoint(), chain)
    more_entries()
    truncate_and_rewrite_head(chain, keep=sealed - 3)
    assert verify_chain() is None  # the chain alone no longer notices
    ok, report, message = verify()
    assert not ok and not report["intact"]
    assert any(f"it covers chain {chain} entry {sealed}," in p for p in report["anchor"]["problems"])
    assert "shorter than checkpoint 1" in message


def test_checkpointed_entry_rewritten_consistently_fails(log: World) -> None:
    chain = events_chain()
    sealed = covered(checkpoint(), chain)
    rewrite_consistently(chain, sealed - 2, reason="改过的原因")
    assert verify_chain() is None
    ok, _, message = verify()
    assert not ok and f"chain {chain} entry {sealed} differs from checkpoint 1" in message


def test_edited_middle_row_fails(log: World) -> None:
    checkpoint()
    target = AuditEntry.objects.filter(chain=events_chain()).order_by("sequence")[2]
    with as_database_owner():
        AuditEntry.objects.filter(pk=target.pk).update(reason="改过的原因")
    ok, report, _ = verify()
    assert (ok, report["chain"], report["first_broken"], report["problem"]) == (
        False,
        target.chain,
        target.sequence,
        "content changed",
    )


def test_edited_checkpoint_document_fails(log: World, anchor: Path) -> None:
    checkpoint()
    path = anchor / "checkpoint-00000001.json"
    writable(path)
    document = json.loads(path.read_bytes())
    document["chains"][-1]["sequence"] -= 1  # claim a shorter trail
    path.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
    ok, _, message = verify()
    assert not ok and "checkpoint 1 was altered after signing" in message


def _foreign_key() -> AuditKey:
    """An audit key the anchor directory does not know (an attacker's), same name and all."""
    from cryptography.hazmat.primitives import serialization

    from cecert.certificates.crypto.keys import encrypt_private_key

    private, cert = anchoring._new_key_and_certificate()
    return AuditKey(
        key_id="forged",
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_encrypted=encrypt_private_key(private, str(settings.CECERT_KEY_PASSPHRASE).encode()).decode(),
    )


def test_checkpoint_signed_by_another_key_fails(log: World, anchor: Path) -> None:
    chain = events_chain()
    truncate_and_rewrite_head(chain, keep=covered(checkpoint(), chain) - 3)
    # The forger writes a new checkpoint over the shortened trail, with their own key.
    previous = (anchor / "checkpoint-00000001.json").read_bytes()
    document = {
        "format": anchoring.FORMAT,
        "number": 2,
        "created_at": "2026-12-01T00:00:00+00:00",
        "previous_sha256": anchoring._sha256(previous),
        "key_id": "forged",
        "chains": heads_in_trail(),
    }
    raw = json.dumps(document).encode()
    anchoring.write_once(
        anchor / "checkpoint-00000002.json.p7s", anchoring.sign_detached(raw, _foreign_key(), timestamp_url=None)
    )
    anchoring.write_once(anchor / "checkpoint-00000002.json", raw)
    ok, _, message = verify()
    assert not ok and "checkpoint 2 is not signed by an audit key" in message


def test_a_removed_checkpoint_leaves_a_gap(log: World, anchor: Path) -> None:
    for _ in range(3):
        checkpoint()
        more_entries()
    os.remove(anchor / "checkpoint-00000002.json")
    os.remove(anchor / "checkpoint-00000002.json.p7s")
    ok, _, message = verify()
    assert not ok and "checkpoint 2 missing from the sequence" in message


def test_a_removed_latest_checkpoint_is_found_through_the_trail(log: World, anchor: Path) -> None:
    checkpoint()
    more_entries()
    checkpoint()
    more_entries()
    os.remove(anchor / "checkpoint-00000002.json")
    os.remove(anchor / "checkpoint-00000002.json.p7s")
    ok, _, message = verify()
    assert not ok and "checkpoint 2 recorded by entry" in message and "is missing" in message


def test_rotated_key_old_checkpoints_still_verify(log: World, anchor: Path) -> None:
    checkpoint()
    old = AuditKey.objects.get(current=True)
    out = StringIO()
    call_command("audit", "keys", "rotate", stdout=out)
    new_id = json.loads(out.getvalue())["key_id"]
    assert new_id != old.key_id
    assert {p.stem for p in (anchor / "keys").iterdir()} == {old.key_id, new_id}
    more_entries()
    assert (
        json.loads((anchor / f"checkpoint-0000000{checkpoint()['checkpoint']}.json").read_bytes())["key_id"] == new_id
    )
    assert verify("--all-signatures")[0]


def test_without_a_key_and_auto_creation_off_the_checkpoint_refuses(world: World, settings: Any) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = False
    with pytest.raises(CommandError, match="cecert audit keys create"):
        checkpoint()
    settings.CECERT_AUDIT_ANCHOR_DIR = ""
    with pytest.raises(DomainError):
        anchoring.make_checkpoint()
    # With no anchor directory, verify checks the chain alone and says so.
    ok, report, _ = verify()
    assert ok and report["anchor"]["configured"] is False


def test_with_a_timestamp_server_the_checkpoint_is_timestamped(log: World, anchor: Path, settings: Any) -> None:
    with serve_tsa(create_root_ca("测试根")) as (url, requests):
        settings.CECERT_TIMESTAMP_URL = url
        made = checkpoint()
        assert made["timestamped"] is True and requests
    ok, report, _ = verify()
    assert ok and report["anchor"]["latest"]["timestamp"] is not None


def test_scheduled_task_makes_a_checkpoint(log: World, anchor: Path) -> None:
    from cecert.audit.tasks import checkpoint_task

    result = checkpoint_task.call()
    assert result["checkpoint"] == 1
    assert (anchor / "checkpoint-00000001.json").exists()


@pytest.mark.postgres
def test_on_postgresql_the_application_cannot_update_or_delete_entries(log: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    entry = AuditEntry.objects.order_by("sequence").first()
    assert entry is not None
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="改"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    # Appending still works, and the trail is intact.
    record("test.event")
    assert verify_chain() is None


def test_production_without_an_anchor_directory_is_warned(settings: Any) -> None:
    from cecert.audit.apps import check_anchor_dir

    settings.PRODUCTION, settings.CECERT_AUDIT_ANCHOR_DIR = True, ""
    assert [m.id for m in check_anchor_dir()] == ["cecert.W017"]
    settings.CECERT_AUDIT_ANCHOR_DIR = "/mnt/audit-anchors"
    assert check_anchor_dir() == []
