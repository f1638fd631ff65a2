"""``cecert audit verify``: walk the hash chain of the audit trail."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.audit.domain import verify_chain
from cecert.audit.models import AuditEntry


class Command(BaseCommand):
    help = "审计日志 / audit trail: verify"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验哈希链 / verify the hash chain")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = verify_chain()
        count = AuditEntry.objects.count()
        if problem is not None:
            self.stdout.write(
                json.dumps(
                    {"intact": False, "entries": count, "first_broken": problem.sequence, "problem": problem.problem},
                    ensure_ascii=False,
                )
            )
            raise CommandError(f"审计日志已被篡改 / audit trail broken at {problem}", returncode=1)
        self.stdout.write(json.dumps({"intact": True, "entries": count}))
