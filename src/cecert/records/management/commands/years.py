"""``cecert years``: the maintained per-person-year tables behind the year status.

* ``cecert years sums`` compares the trigger-maintained certified sums with a
  fresh recomputation from the records and exits non-zero on any difference;
  ``--rebuild`` recomputes the whole table (after a bulk load that disabled the triggers).
* ``cecert years open YEAR`` creates every person's requirement row for the
  year (run at the turn of the year) and repairs rows whose policy inputs no
  longer match the person's employer.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.accounts.models import Person
from cecert.records.domain.sums import certified_sum_mismatches, rebuild_certified_sums
from cecert.records.domain.years import ensure_person_years


class Command(BaseCommand):
    help = "年度学时汇总 / per-person-year sums and requirements"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sums = sub.add_parser("sums", help="核对已认定学时汇总 / check the certified sums")
        sums.add_argument("--rebuild", action="store_true", help="全部重算 / recompute the whole table")
        opening = sub.add_parser("open", help="建立年度学时要求 / create the year's requirement rows")
        opening.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "open":
            created = ensure_person_years(Person.objects.all(), options["year"], recheck_inputs=True)
            self.stdout.write(json.dumps({"year": options["year"], "created": created}))
            return
        if options["rebuild"]:
            rebuild_certified_sums()
        mismatches = certified_sum_mismatches()
        self.stdout.write(json.dumps({"consistent": not mismatches, "mismatches": mismatches[:20]}))
        if mismatches:
            raise CommandError(
                f"已认定学时汇总与记录不符 / certified sums differ from the records ({len(mismatches)}+ person-years)",
                returncode=1,
            )
