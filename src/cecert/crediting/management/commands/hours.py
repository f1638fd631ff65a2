"""``cecert hours evaluate [FILE|-]`` and ``cecert hours compliance [FILE|-]``.

JSON in, JSON out; invalid input exits 2 naming the field, in Chinese and English.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.crediting.errors import CreditingInputError
from cecert.crediting.service import compliance_json, evaluate_json
from cecert.policies.domain.registry import filed_policy_set

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "学时计算 / crediting: evaluate activities or a year's compliance"
    # The calculator draws no certificate: it runs on a machine without the CJK font, which the
    # system checks demand of the server and the certificate commands (certificates.E001).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["evaluate", "compliance"])
        parser.add_argument("file", nargs="?", default="-", help="JSON 文件，- 为标准输入 / JSON file, - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
        except OSError as exc:
            raise CommandError(f"无法读取输入文件 / cannot read {source}: {exc}", returncode=INVALID_INPUT) from None
        try:
            value = json.loads(text, parse_float=Decimal)
        except ValueError as exc:
            raise CommandError(
                f"$: 输入不是有效的 JSON / the input is not valid JSON: {exc}", returncode=INVALID_INPUT
            ) from None
        compute = evaluate_json if options["action"] == "evaluate" else compliance_json
        try:
            result = compute(value, policy_set=filed_policy_set())
        except CreditingInputError as exc:
            self.stderr.write(json.dumps(exc.to_json(), ensure_ascii=False, indent=2))
            lines = "; ".join(f"{e['field']}: {e['message_zh']} / {e['message_en']}" for e in exc.errors)
            raise CommandError(lines, returncode=INVALID_INPUT) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
