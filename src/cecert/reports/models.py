"""The year's figures per employer, kept current in the transactions that change them (issue 17 item 2).

One row per employer and year: the sums over the employer's approved people of what
``cecert.reports.domain.queries.grouped_figures`` computes for them. An employer carries its region
(``jurisdiction_path``) and industry, so the province dashboard groups a few hundred thousand of
these rows by region × industry instead of millions of people. ``cecert.reports.domain.figures``
keeps them current and checks them against a recomputation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models


def _amount() -> Any:
    """Hours (or credits) summed over people, in tenths."""
    return models.DecimalField(max_digits=16, decimal_places=1, default=Decimal(0))


class KeptYear(models.Model):
    """A year whose figures are kept: followed from the row's creation, read once ``ready``.

    ``cecert figures rebuild YEAR`` creates the row (so every change from then on is followed), then
    computes the year's rows, then marks it ready; until then reports compute the year from people.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    ready = models.BooleanField(default=False)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.year}{' ready' if self.ready else ''}"


class EmployerYearFigures(models.Model):
    year = models.PositiveSmallIntegerField()
    employer = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    people = models.IntegerField(default=0)
    met = models.IntegerField(default=0)
    met_public = models.IntegerField(default=0)
    met_professional = models.IntegerField(default=0)
    hour_people = models.IntegerField(default=0)
    required_total = _amount()
    required_public = _amount()
    required_professional = _amount()
    earned_public = _amount()
    earned_professional = _amount()
    earned_total = _amount()
    shortfall_total = _amount()
    credit_people = models.IntegerField(default=0)
    earned_credits = _amount()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "employer"], name="employer_year_figures_once")]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.year}: {self.people}"
