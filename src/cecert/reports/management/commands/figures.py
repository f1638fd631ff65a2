"""``cecert figures check|rebuild YEAR``: the per-employer report figures against a recomputation.

``check`` recomputes the year's figures of every employer from the people (the dashboard's bare
``GROUP BY``) and exits non-zero naming each employer whose kept row differs; ``rebuild`` recomputes
the year's rows (after a bulk load, or to start keeping a year).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.reports.domain.figures import figure_mismatches, rebuild_year


class Command(BaseCommand):
    help = "统计数字（按单位、年度）/ the kept report figures per employer and year"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "rebuild"])
        parser.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if options["action"] == "rebuild":
            self.stdout.write(json.dumps({"year": year, "rows": rebuild_year(year)}))
            return
        mismatches = figure_mismatches(year)
        self.stdout.write(
            json.dumps(
                {
                    "year": year,
                    "consistent": not mismatches,
                    "mismatches": [
                        {"employer": e, "kept": asdict(kept), "recomputed": asdict(fresh)}
                        for e, kept, fresh in mismatches[:20]
                    ],
                },
                default=str,
                ensure_ascii=False,
            )
        )
        if mismatches:
            raise CommandError(
                f"统计数字与重新计算的结果不符 / kept figures differ from a recomputation ({len(mismatches)})",
                returncode=1,
            )
