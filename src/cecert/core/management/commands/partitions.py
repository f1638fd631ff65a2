"""``cecert partitions``: the year partitions of records and audit entries on PostgreSQL (ADR 0027).

* ``cecert partitions list`` — every partitioned table's years, attached or detached, and rows (estimated);
* ``cecert partitions ensure [--ahead N]`` — partitions up to N years ahead (the daily job does this);
* ``cecert partitions detach TABLE YEAR`` — the year's partition leaves the live table and stays in the
  database as a table of its own (``records_record_y2019``) for the archive; the owning app checks first;
* ``cecert partitions attach TABLE YEAR`` — brings it back.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cecert.core import partitioning


class Command(BaseCommand):
    help = "年度分区（PostgreSQL） / year partitions of records and audit entries"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="列出分区 / list partitions")
        ensure = actions.add_parser("ensure", help="预建分区 / create the partitions ahead")
        ensure.add_argument("--ahead", type=int, default=2, help="今后几年 / years ahead (default 2)")
        for name, what in (("detach", "分离一个年度 / detach a year"), ("attach", "重新挂接 / attach a year again")):
            sub = actions.add_parser(name, help=what)
            sub.add_argument("table", help="表 / table: " + ", ".join(sorted(partitioning.PARTITIONED_TABLES)))
            sub.add_argument("year", type=int, help="年度 / year")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("年度分区只用于 PostgreSQL；SQLite 保持普通表 / partitions are PostgreSQL only")
        action = options["action"]
        try:
            if action == "list":
                self._list()
            elif action == "ensure":
                for name, years in partitioning.ensure_ahead(options["ahead"]).items():
                    made = "、".join(map(str, years)) or "无（均已存在）"
                    self.stdout.write(f"{name}：新建分区 {made} / created {years}")
            elif action == "detach":
                name = partitioning.detach(options["table"], options["year"])
                self.stdout.write(f"已分离 {options['year']} 年度，保留为表 {name} / detached as table {name}")
            else:
                name = partitioning.attach(options["table"], options["year"])
                self.stdout.write(f"已重新挂接 {name} / attached {name}")
        except partitioning.PartitioningError as exc:
            raise CommandError(str(exc)) from None

    def _list(self) -> None:
        for name, table in sorted(partitioning.PARTITIONED_TABLES.items()):
            self.stdout.write(f"{name}（{table.label}，表 {table.table}）")
            for p in partitioning.year_partitions(table.table):
                year = "默认分区 default" if p.year is None else f"{p.year} 年度"
                state = "在用 attached" if p.attached else "已分离 detached"
                self.stdout.write(f"  {year}\t{state}\t约 {p.rows_estimate} 行 rows")
