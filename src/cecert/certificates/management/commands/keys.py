"""``cecert keys create|import|list|rotate``: issuing departments' signing keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.certificates.domain import signing_keys
from cecert.certificates.models import KeyStatus, SigningKey
from cecert.core.errors import DomainError
from cecert.regions.models import Region


class Command(BaseCommand):
    help = "发证部门签章密钥 / issuing departments' signing keys: create, import, list, rotate"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="开发/演示：创建根证书和全部发证部门的密钥 / root + all department keys")
        create.add_argument("--region", help="只为该区划代码的部门创建 / only this issuing region")
        imp = sub.add_parser("import", help="导入部门私钥和证书（PEM）/ import a department's PEM key + certificate")
        imp.add_argument("--region", required=True)
        imp.add_argument("--key", required=True, type=Path)
        imp.add_argument("--cert", required=True, type=Path)
        imp.add_argument("--key-password", default="")
        sub.add_parser("list", help="列出密钥 / list keys (JSON)")
        rotate = sub.add_parser("rotate", help="轮换：旧密钥停用但仍可查验 / new key, old one retired")
        rotate.add_argument("--region", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _department(self, code: str) -> Any:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(f"unknown region {code}")
        return signing_keys.issuing_department_for_region(region, create=True)

    def _create(self, options: dict[str, Any]) -> None:
        regions = [Region.objects.get(code=options["region"])] if options["region"] else signing_keys.issuing_regions()
        signing_keys.active_root(create=True)
        created = []
        for region in regions:
            department = signing_keys.issuing_department_for_region(region, create=True)
            key = SigningKey.objects.filter(department=department, status=KeyStatus.CURRENT).first()
            if key is None:
                key = signing_keys.create_department_key(department)
                created.append(key.key_id)
            self.stdout.write(f"{region.code} {department.name} {key.key_id} sm2:{key.sm2_key_id}")
        self.stdout.write(json.dumps({"created": len(created), "departments": len(regions)}))

    def _import(self, options: dict[str, Any]) -> None:
        department = self._department(options["region"])
        key = signing_keys.import_department_key(
            department,
            key_pem=options["key"].read_bytes(),
            cert_pem=options["cert"].read_bytes(),
            key_password=options["key_password"].encode() or None,
        )
        self.stdout.write(
            json.dumps(
                {"department": department.name, "key_id": key.key_id, "sm2_key_id": key.sm2_key_id}, ensure_ascii=False
            )
        )

    def _list(self, options: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(signing_keys.published_keys()["issuers"], ensure_ascii=False, indent=1))

    def _rotate(self, options: dict[str, Any]) -> None:
        department = self._department(options["region"])
        key = signing_keys.rotate_key(department)
        self.stdout.write(
            json.dumps(
                {
                    "department": department.name,
                    "key_id": key.key_id,
                    "retired": list(
                        SigningKey.objects.filter(department=department, status=KeyStatus.RETIRED).values_list(
                            "key_id", flat=True
                        )
                    ),
                },
                ensure_ascii=False,
            )
        )
