"""An old year of the audit trail leaving the live table without losing the chains' proof (ADR 0027).

Detaching a year (PostgreSQL partition of ``at``'s calendar year in the province) first walks every
chain, then seals, for each chain, the last entry the year holds — its sequence and hash — in an
entry of its own appended to the trail (``audit.year_detached``), so the seal is itself chained and
anchored. The chain walk and the checkpoint verification then start each chain from its seal instead
of from the genesis hash. Years leave oldest first, and never the current or the previous year.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from cecert.audit.domain import DETACHED_ACTION, TABLE, chain_problems, record, seals
from cecert.audit.models import AuditEntry
from cecert.core.partitioning import PartitionedTable, PartitioningError, detached_years, year_partitions
from cecert.crediting.evaluation import today_in_henan

ATTACHED_ACTION = "audit.year_attached"
PROVINCE = ZoneInfo("Asia/Shanghai")


def before_detach(year: int) -> None:
    if year >= today_in_henan().year - 1:
        raise PartitioningError(
            f"审计日志的本年度和上一年度不能分离（{year}） / the current and the previous year of the audit trail stay"
        )
    older = [p.year for p in year_partitions(TABLE) if p.attached and p.year is not None and p.year < year]
    if older:
        raise PartitioningError(
            f"须先分离更早的年度：{'、'.join(map(str, older))} / detach the older years first: {older}"
        )
    end = datetime.datetime(year + 1, 1, 1, tzinfo=PROVINCE)
    if AuditEntry.objects.filter(at__lt=datetime.datetime(year, 1, 1, tzinfo=PROVINCE)).exists():
        raise PartitioningError(
            f"默认分区中有早于 {year} 年的审计记录，须先为其建分区并分离"
            f" / the default partition holds entries older than {year}"
        )
    problems = chain_problems()
    if problems:
        raise PartitioningError(f"审计链不完整，不能分离：{problems[0]} / the chain is broken: {problems[0]}")
    sealed = {chain: list(seal) for chain, seal in seals().items()}
    last_of_year = (
        AuditEntry.objects.filter(at__lt=end)
        .order_by("chain", "-sequence")
        .distinct("chain")
        .values_list("chain", "sequence", "entry_hash")
    )
    for chain, sequence, entry_hash in last_of_year:
        sealed[chain] = [sequence, entry_hash]
    record(
        DETACHED_ACTION,
        after={"year": year, "seals": {str(c): s for c, s in sorted(sealed.items())}},
        reason=f"{year} 年度审计日志分离归档",
    )


def after_attach(year: int) -> None:
    later = [y for y in detached_years(TABLE) if y > year]
    if later:
        raise PartitioningError(
            f"须先挂接较晚的年度：{'、'.join(map(str, later))} / attach the later years first: {later}"
        )
    record(ATTACHED_ACTION, after={"year": year}, reason=f"{year} 年度审计日志重新挂接")


PARTITIONED = PartitionedTable(
    name="audit",
    table=TABLE,
    column="at",
    key="local_year_of_timestamp",
    label="审计日志",
    before_detach=before_detach,
    after_attach=after_attach,
)
