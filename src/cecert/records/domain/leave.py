"""Leave (Article 8): the person records it with proof, the employer confirms; confirmed leave pro-rates."""

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
from cecert.records.storage import check_upload, get_proof_storage
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
    storage = get_proof_storage()
    key = storage.save(checked.content)
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
        storage.delete(key)
        raise
    return proof


def decide_leave(
    leave: Leave, *, confirm: bool, by: User, reason: str = "", request: HttpRequest | None = None
) -> Leave:
    """The employer confirms (pro-rating the years it touches) or returns the leave with a reason."""
    with transaction.atomic():
        leave = Leave.objects.select_for_update(of=("self",)).select_related("person__employer").get(pk=leave.pk)
        if leave.state != LeaveState.PENDING:
            raise DomainError("state", "该请假已处理", "already decided")
        if not by.has_perm("records.confirm_leave", leave):
            raise DomainError("leave", "只有所在单位管理员可以确认", "only the employer's admin may confirm")
        if not confirm and not reason.strip():
            raise DomainError("reason", "退回时必须填写原因", "a reason is required to return")
        if confirm and not leave.proofs.exists():
            raise DomainError("proofs", "请假缺少证明材料", "the leave has no proof")
        leave.state = LeaveState.CONFIRMED if confirm else LeaveState.RETURNED
        leave.state_reason, leave.decided_by, leave.decided_at = reason.strip(), by, timezone.now()
        leave.save()
        audit(
            f"leave.{leave.state}",
            actor=by,
            role=Role.EMPLOYER_ADMIN,
            obj=leave,
            before={"state": LeaveState.PENDING},
            after={"state": leave.state},
            reason=reason,
            request=request,
        )
        if confirm:
            for year in range(leave.start.year, leave.end.year + 1):
                refresh_person_year(leave.person, year)
        notify([leave.person.user_id], f"{leave} {leave.get_state_display()}", url="/records/leave/")
    return leave
