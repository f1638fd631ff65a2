"""Everything certificates read from records and review, behind one small module.

Certificates show a person's *certified* records of a year and whether the
year's requirement was met. The records app owns those facts; this module is
the only place that knows its models, field names and signals, so that only
this file changes when their API moves.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cecert.accounts.models import Person

log = logging.getLogger(__name__)

PUBLIC, PROFESSIONAL = "public", "professional"
ZERO = Decimal(0)


@dataclass(frozen=True)
class SourceRecord:
    id: int
    title: str
    record_type: str
    subject: str  # "public" / "professional"
    hours: Decimal  # the amount that counts, in the unit of the policy that judged the year (学时 or 学分)


@dataclass(frozen=True)
class YearStatus:
    """A person's certified records of one year, hours by subject, requirement and whether it is met."""

    person_id: int
    year: int
    records: tuple[SourceRecord, ...]
    public_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    required_total: Decimal
    required_public: Decimal
    required_professional: Decimal
    met: bool
    unit: str = "hour"
    # A year moved in from the current platform (ADR 0023): its amounts are in the hours above.
    moved_in: dict[str, Any] | None = None

    @property
    def record_ids(self) -> list[int]:
        return [r.id for r in self.records]


def _label(record_type: str, form: str) -> str:
    return form or ACTIVITY_LABELS.get(record_type, record_type)


ACTIVITY_LABELS = {
    "training_base": "继续教育基地培训",
    "training": "培训、研修",
    "online_course": "网络学习",
    "degree_course": "学历学位教育",
    "course_study": "课程进修",
    "conference": "学术会议",
    "research_project": "课题研究",
    "book": "出版著作",
    "paper": "发表论文",
    "patent": "专利",
    "award": "获奖",
    "qualification_exam": "资格考试",
    "endorsed_report": "调研报告",
    "aid_assignment": "援派、挂职",
    "grassroots_service": "服务基层",
    "other": "其他",
}
# ``amount`` is what counts in the policy's unit (学分 under a credit scheme), so a certificate never mixes units.
_COLUMNS = ("id", "person_id", "title", "activity_type", "form", "subject", "amount")


def _source(row: dict[str, Any]) -> SourceRecord:
    return SourceRecord(
        id=row["id"],
        title=row["title"],
        record_type=_label(row["activity_type"], row["form"]),
        subject=row["subject"],
        hours=Decimal(row["amount"]),
    )


def _summarise(
    person_id: int, year: int, rows: list[SourceRecord], required: tuple[Any, Any, Any], met: bool, unit: str
) -> YearStatus:
    public = sum((r.hours for r in rows if r.subject == PUBLIC), ZERO)
    professional = sum((r.hours for r in rows if r.subject == PROFESSIONAL), ZERO)
    total = sum((r.hours for r in rows), ZERO)
    return YearStatus(
        person_id=person_id,
        year=year,
        records=tuple(rows),
        public_hours=public,
        professional_hours=professional,
        total_hours=total,
        required_total=Decimal(required[0] or 0),
        required_public=Decimal(required[1] or 0),
        required_professional=Decimal(required[2] or 0),
        met=bool(met),
        unit=unit or "hour",
    )


def certified_year(person: Person, year: int) -> YearStatus:
    """The person's certified records of ``year``, hours by subject, and the year status's verdict.

    The set-based :func:`certified_years` for one person: single issuance and batch issuance read a
    year through the same function, so the same person and year give the same certificate whichever
    path issues it (a year moved in from the current platform included, ADR 0023).
    """
    from cecert.accounts.models import Person as PersonModel

    return certified_years([person], year, queryset=PersonModel.objects.filter(pk=person.pk))[person.pk]


Verdict = tuple[Any, Any, Any, bool, str]  # required total, public, professional; met; unit


def year_verdicts(people: Any, year: int) -> dict[int, Verdict]:
    """Requirement and met/not of a whole queryset of people: ONE set-based query (records' year status)."""
    from cecert.records.domain.years import year_status

    rows = year_status(people, year).values_list(
        "pk", "required_total", "required_public", "required_professional", "met", "unit"
    )
    return {pk: (total, public, professional, met, unit) for pk, total, public, professional, met, unit in rows}


def certified_years(
    people: Iterable[Person], year: int, *, queryset: Any = None, verdicts: dict[int, Verdict] | None = None
) -> dict[int, YearStatus]:
    """Each person's certified records of ``year``, hours by subject, and the year status's verdict.

    A year moved in from the current platform (``movein.domain.history``, ADR 0023) adds its certified
    amounts to the records' and says where they came from; the verdict is the year status's
    (``records.domain.years.year_status``), which judges the combined amounts. A person with nothing
    certified that year, here or moved in, reads as an empty year (no requirement, not met).

    ``queryset`` (optional) selects the same people without a long ``IN`` list,
    e.g. a primary-key range of one department's people; rows of people not in
    ``people`` are ignored. Three queries (plus the year preparation) per call.
    """
    from cecert.accounts.models import Person as PersonModel
    from cecert.movein.domain.history import moved_in_years
    from cecert.records.enums import RecordState
    from cecert.records.models import Record

    people = list(people)
    if not people:
        return {}
    wanted = {p.pk for p in people}
    if queryset is None:
        queryset = PersonModel.objects.filter(pk__in=wanted)
    lo, hi = min(wanted), max(wanted)
    rows: dict[int, list[SourceRecord]] = defaultdict(list)
    records = Record.objects.filter(person_id__gte=lo, person_id__lte=hi, year=year, state=RecordState.CERTIFIED)
    for r in records.order_by("end_date", "pk").values_list(*_COLUMNS).iterator(chunk_size=10000):
        if r[1] in wanted:
            rows[r[1]].append(_source(dict(zip(_COLUMNS, r, strict=True))))
    moved_in = {pk: legacy for pk, legacy in moved_in_years(lo, hi, year).items() if pk in wanted}
    # A year with nothing certified needs no verdict: a proof over empty years opens no requirement rows.
    if verdicts is None:
        verdicts = year_verdicts(queryset, year) if rows or moved_in else {}
    out: dict[int, YearStatus] = {}
    for pk in wanted:
        legacy = moved_in.get(pk)
        if not rows.get(pk) and legacy is None:
            out[pk] = _summarise(pk, year, [], (0, 0, 0), False, "hour")
            continue
        verdict = verdicts.get(pk)
        if verdict is None:
            continue
        total, public, professional, met, unit = verdict
        status = _summarise(pk, year, rows.get(pk, []), (total, public, professional), met, unit)
        if legacy is not None:
            status = replace(
                status,
                public_hours=status.public_hours + legacy.public_hours,
                professional_hours=status.professional_hours + legacy.professional_hours,
                total_hours=status.total_hours + legacy.public_hours + legacy.professional_hours,
                moved_in=legacy.to_json(),
            )
        out[pk] = status
    return out


def certified_year_status(people: Any, year: int, *, ensure: bool = True) -> Any:
    """``people`` with the year's status (records' ``year_status``: certified sums ⋈ requirement, one query),
    limited to those with something certified here that year (a row of zeros counts as nothing; a year
    moved in from the current platform alone does not count: it gets no annual certificate here, ADR 0023).
    ``ensure=False`` skips creating missing requirement rows: enough when only the certified sums are
    asked about."""
    from django.db.models import Q

    from cecert.records.domain.years import year_status

    something = Q(here_t__gt=0) | Q(deemed_pub__gt=0) | Q(deemed_prof__gt=0)
    return year_status(people, year, ensure=ensure).filter(something)


def people_with_certified_records(year: int) -> Any:
    """A subquery of person ids that have at least one certified record in ``year``."""
    from cecert.records.enums import RecordState
    from cecert.records.models import Record

    return Record.objects.filter(year=year, state=RecordState.CERTIFIED).values("person_id")


@dataclass(frozen=True)
class OverturnedRecord:
    id: int
    person_id: int
    year: int


def overturned_record(instance: Any) -> OverturnedRecord:
    return OverturnedRecord(id=instance.pk, person_id=instance.person_id, year=instance.year)


_receiver: Callable[..., None] | None = None


def connect_overturn_signal(reissue: Callable[..., Any]) -> bool:
    """Revoke and reissue certificates when a spot-check overturns a record they relied on:
    ``reissue(overturned, reason=…, by=…)`` (``issuance.reissue_after_overturn``, passed in by the app
    config: issuance reads this module, so this module does not import it back)."""
    global _receiver
    try:
        from cecert.review.signals import record_overturned
    except ImportError:
        log.info("cecert.review.signals not available yet: overturn → reissue not wired")
        return False

    def on_record_overturned(sender: Any, record: Any = None, **kwargs: Any) -> None:
        instance = record if record is not None else kwargs.get("instance")
        if instance is None:
            return
        reason = str(kwargs.get("reason", "") or "")
        reissue(overturned_record(instance), reason=reason, by=kwargs.get("by"))

    _receiver = on_record_overturned
    record_overturned.connect(on_record_overturned, dispatch_uid="certificates.reissue_after_overturn")
    return True
