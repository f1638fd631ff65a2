"""``cecert audit verify | checkpoint | keys``: the audit trail's hash chain and its outside anchor.

``verify`` walks the hash chain and checks it against the signed checkpoints in
``CECERT_AUDIT_ANCHOR_DIR`` (ADR 0006, ADR 0017); it exits non-zero naming what broke.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.audit import anchoring
from cecert.audit.domain import chain_problems
from cecert.audit.models import AuditEntry, AuditKey
from cecert.core.errors import DomainError


class Command(BaseCommand):
    help = "审计日志 / audit trail: verify, checkpoint, keys"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="校验哈希链和检查点 / verify the hash chain against the checkpoints")
        verify.add_argument(
            "--all-signatures",
            action="store_true",
            help="校验每个检查点的签名（默认只校验最新的）/ check every checkpoint's signature, not only the latest",
        )
        checkpoint = sub.add_parser("checkpoint", help="签署链头检查点 / sign the chain head into the anchor directory")
        checkpoint.add_argument("--force", action="store_true", help="即使没有新条目 / even when nothing is new")
        keys = sub.add_parser("keys", help="审计签名密钥 / the audit signing key")
        keys.add_argument("key_action", choices=["create", "rotate", "list"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, options: dict[str, Any]) -> None:
        broken = chain_problems()
        anchors = anchoring.verify_checkpoints(all_signatures=options["all_signatures"])
        count = AuditEntry.objects.count()
        chains = AuditEntry.objects.values("chain").distinct().count()
        report: dict[str, Any] = {"intact": not broken and not anchors.problems, "entries": count, "chains": chains}
        if broken:
            first = broken[0]
            report.update(
                first_broken=first.sequence,
                chain=first.chain,
                problem=first.problem,
                broken_chains=[{"chain": p.chain, "sequence": p.sequence, "problem": p.problem} for p in broken],
            )
        report["anchor"] = anchors.as_dict()
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        if broken:
            raise CommandError(
                "审计日志已被篡改 / audit trail broken at " + "; ".join(str(p) for p in broken), returncode=1
            )
        if anchors.problems:
            raise CommandError(
                "审计日志与检查点不符 / audit trail does not match its checkpoints: " + "; ".join(anchors.problems),
                returncode=1,
            )
        if not anchors.configured:
            self.stderr.write("未配置审计锚定目录，只校验了哈希链 / no anchor directory: only the chain was checked")

    def _checkpoint(self, options: dict[str, Any]) -> None:
        try:
            checkpoint = anchoring.make_checkpoint(force=options["force"])
        except FileExistsError as exc:
            raise CommandError(f"检查点编号已被占用（另一进程正在写入？）/ checkpoint number taken: {exc}") from exc
        if checkpoint is None:
            self.stdout.write(json.dumps({"checkpoint": None, "reason": "no new entries"}))
            return
        self.stdout.write(
            json.dumps(
                {
                    "checkpoint": checkpoint.number,
                    "file": anchoring.checkpoint_name(checkpoint.number),
                    "entries": checkpoint.entries,
                    "chains": [head.as_dict() for head in checkpoint.chains.values()],
                    "timestamped": checkpoint.signature is not None
                    and anchoring.timestamp_time(checkpoint) is not None,
                }
            )
        )

    def _keys(self, options: dict[str, Any]) -> None:
        action = options["key_action"]
        if action == "list":
            keys = AuditKey.objects.order_by("created_at")
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "key_id": k.key_id,
                            "current": k.current,
                            "created_at": k.created_at.isoformat(),
                            "retired_at": k.retired_at.isoformat() if k.retired_at else None,
                            "certificate_pem": k.certificate_pem,
                        }
                        for k in keys
                    ],
                    indent=1,
                )
            )
            return
        key = anchoring.create_key(rotate=action == "rotate")
        self.stdout.write(json.dumps({"key_id": key.key_id, "anchor_dir": str(anchoring.anchor_dir())}))
