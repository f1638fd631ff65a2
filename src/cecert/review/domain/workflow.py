"""The one transition function of records: veto → write → audit → notify (→ signal), in one transaction.

``TRANSITIONS`` is the whole state machine: a (from, to) pair not in it is
impossible, whoever asks. Each allowed pair names the ``rules`` permission the
actor must hold on the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.records.enums import EDITABLE_STATES, LIVE_STATES, Channel, RecordState
from cecert.records.models import Record
from cecert.records.proofs import required_proofs
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
    # Article 11(3): a recognised base's registrations skip what the base guarantees.
    (S.DRAFT, S.EMPLOYER_APPROVED): "records.register_as_source",
    (S.DRAFT, S.CERTIFIED): "records.register_as_source",
}
NEEDS_REASON = {S.RETURNED, S.OVERTURNED}
ROLE_OF_PERMISSION = {
    "records.submit": "",
    "records.first_review": Role.EMPLOYER_ADMIN,
    "records.certify": "",
    "records.spot_check": Role.HR_OFFICER,
    "records.merge": "",
    "records.register_as_source": Role.BASE_ADMIN,
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
        return Role.HR_OFFICER if record.subject != "professional" else Role.INDUSTRY_OFFICER
    return Role.EMPLOYER_ADMIN


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

    ``into`` is the kept record when merging a duplicate (``to_state="merged"``).
    """
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
        record.state, record.state_reason, record.state_changed_at = to_state, reason.strip(), now
        if to_state == S.SUBMITTED:
            record.submitted_at = now
            record.duplicate_of = _find_duplicate(record)
        elif to_state == S.EMPLOYER_APPROVED and permission == "records.first_review":
            record.first_reviewed_by, record.first_reviewed_at = by, now
        elif to_state == S.CERTIFIED:
            record.certified_by, record.certified_at = by, now
            if permission == "records.register_as_source":
                record.submitted_at = record.submitted_at or now
        elif to_state == S.EMPLOYER_APPROVED:
            record.submitted_at = record.submitted_at or now
        if kept is not None:
            record.merged_into = kept
            kept.provenance = [*kept.provenance, *record.provenance]
            kept.save(update_fields=["provenance", "updated_at"])
        record.save()

        # audit
        role = _role_for(by, permission, record)
        after: dict[str, Any] = {
            "state": to_state,
            "hours": str(record.hours),
            "subject": record.subject,
            "year": record.year,
        }
        if record.duplicate_of_id:
            after["duplicate_of"] = record.duplicate_of_id
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

        # notify
        _notify(record, str(to_state), reason)

        if to_state == S.OVERTURNED:
            record_overturned.send(
                sender=Record, record=record, person=record.person, year=record.year, reason=reason.strip(), by=by
            )
    return record


def _notify(record: Record, to_state: str, reason: str) -> None:
    owner = record.person.user_id
    title = f"“{record.title}”"
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
        notify([owner, *employer_admins(record.person.employer_id)], f"记录{title}已退回：{reason}", record=record)
    elif to_state == S.CERTIFIED:
        notify([owner], f"记录{title}已认定，计 {record.hours} 学时", record=record)
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
