"""The one transition function of records: veto → write → notify → audit (→ signal), in one transaction.

The audit entry comes after the notifications because appending it locks its chain's head row until
the transaction commits (ADR 0025): the later the lock is taken, the shorter other writes of that
chain wait (``bench/audit``: the notifications were about half of the time the head was held).

``TRANSITIONS`` is the whole state machine: a (from, to) pair not in it is
impossible, whoever asks. Each allowed pair names the ``rules`` permission the
actor must hold on the record.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.crediting.decimals import format_decimal
from cecert.notifications.domain.sending import notify as send
from cecert.records.enums import EDITABLE_STATES, LIVE_STATES, Channel, RecordState, RecordSubject
from cecert.records.models import Record
from cecert.records.proofs import required_proofs
from cecert.reports.domain.figures import figures_follow
from cecert.review.domain.notifications import certifiers, employer_admins, notify
from cecert.review.signals import record_overturned

if TYPE_CHECKING:
    from django.http import HttpRequest

S = RecordState
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): "records.submit",
    (S.RETURNED, S.SUBMITTED): "records.submit",
    (S.SUBMITTED, S.EMPLOYER_APPROVED): "records.first_review",
    (S.SUBMITTED, S.RETURNED): "records.first_review",
    (S.EMPLOYER_APPROVED, S.CERTIFIED): "records.certify",
    (S.EMPLOYER_APPROVED, S.RETURNED): "records.certify",
    (S.CERTIFIED, S.OVERTURNED): "records.spot_check",
    (S.SUBMITTED, S.MERGED): "records.merge",
    (S.RETURNED, S.MERGED): "records.merge",
}
# Article 11 has no shortcut: every record, whatever its channel, goes draft → submitted → first review
# (用人单位必须……进行初审) → certification by the body named for its subject. A "both" record is certified
# in two parts (public by HR, professional by the industry side) and becomes certified with the second.
NEEDS_REASON = {S.RETURNED, S.OVERTURNED}
ROLE_OF_PERMISSION = {
    "records.submit": "",
    "records.first_review": Role.EMPLOYER_ADMIN,
    "records.certify": "",
    "records.spot_check": Role.HR_OFFICER,
    "records.merge": "",
}

ERR_ILLEGAL = "记录当前为“{state}”，不能执行此操作"
ERR_NOT_ALLOWED = "无权对该记录执行此操作"
ERR_REASON = "必须填写原因"
ERR_CLOSED = "{year} 年度已截止，记录不能再变更"
ERR_PROOF = "缺少证明材料：{missing}"


def is_year_closed(year: int) -> bool:
    from cecert.records.domain.closing import year_is_closed

    return year_is_closed(year)


def allowed_targets(record: Record, user: User) -> list[str]:
    """States ``user`` may move ``record`` to now (for showing buttons; the transition re-checks)."""
    return [
        to
        for (frm, to), perm in TRANSITIONS.items()
        if frm == record.state and to != S.MERGED and user.has_perm(perm, record)
    ]


def _role_for(user: User, permission: str, record: Record) -> str:
    role = ROLE_OF_PERMISSION.get(permission, "")
    if role:
        return role
    if record.person.user_id == user.pk:
        return Role.PROFESSIONAL
    if permission == "records.certify":
        from cecert.review.rules import is_public_certifier

        return Role.HR_OFFICER if is_public_certifier(user, record) else Role.INDUSTRY_OFFICER
    if permission == "records.submit" and record.channel in (Channel.BASE, Channel.ONLINE):
        from cecert.review.rules import is_source_base_admin

        if is_source_base_admin(user, record):
            return Role.BASE_ADMIN
    return Role.EMPLOYER_ADMIN


def certifiable_parts(record: Record, user: User) -> list[str]:
    """The subjects of ``record`` that ``user`` may certify now (Article 11(2) public, 11(3) professional)."""
    from cecert.review.rules import is_professional_certifier, is_public_certifier

    parts = []
    if is_public_certifier(user, record):
        parts.append(RecordSubject.PUBLIC.value)
    if is_professional_certifier(user, record):
        parts.append(RecordSubject.PROFESSIONAL.value)
    return parts


def _certify_parts(record: Record, by: User, now: Any) -> tuple[list[str], bool]:
    """Write the parts ``by`` certifies; whether the record is now wholly certified."""
    parts = certifiable_parts(record, by)
    for part in parts:
        setattr(record, f"{part}_certified_by", by)
        setattr(record, f"{part}_certified_at", now)
    if record.subject == RecordSubject.BOTH:
        return parts, record.public_certified_at is not None and record.professional_certified_at is not None
    return parts, True


def _veto(record: Record, to_state: str, by: User, reason: str) -> str:
    permission = TRANSITIONS.get((record.state, to_state))
    if permission is None:
        raise DomainError(
            "state",
            ERR_ILLEGAL.format(state=record.get_state_display()),
            f"a record in state {record.state} cannot move to {to_state}",
        )
    if not by.is_active or not by.has_perm(permission, record):
        raise DomainError("record", ERR_NOT_ALLOWED, "not allowed to act on this record")
    if to_state in NEEDS_REASON and not reason.strip():
        raise DomainError("reason", ERR_REASON, "a reason is required")
    # After the year's deadline only spot-checks change a record (and nothing new enters).
    if to_state != S.OVERTURNED and is_year_closed(record.year):
        raise DomainError("year", ERR_CLOSED.format(year=record.year), f"year {record.year} is closed")
    if to_state == S.CERTIFIED and record.activity_type == "other":
        # Article 7(13): hours of another form count once the named city / 省直管县 HR department or
        # provincial industry authority has confirmed them in the platform, whatever the channel.
        from cecert.policies.domain.confirmations import other_hours_confirmed

        if not other_hours_confirmed(record):
            raise DomainError(
                "approved_by",
                "其他继续教育形式的学时须经指定的确认部门在平台确认后方可认定（第七条第（十三）项）",
                "hours of another form are certified only after the named department confirmed them (Art. 7(13))",
            )
    if to_state == S.SUBMITTED and record.channel in (Channel.PERSON, Channel.EMPLOYER):
        have = set(record.proofs.values_list("kind", flat=True))
        missing = [r.label for r in required_proofs(record.activity_type, record.activity) if r.kind not in have]
        if missing:
            raise DomainError(
                "proofs", ERR_PROOF.format(missing="、".join(missing)), f"missing proof: {', '.join(missing)}"
            )
    return permission


def _find_duplicate(record: Record) -> Record | None:
    return (
        Record.objects.filter(person_id=record.person_id, dedupe_key=record.dedupe_key, state__in=LIVE_STATES)
        .exclude(pk=record.pk)
        .order_by("pk")
        .first()
    )


def transition_record(
    record: Record,
    to_state: str,
    *,
    by: User,
    reason: str = "",
    request: HttpRequest | None = None,
    into: Record | None = None,
) -> Record:
    """Move ``record`` to ``to_state`` as ``by``; ``DomainError`` (nothing changed) when refused.

    ``into`` is the kept record when merging a duplicate (``to_state="merged"``). A move into or out of
    "certified" changes the person's certified amounts: the employer's report figures follow it in the
    same transaction (``cecert.reports.domain.figures``).
    """
    with transaction.atomic():
        current = Record.objects.filter(pk=record.pk).values("state", "person_id", "year").first()
        changes_sums = current is not None and (S.CERTIFIED in (to_state, current["state"]) or to_state == S.OVERTURNED)
        follow = (
            figures_follow([current["person_id"]], [current["year"]])
            if current is not None and changes_sums
            else contextlib.nullcontext()
        )
        with follow:
            return _transition_record(record, to_state, by=by, reason=reason, request=request, into=into)


def _transition_record(
    record: Record, to_state: str, *, by: User, reason: str, request: HttpRequest | None, into: Record | None
) -> Record:
    with transaction.atomic():
        record = (
            Record.objects.select_for_update(of=("self",))
            .select_related("person__employer__region", "person__user")
            .get(pk=record.pk)
        )
        permission = _veto(record, str(to_state), by, reason)
        kept: Record | None = None
        if to_state == S.MERGED:
            if into is None:
                raise DomainError("into", "请选择要保留的记录", "choose the record to keep")
            kept = Record.objects.select_for_update(of=("self",)).get(pk=into.pk)
            if kept.pk == record.pk or kept.person_id != record.person_id or kept.state not in LIVE_STATES:
                raise DomainError("into", "只能合并到同一人员的有效记录", "merge into a live record of the same person")

        # write
        now = timezone.now()
        before: dict[str, Any] = {"state": record.state, "hours": str(record.hours)}
        parts: list[str] = []
        if to_state == S.CERTIFIED:
            parts, whole = _certify_parts(record, by, now)
            if not whole:
                return _certify_part(record, parts, by=by, before=before, request=request)
        record.state, record.state_reason, record.state_changed_at = to_state, reason.strip(), now
        if to_state == S.SUBMITTED:
            record.submitted_at = now
            record.duplicate_of = _find_duplicate(record)
            _clear_parts(record)
        elif to_state == S.EMPLOYER_APPROVED:
            record.first_reviewed_by, record.first_reviewed_at = by, now
        elif to_state == S.CERTIFIED:
            record.certified_by, record.certified_at = by, now
        elif to_state == S.RETURNED:
            _clear_parts(record)
        if kept is not None:
            record.merged_into = kept
            kept.provenance = [*kept.provenance, *record.provenance]
            kept.save(update_fields=["provenance", "updated_at"])
        record.save()

        # notify
        _notify(record, str(to_state), reason)

        # audit: last of the writes, so the chain's head is held as briefly as the transaction allows
        role = _role_for(by, permission, record)
        after: dict[str, Any] = {
            "state": to_state,
            "hours": str(record.hours),
            "subject": record.subject,
            "year": record.year,
        }
        if record.duplicate_of_id:
            after["duplicate_of"] = record.duplicate_of_id
        if parts:
            after["certified_parts"] = parts
        if kept is not None:
            after["merged_into"] = kept.pk
        audit(
            f"record.{to_state}",
            actor=by,
            role=role,
            obj=record,
            before=before,
            after=after,
            reason=reason.strip(),
            request=request,
        )

        if to_state == S.OVERTURNED:
            record_overturned.send(
                sender=Record, record=record, person=record.person, year=record.year, reason=reason.strip(), by=by
            )
    return record


def _clear_parts(record: Record) -> None:
    """A returned (or resubmitted) record is certified afresh: earlier part certifications lapse."""
    record.public_certified_by = record.professional_certified_by = None
    record.public_certified_at = record.professional_certified_at = None


def _certify_part(
    record: Record, parts: list[str], *, by: User, before: dict[str, Any], request: HttpRequest | None
) -> Record:
    """One part of a "both" record is certified; the record waits for the other part's certifier."""
    record.save(
        update_fields=[
            "public_certified_by",
            "public_certified_at",
            "professional_certified_by",
            "professional_certified_at",
            "updated_at",
        ]
    )
    audit(
        "record.certified_part",
        actor=by,
        role=Role.HR_OFFICER if RecordSubject.PUBLIC in parts else Role.INDUSTRY_OFFICER,
        obj=record,
        before=before,
        after={"state": record.state, "certified_parts": parts, "subject": record.subject, "year": record.year},
        request=request,
    )
    notify(certifiers(record), f"{record.person.name} 的记录“{record.title}”待认定另一科目", record=record)
    return record


def _notify(record: Record, to_state: str, reason: str) -> None:
    owner = record.person.user_id
    title = f"“{record.title}”"
    about_owner = {"name": record.person.name, "title": record.title}

    def notify_owner(event: str, context: dict[str, Any]) -> None:
        """The person hears of a decision on their record also by e-mail and SMS (``cecert.notifications``)."""
        send([owner], event, context, record_id=record.pk, url=reverse("records:detail", args=[record.pk]))

    if to_state == S.SUBMITTED:
        notify(employer_admins(record.person.employer_id), f"{record.person.name} 的记录{title}待初审", record=record)
        if record.duplicate_of_id:
            notify(
                [owner, *employer_admins(record.person.employer_id)],
                f"记录{title}与已有记录 #{record.duplicate_of_id} 可能重复，可合并",
                record=record,
            )
    elif to_state == S.EMPLOYER_APPROVED:
        notify(certifiers(record), f"{record.person.name} 的记录{title}待认定", record=record)
    elif to_state == S.RETURNED:
        notify_owner("record.returned", {**about_owner, "reason": reason})
        notify(employer_admins(record.person.employer_id), f"记录{title}已退回：{reason}", record=record)
    elif to_state == S.CERTIFIED:
        notify_owner("record.certified", {**about_owner, "hours": format_decimal(record.hours)})
    elif to_state == S.OVERTURNED:
        notify(
            [owner, *employer_admins(record.person.employer_id)],
            f"记录{title}经抽查审验被撤销：{reason}",
            record=record,
        )


def merge_record(duplicate: Record, *, into: Record, by: User, request: HttpRequest | None = None) -> Record:
    """Merge a duplicate into the kept record: the duplicate becomes ``merged``, provenances are joined."""
    return transition_record(
        duplicate, S.MERGED, by=by, into=into, request=request, reason=f"与记录 #{into.pk} 重复，已合并"
    )


def bulk_transition(
    records: list[Record], to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> tuple[list[Record], list[tuple[Record, DomainError]]]:
    """Apply one decision to many records, each in its own transaction; returns (done, refused)."""
    done: list[Record] = []
    refused: list[tuple[Record, DomainError]] = []
    for record in records:
        try:
            done.append(transition_record(record, to_state, by=by, reason=reason, request=request))
        except DomainError as exc:
            refused.append((record, exc))
    return done, refused


def is_editable(record: Record) -> bool:
    return record.state in EDITABLE_STATES


# --- Article 11(1) in bulk: the employer's first review of many records at once -------------------

BATCH_CHUNK = 2000


def batch_first_review(
    ids: list[int], *, by: User, request: HttpRequest | None = None
) -> tuple[list[int], dict[int, str]]:
    """An employer admin approves many submitted records at once (初审), set-based.

    Exactly what ``transition_record(record, "employer_approved")`` does for each record, but as one
    ``UPDATE`` per chunk, one audit entry per chunk naming every record, and one notification per
    certifier group. Returns (approved ids, {refused id: why}); a record that is not submitted, not of
    the admin's employer (or invisible to them) or in a closed year is refused and left unchanged.
    """
    employers = [o.pk for o in by.organisations_for(Role.EMPLOYER_ADMIN)] if by.is_active else []
    wanted = sorted(set(ids))
    refused: dict[int, str] = {}
    approved: list[int] = []
    if not employers:
        return [], dict.fromkeys(wanted, ERR_NOT_ALLOWED)
    for start in range(0, len(wanted), BATCH_CHUNK):
        chunk = wanted[start : start + BATCH_CHUNK]
        with transaction.atomic():
            rows = list(
                Record.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk, person__employer_id__in=employers)
                .values_list("pk", "state", "year")
            )
            seen = {pk for pk, _, _ in rows}
            refused.update(dict.fromkeys([pk for pk in chunk if pk not in seen], ERR_NOT_ALLOWED))
            closed = {year for year in {y for _, _, y in rows} if is_year_closed(year)}
            ok: list[int] = []
            for pk, state, year in rows:
                if state != S.SUBMITTED:
                    refused[pk] = ERR_ILLEGAL.format(state=RecordState(state).label)
                elif year in closed:
                    refused[pk] = ERR_CLOSED.format(year=year)
                else:
                    ok.append(pk)
            if not ok:
                continue
            now = timezone.now()
            Record.objects.filter(pk__in=ok, state=S.SUBMITTED).update(
                state=S.EMPLOYER_APPROVED,
                state_reason="",
                state_changed_at=now,
                first_reviewed_by=by,
                first_reviewed_at=now,
                updated_at=now,
            )
            audit(
                "record.bulk_employer_approved",
                actor=by,
                role=Role.EMPLOYER_ADMIN,
                obj=by.organisations_for(Role.EMPLOYER_ADMIN)[0],
                before={"state": S.SUBMITTED},
                after={"state": S.EMPLOYER_APPROVED, "count": len(ok), "records": ok},
                request=request,
            )
            _notify_certifier_groups(ok)
            approved.extend(ok)
    return approved, refused


def _notify_certifier_groups(ids: list[int]) -> None:
    """One notification per (employer, subject): who certifies depends on nothing else."""
    representatives: dict[tuple[int, str], int] = {}
    counts: dict[tuple[int, str], int] = {}
    for pk, employer_id, subject in Record.objects.filter(pk__in=ids).values_list(
        "pk", "person__employer_id", "subject"
    ):
        representatives.setdefault((employer_id, subject), pk)
        counts[(employer_id, subject)] = counts.get((employer_id, subject), 0) + 1
    records = Record.objects.select_related("person__employer").in_bulk(list(representatives.values()))
    for key, pk in representatives.items():
        record = records[pk]
        notify(
            certifiers(record),
            f"{record.person.employer.name} 初审通过的 {counts[key]} 条{RecordSubject(record.subject).label}记录待认定",
            url=reverse("review:queue"),
        )
