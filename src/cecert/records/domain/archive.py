"""A closed, old year of records leaving the live table (PostgreSQL year partitions, ADR 0027).

The year's partition becomes a table of its own in the same database (``records_record_y2019``):
nothing is deleted, and ``cecert partitions attach records 2019`` brings it back. The certified
sums of the year stay, so a person's year status and the kept figures still answer for it; the
sums check and rebuild leave detached years alone (``records.domain.sums``).
"""

from __future__ import annotations

from django.conf import settings

from cecert.audit.domain import record as audit
from cecert.core.partitioning import PartitionedTable, PartitioningError
from cecert.crediting.evaluation import today_in_henan
from cecert.records.models import YearClosing

TABLE = "records_record"


def before_detach(year: int) -> None:
    keep = int(settings.CECERT_RECORDS_KEEP_YEARS)
    latest = today_in_henan().year - 1 - keep
    if year > latest:
        raise PartitioningError(
            f"{year} 年度的记录须保留在用：年度结束后满 {keep} 年才可分离（最晚可分离 {latest} 年度）"
            f" / records of {year} stay live until {keep} full years after it ended (CECERT_RECORDS_KEEP_YEARS)"
        )
    closing = YearClosing.objects.filter(year=year).first()
    if closing is None or not closing.is_closed:
        raise PartitioningError(
            f"{year} 年度尚未截止，不能分离 / the year {year} is not closed (set its deadline first)"
        )
    audit("records.year_detached", after={"year": year}, reason=f"{year} 年度记录分离归档")


def after_attach(year: int) -> None:
    audit("records.year_attached", after={"year": year}, reason=f"{year} 年度记录重新挂接")


PARTITIONED = PartitionedTable(
    name="records",
    table=TABLE,
    column="year",
    key="year",
    label="继续教育记录",
    before_detach=before_detach,
    after_attach=after_attach,
)
