"""Leave (Article 8): recorded with proof; the employer confirms 8(1)–(3), the employer's 业务主管部门
approves 8(4) "other circumstances" after the employer submits them; only confirmed leave pro-rates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cecert.accounts.models import Person, Role, User
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.records.domain.years import refresh_person_year
from cecert.records.enums import LeaveKind, LeaveState
from cecert.records.models import Leave, ProofFile
from cecert.records.proofs import LEAVE_PROOF
from cecert.records.storage import check_upload, delete_proof, store_proof
from cecert.review.domain.notifications import employer_admins, notify

if TYPE_CHECKING:
    from django.http import HttpRequest


def record_leave(
    person: Person,
    *,
    kind: str,
    start: dt.date,
    end: dt.date,
    by: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> Leave:
    if not by.has_perm("records.record_leave", person):
        raise DomainError("person", "只能为本人或本单位人员登记", "only for yourself or your staff")
    if kind not in LeaveKind.values:
        raise DomainError("kind", "请选择请假类别", "choose a leave kind")
    if end < start:
        raise DomainError("end", "结束日期早于开始日期", "the end is before the start")
    with transaction.atomic():
        leave = Leave.objects.create(person=person, kind=kind, start=start, end=end, note=note.strip(), created_by=by)
        audit(
            "leave.submit",
            actor=by,
            obj=leave,
            after={"kind": kind, "start": start.isoformat(), "end": end.isoformat()},
            request=request,
        )
        notify(
            employer_admins(person.employer_id),
            f"{person.name} 登记了{leave}，待确认",
            url=f"/records/leave/{leave.pk}/",
        )
    return leave


def add_leave_proof(
    leave: Leave, *, name: str, content: bytes, by: User, request: HttpRequest | None = None
) -> ProofFile:
    if leave.state != LeaveState.PENDING:
        raise DomainError("state", "只有待确认的请假可以上传材料", "proof can be added while pending only")
    if not by.has_perm("records.record_leave", leave.person):
        raise DomainError("leave", "无权上传材料", "not allowed")
    stored = leave.proofs.aggregate(total=Sum("size"))["total"] or 0
    checked = check_upload(name, content, already_stored=stored)
    key = store_proof(checked)
    try:
        with transaction.atomic():
            proof = ProofFile.objects.create(
                leave=leave,
                kind=LEAVE_PROOF.kind,
                original_name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                storage_key=key,
                uploaded_by=by,
            )
            audit(
                "leave.proof_added",
                actor=by,
                obj=leave,
                after={"proof": proof.pk, "sha256": checked.sha256},
                request=request,
            )
    except Exception:
        delete_proof(key)
        raise
    return proof


# The one transition function of leave: (from, to) → the permission the actor must hold.
# Article 8(1)–(3) (abroad, sick, maternity): the employer confirms. Article 8(4) (经业务主管部门批准的其他
# 情况): the employer submits the request, the employer's 业务主管部门 approves or returns it.
LEAVE_TRANSITIONS: dict[tuple[str, str], str] = {
    (LeaveState.PENDING, LeaveState.CONFIRMED): "records.confirm_leave",
    (LeaveState.PENDING, LeaveState.RETURNED): "records.confirm_leave",
    (LeaveState.PENDING, LeaveState.SUBMITTED): "records.confirm_leave",
    (LeaveState.SUBMITTED, LeaveState.CONFIRMED): "records.approve_leave",
    (LeaveState.SUBMITTED, LeaveState.RETURNED): "records.approve_leave",
}
ERR_NO_AUTHORITY = "该单位未登记业务主管部门，其他情况的折算无法报批"


def transition_leave(
    leave: Leave, to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> Leave:
    """veto → write → audit → notify, in one transaction; only a confirmed leave pro-rates (refreshes years)."""
    with transaction.atomic():
        leave = (
            Leave.objects.select_for_update(of=("self",)).select_related("person__employer__authority").get(pk=leave.pk)
        )
        permission = LEAVE_TRANSITIONS.get((leave.state, to_state))
        other = leave.kind == LeaveKind.OTHER_APPROVED
        if permission is None or (
            leave.state == LeaveState.PENDING
            and ((to_state == LeaveState.CONFIRMED and other) or (to_state == LeaveState.SUBMITTED and not other))
        ):
            raise DomainError(
                "state",
                f"该请假当前为“{leave.get_state_display()}”，不能执行此操作",
                f"a leave in state {leave.state} cannot move to {to_state}",
            )
        if not by.is_active or not by.has_perm(permission, leave):
            if permission == "records.approve_leave":
                raise DomainError(
                    "leave", "只有该单位的业务主管部门可以批准", "only the employer's industry authority may approve"
                )
            raise DomainError("leave", "只有所在单位管理员可以确认", "only the employer's admin may confirm")
        if to_state == LeaveState.RETURNED and not reason.strip():
            raise DomainError("reason", "退回时必须填写原因", "a reason is required to return")
        if to_state in (LeaveState.CONFIRMED, LeaveState.SUBMITTED) and not leave.proofs.exists():
            raise DomainError("proofs", "请假缺少证明材料", "the leave has no proof")
        if to_state == LeaveState.SUBMITTED and leave.person.employer.authority_id is None:
            raise DomainError("leave", ERR_NO_AUTHORITY, "the employer has no industry authority on record")
        before = leave.state
        leave.state, leave.state_reason = to_state, reason.strip()
        if to_state == LeaveState.SUBMITTED:
            leave.submitted_by, leave.submitted_at = by, timezone.now()
        else:
            leave.decided_by, leave.decided_at = by, timezone.now()
        leave.save()
        audit(
            f"leave.{to_state}",
            actor=by,
            role=Role.INDUSTRY_OFFICER if permission == "records.approve_leave" else Role.EMPLOYER_ADMIN,
            obj=leave,
            before={"state": before},
            after={"state": to_state, "kind": leave.kind},
            reason=reason,
            request=request,
        )
        if to_state == LeaveState.CONFIRMED:
            for year in range(leave.start.year, leave.end.year + 1):
                refresh_person_year(leave.person, year)
        if to_state == LeaveState.SUBMITTED:
            notify(
                authority_officers(leave.person.employer.authority_id),
                f"{leave.person.employer.name} 报请批准 {leave.person.name} 的{leave}（第八条第四项）",
                url=f"/records/leave/{leave.pk}/",
            )
        notify([leave.person.user_id], f"{leave} {leave.get_state_display()}", url="/records/leave/")
    return leave


def authority_officers(authority_id: int | None) -> list[int]:
    from cecert.accounts.models import Membership

    if authority_id is None:
        return []
    return list(
        Membership.objects.filter(role=Role.INDUSTRY_OFFICER, active=True, organisation_id=authority_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def decide_leave(
    leave: Leave, *, confirm: bool, by: User, reason: str = "", request: HttpRequest | None = None
) -> Leave:
    """The next decision on a leave: the employer confirms (8(1)–(3)) or submits (8(4)) it, or returns it;
    the employer's 业务主管部门 approves or returns a submitted 8(4) request."""
    if not confirm:
        return transition_leave(leave, LeaveState.RETURNED, by=by, reason=reason, request=request)
    state, kind = Leave.objects.filter(pk=leave.pk).values_list("state", "kind").get()  # not a stale copy
    if state == LeaveState.PENDING and kind == LeaveKind.OTHER_APPROVED:
        return transition_leave(leave, LeaveState.SUBMITTED, by=by, reason=reason, request=request)
    return transition_leave(leave, LeaveState.CONFIRMED, by=by, reason=reason, request=request)
