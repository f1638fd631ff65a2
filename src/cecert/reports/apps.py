from typing import Any

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cecert.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        from cecert.accounts.signals import people_moved_in, person_approved, person_transferred
        from cecert.reports.domain.figures import figure_years, refresh_employers

        # After the records app has recomputed the person's requirement rows (it is installed first).
        def transferred(sender: Any, person: Any, from_employer_id: int, **kwargs: Any) -> None:
            refresh_employers([from_employer_id, person.employer_id], figure_years())

        def approved(sender: Any, person: Any, **kwargs: Any) -> None:
            from cecert.accounts.models import Person
            from cecert.records.domain.years import ensure_person_years

            years = figure_years()
            for year in years:  # their requirement rows of the kept years, as a report would open them
                ensure_person_years(Person.objects.filter(pk=person.pk), year)
            refresh_employers([person.employer_id], years)

        def moved_in(sender: Any, employer_ids: Any, years: Any, **kwargs: Any) -> None:
            kept = figure_years()
            refresh_employers(employer_ids, kept if years is None else [y for y in years if y in kept])

        person_transferred.connect(transferred, weak=False, dispatch_uid="reports.person_transferred")
        people_moved_in.connect(moved_in, weak=False, dispatch_uid="reports.people_moved_in")
        person_approved.connect(approved, weak=False, dispatch_uid="reports.person_approved")
