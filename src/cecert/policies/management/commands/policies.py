"""``cecert policies list`` and ``cecert policies reapply``.

``list`` prints every policy version with its state, scope and effective date.
``reapply`` credits again, under the filed policies, the records and year rows of
every open year that were computed under another policy (e.g. a retired example
policy some stored records still name); closed years are never touched.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cecert.policies.models import CreditingPolicy


class Command(BaseCommand):
    help = "学时认定政策：列出、重新适用 / crediting policies: list, re-apply to open years"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "reapply"])
        parser.add_argument("--from-year", type=int, default=2017, help="最早年度 / first year (default 2017)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for row in CreditingPolicy.objects.select_related("scope_region", "industry", "issuer").order_by("pk"):
                self.stdout.write(
                    f"{row.key}\t{row.get_state_display()}\t{row.scope_label}\t{row.effective_from}\t{row.title}"
                )
            return
        from cecert.accounts.models import Person
        from cecert.crediting.evaluation import today_in_henan
        from cecert.policies.domain.filing import recompute_year, recredit_records
        from cecert.records.domain.closing import year_is_closed

        today = today_in_henan()
        for year in range(options["from_year"], today.year + 1):
            if year_is_closed(year, today):
                continue
            with transaction.atomic():
                people = Person.objects.all()
                records = recredit_records(people, year)
                rows = recompute_year(people, year)["person_years"] if records else 0
            self.stdout.write(f"{year}: 重新核定记录 {records} 条 / re-credited {records} records; {rows} year rows")
