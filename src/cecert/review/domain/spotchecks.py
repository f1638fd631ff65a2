"""Spot-checks (抽查审验, Article 11(4)): a reproducible sample, each item confirmed or overturned.

The draw is public arithmetic: order the population's record ids by
``sha256(f"{seed}:{id}")`` and take the first ``ceil(rate × N)``. Anyone with
the seed, the rate and the population (stored with the spot-check) can redraw
the same sample with ``draw_sample``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.review.domain.workflow import transition_record
from cecert.review.models import SpotCheck, SpotCheckItem, SpotCheckOutcome

if TYPE_CHECKING:
    from django.http import HttpRequest


def draw_sample(record_ids: list[int], seed: str, rate: Decimal) -> list[int]:
    """The sample of ``record_ids`` for ``seed`` and ``rate`` (0 < rate ≤ 1), in draw order."""
    size = math.ceil(Decimal(rate) * len(record_ids))
    ordered = sorted(record_ids, key=lambda pk: (hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest(), pk))
    return ordered[:size]


def spot_check_population(hr: Organisation, year: int) -> list[int]:
    return sorted(
        Record.objects.filter(
            year=year,
            state=RecordState.CERTIFIED,
            person__employer__jurisdiction_path__startswith=hr.region.path,
        ).values_list("pk", flat=True)
    )


def draw_spot_check(
    *, hr: Organisation, year: int, rate: Decimal, by: User, seed: str = "", request: HttpRequest | None = None
) -> SpotCheck:
    if hr not in by.organisations_for(Role.HR_OFFICER):
        raise DomainError("organisation", "只有人社部门可以抽查审验", "only HR departments spot-check")
    if not (Decimal(0) < rate <= Decimal(1)):
        raise DomainError("rate", "抽查比例应大于 0 且不超过 100%", "the rate must be in (0, 1]")
    seed = seed.strip() or secrets.token_hex(8)
    with transaction.atomic():
        population = spot_check_population(hr, year)
        sample = draw_sample(population, seed, rate)
        check = SpotCheck.objects.create(
            organisation=hr,
            region_path=hr.region.path,
            year=year,
            rate=rate,
            seed=seed,
            population_ids=population,
            population_size=len(population),
            sample_size=len(sample),
            drawn_by=by,
        )
        SpotCheckItem.objects.bulk_create(
            [SpotCheckItem(spot_check=check, record_id=pk, position=i) for i, pk in enumerate(sample, start=1)]
        )
        audit(
            "spotcheck.draw",
            actor=by,
            role=Role.HR_OFFICER,
            obj=check,
            after={"year": year, "rate": str(rate), "seed": seed, "population": len(population), "sample": sample},
            request=request,
        )
    return check


def decide_item(
    item: SpotCheckItem, *, overturn: bool, by: User, reason: str = "", request: HttpRequest | None = None
) -> SpotCheckItem:
    """Confirm a sampled record, or overturn it (the record loses its hours; ``record_overturned`` fires)."""
    with transaction.atomic():
        item = SpotCheckItem.objects.select_for_update(of=("self",)).select_related("record").get(pk=item.pk)
        if item.outcome != SpotCheckOutcome.PENDING:
            raise DomainError("item", "该记录已审验", "already decided")
        if not by.has_perm("records.spot_check", item.record):
            raise DomainError("record", "无权审验该记录", "not allowed to check this record")
        if overturn:
            transition_record(item.record, RecordState.OVERTURNED, by=by, reason=reason, request=request)
        elif item.record.state != RecordState.CERTIFIED:
            raise DomainError("record", "该记录已不是已认定状态", "the record is no longer certified")
        item.outcome = SpotCheckOutcome.OVERTURNED if overturn else SpotCheckOutcome.CONFIRMED
        item.reason, item.decided_by, item.decided_at = reason.strip(), by, timezone.now()
        item.save()
        if not overturn:
            audit(
                "spotcheck.confirm",
                actor=by,
                role=Role.HR_OFFICER,
                obj=item.record,
                after={"spot_check": item.spot_check_id, "outcome": item.outcome},
                reason=reason,
                request=request,
            )
    return item
