"""``cecert import records FILE [--dry-run] --as USERNAME [--kind K] [--type T]``: the import report as JSON.

The importer is the organisation of ``--as`` (a training base's or an
employer's admin). Bases import completions by default (``--kind
base_enrolments`` for enrolment lists); employers import staff records of the
activity type ``--type`` (read from the template's sheet name when omitted).
Exit status: 0 when every row was accepted, 1 when some rows were rejected, 2
when the file or the options are refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.accounts.models import Role, User
from cecert.catalogs import sheets
from cecert.catalogs.domain.imports import ACTIVITY_TYPES, create_import, import_report, run_import
from cecert.catalogs.enums import ImportKind
from cecert.core.errors import DomainError


class Command(BaseCommand):
    help = "批量导入继续教育记录 / bulk-import records from .xlsx or CSV"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["records"])
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入 / check only, write nothing")
        parser.add_argument("--as", dest="username", required=True, help="导入人登录名 / importer's login name")
        parser.add_argument("--kind", choices=ImportKind.values)
        parser.add_argument("--type", dest="activity_type", default="", help="活动类型 / activity type")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户不存在或未启用 / no active user {options['username']!r}", returncode=2)
        bases, employers = user.organisations_for(Role.BASE_ADMIN), user.organisations_for(Role.EMPLOYER_ADMIN)
        kind = options["kind"] or (ImportKind.BASE_COMPLETIONS if bases else ImportKind.EMPLOYER_RECORDS)
        orgs = employers if kind == ImportKind.EMPLOYER_RECORDS else bases
        if not orgs:
            raise CommandError("该用户不是基地或单位管理员 / the user administers no base or employer", returncode=2)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}", returncode=2)
        try:
            if path.stat().st_size > sheets.MAX_UPLOAD_BYTES:
                raise sheets.SheetError(
                    f"文件过大（上限 {sheets.MAX_UPLOAD_BYTES >> 20} MB）",
                    f"the file is too large ({sheets.MAX_UPLOAD_BYTES} bytes at most)",
                )
            sheets.check_file(path)  # before anything (even reading sheet names) parses it
        except sheets.SheetError as exc:
            raise CommandError(f"file: {exc.message_zh} / {exc.message_en}", returncode=2) from None
        activity_type = options["activity_type"] or (_sheet_type(path) if kind == ImportKind.EMPLOYER_RECORDS else "")
        try:
            with path.open("rb") as handle:
                run, _ = create_import(
                    orgs[0], kind=kind, filename=path.name, content=handle, by=user, activity_type=activity_type
                )
            run = run_import(run, by=user, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message_zh} / {exc.message_en}", returncode=2) from None
        report = import_report(run)
        report["dry_run"] = bool(options["dry_run"])
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if report["rejected"] or report["state"] == "failed":
            raise SystemExit(1)


def _sheet_type(path: Path) -> str:
    try:
        from python_calamine import CalamineWorkbook

        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:
        return ""
    return names[0] if names and names[0] in ACTIVITY_TYPES else ""
