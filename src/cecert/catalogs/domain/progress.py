"""Online-learning progress (Article 9(3)): plausibility before anything is credited.

A base reports study intervals: ``started_at``, ``ended_at`` and the seconds
actually studied in between. A report is refused — and kept as a flag that the
base and HR see — when

* the interval is empty, starts before the enrolment, or ends in the future;
* more seconds are reported than the interval lasted (faster than real time);
* it overlaps an accepted interval of the same course (reported twice) or of
  another course of the same person (several courses at the same moment);
* the course's studied time would exceed its catalog hours.

Accepted intervals add to the enrolment's studied time; once it reaches the
course's hours the platform registers the completion itself (channel
``online``), skipping what the base guarantees, like any base completion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cecert.accounts.models import Person, User
from cecert.catalogs.enums import EnrolmentState, FlagKind, ProgramForm
from cecert.catalogs.models import Enrolment, ProgressReport
from cecert.core.errors import DomainError
from cecert.records.enums import Channel

# One 学时 of online study: 45 minutes (the usual class hour); a setting may override it.
SECONDS_PER_CLASS_HOUR = int(getattr(settings, "CECERT_SECONDS_PER_CLASS_HOUR", 45 * 60))
CLOCK_SKEW = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class ProgressOutcome:
    report: ProgressReport
    completed_record_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.report.accepted


def required_seconds(hours: Decimal) -> int:
    return int(hours * SECONDS_PER_CLASS_HOUR)


def _check(
    enrolment: Enrolment, started_at: dt.datetime, ended_at: dt.datetime, seconds: int, now: dt.datetime
) -> tuple[str, str] | None:
    """``(flag, reason)`` for an implausible report, or None."""
    program = enrolment.program
    if ended_at <= started_at or seconds <= 0:
        return FlagKind.INVALID_INTERVAL, "学习时段无效（结束不晚于开始，或学习时长为零）"
    if started_at < enrolment.enrolled_at - CLOCK_SKEW:
        return FlagKind.INVALID_INTERVAL, "学习时段早于报名时间"
    if ended_at > now + CLOCK_SKEW:
        return FlagKind.FUTURE, "学习时段结束时间晚于当前时间"
    elapsed = (ended_at - started_at).total_seconds()
    if seconds > elapsed:
        return (
            FlagKind.FASTER_THAN_REAL_TIME,
            f"上报学习 {seconds} 秒，但该时段实际只经过 {int(elapsed)} 秒：学习时长不能快于真实时间",
        )
    overlapping = (
        ProgressReport.objects.filter(person_id=enrolment.person_id, accepted=True)
        .filter(started_at__lt=ended_at, ended_at__gt=started_at)
        .select_related("enrolment__program")
        .order_by("started_at")
        .first()
    )
    if overlapping is not None:
        if overlapping.enrolment_id == enrolment.pk:
            return FlagKind.REPEATED_INTERVAL, "该学习时段与已采信的同一课程时段重叠（重复上报）"
        return (
            FlagKind.OVERLAP,
            f"同一时间正在学习另一门课程“{overlapping.enrolment.program.title}”"
            f"（{timezone.localtime(overlapping.started_at):%Y-%m-%d %H:%M}–"
            f"{timezone.localtime(overlapping.ended_at):%H:%M}）",
        )
    limit = required_seconds(program.hours)
    if enrolment.studied_seconds + seconds > limit:
        return (FlagKind.EXCEEDS_HOURS, f"累计学习时长将超过课程目录学时 {program.hours} 学时（{limit} 秒）")
    return None


def report_progress(
    enrolment: Enrolment,
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    seconds: int,
    by: User,
    session: str = "",
    now: dt.datetime | None = None,
) -> ProgressOutcome:
    """Check one reported interval; accepted ones count, refused ones are stored as flags (never raised away)."""
    from cecert.catalogs.domain.bases import complete_enrolment, require_recognised

    now = now or timezone.now()
    require_recognised(enrolment.program.base)
    if enrolment.program.form != ProgramForm.ONLINE:
        raise DomainError("program", "只有网络学习项目上报学习进度", "only online programs report progress")
    with transaction.atomic():
        # One person's reports are checked one at a time (overlaps span all their courses).
        Person.objects.select_for_update().filter(pk=enrolment.person_id).first()
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("program__base", "person")
            .get(pk=enrolment.pk)
        )
        if enrolment.state != EnrolmentState.ENROLLED:
            raise DomainError("enrolment", "该报名已结业或已取消", "the enrolment is completed or cancelled")
        problem = _check(enrolment, started_at, ended_at, seconds, now)
        report = ProgressReport.objects.create(
            enrolment=enrolment,
            person_id=enrolment.person_id,
            base_id=enrolment.program.base_id,
            session=session[:64],
            started_at=started_at,
            ended_at=ended_at,
            seconds=max(seconds, 0),
            accepted=problem is None,
            flag=problem[0] if problem else "",
            reason=problem[1] if problem else "",
            reported_at=now,
        )
        if problem is not None:
            return ProgressOutcome(report)
        enrolment.studied_seconds += seconds
        enrolment.save(update_fields=["studied_seconds"])
        record_id = None
        if enrolment.studied_seconds >= required_seconds(enrolment.program.hours):
            record = complete_enrolment(enrolment, by=by, assessment="完成学习", channel=Channel.ONLINE)
            record_id = record.pk
    return ProgressOutcome(report, record_id)


def flags_for(scope: Q) -> list[ProgressReport]:
    return list(
        ProgressReport.objects.filter(scope, accepted=False)
        .select_related("person", "base", "enrolment__program")
        .order_by("-reported_at")[:200]
    )
