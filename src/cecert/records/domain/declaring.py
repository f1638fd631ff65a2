"""Declaring records (Articles 6, 9, 10): hours from the crediting engine, drafts, proof files.

A professional declares their own activities; an employer admin declares on
behalf of staff; a training base (or the platform for online learning)
registers completions (``register_completion``, used by bulk import and the
API). Drafts can be edited and discarded; once submitted a record is never
deleted and changes only through ``cecert.review.domain.workflow``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cecert.accounts.models import Person, RegistrationState, Role, User
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ActivityModel
from cecert.policies.domain.confirmations import check_platform_activity
from cecert.records.domain.closing import year_is_closed
from cecert.records.domain.crediting import activity_to_json, credit, result_fields
from cecert.records.domain.references import check_references
from cecert.records.enums import EDITABLE_STATES, Channel, RecordState
from cecert.records.models import ProofFile, Record
from cecert.records.storage import check_upload, delete_proof, store_proof

if TYPE_CHECKING:
    from django.http import HttpRequest

ERR_CLOSED = "{year} 年度已截止，不能再登记该年度的记录"
ERR_NOT_EDITABLE = "只有草稿或已退回的记录可以修改"


@dataclass(frozen=True)
class Declaration:
    """What the declaring form collects besides the activity fields."""

    title: str
    start_date: dt.date
    end_date: dt.date
    form: str = ""
    assessment: str = ""
    # Article 4 (optional): the published guide course or filed catalog entry the training follows.
    guide_course: Any = None
    catalog_item: Any = None


def dedupe_key(person_id: int, activity: dict[str, Any], start: dt.date, end: dt.date) -> str:
    """Same person, type, key fields and dates → same key (the title is free text and left out)."""
    fields = {k: v for k, v in activity.items() if k != "date"}
    text = json.dumps([person_id, fields, start.isoformat(), end.isoformat()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_dates(declaration: Declaration) -> None:
    if declaration.end_date < declaration.start_date:
        raise DomainError("end_date", "结束日期早于开始日期", "the end date is before the start date")
    if year_is_closed(declaration.end_date.year):
        raise DomainError(
            "end_date", ERR_CLOSED.format(year=declaration.end_date.year), f"year {declaration.end_date.year} is closed"
        )


def _fields(person: Person, activity: ActivityModel, declaration: Declaration) -> dict[str, Any]:
    """Record fields: the activity dated at its end date, credited by the engine."""
    activity = activity.model_copy(update={"date": declaration.end_date})
    year = declaration.end_date.year
    # 7(13) names a registered department entitled to confirm; 7(10) says who endorsed the report.
    check_platform_activity(activity, person.employer)
    result = credit(activity, person.employer, year)
    data = activity_to_json(activity)
    return {
        "year": year,
        "activity_type": activity.type,
        "activity": data,
        "title": declaration.title.strip(),
        "form": declaration.form.strip(),
        "start_date": declaration.start_date,
        "end_date": declaration.end_date,
        "assessment": declaration.assessment.strip(),
        "dedupe_key": dedupe_key(person.pk, data, declaration.start_date, declaration.end_date),
        **result_fields(result),
        **check_references(person.employer, year, result.subject, declaration.guide_course, declaration.catalog_item),
    }


def _provenance(channel: str, by: User, source_id: int | None = None) -> dict[str, Any]:
    return {
        "channel": channel,
        "by": by.pk,
        "by_label": str(by),
        "source": source_id,
        "at": timezone.now().isoformat(timespec="seconds"),
    }


def declare_record(
    person: Person, activity: ActivityModel, declaration: Declaration, *, by: User, request: HttpRequest | None = None
) -> Record:
    """Save a draft for ``person`` (the person themselves, or their employer admin on their behalf)."""
    if not by.has_perm("records.declare_for", person):
        raise DomainError("person", "只能为本人或本单位人员登记", "you may declare only for yourself or your staff")
    if person.state != RegistrationState.APPROVED:
        raise DomainError("person", "该人员尚未通过注册审核", "the person is not approved")
    _check_dates(declaration)
    channel = Channel.PERSON if person.user_id == by.pk else Channel.EMPLOYER
    with transaction.atomic():
        record = Record.objects.create(
            person=person,
            channel=channel,
            created_by=by,
            provenance=[_provenance(channel, by)],
            **_fields(person, activity, declaration),
        )
        audit(
            "record.draft",
            actor=by,
            role=Role.PROFESSIONAL if channel == Channel.PERSON else Role.EMPLOYER_ADMIN,
            obj=record,
            after={
                "state": record.state,
                "type": record.activity_type,
                "hours": str(record.hours),
                "policy": record.policy_id,
                "channel": channel,
            },
            request=request,
        )
    return record


def update_record(
    record: Record, activity: ActivityModel, declaration: Declaration, *, by: User, request: HttpRequest | None = None
) -> Record:
    """Correct a draft or a returned record (hours recomputed by the engine)."""
    with transaction.atomic():
        record = Record.objects.select_for_update(of=("self",)).select_related("person__employer").get(pk=record.pk)
        if record.state not in EDITABLE_STATES:
            raise DomainError("state", ERR_NOT_EDITABLE, "only drafts and returned records can be changed")
        if not by.has_perm("records.submit", record):
            raise DomainError("record", "无权修改该记录", "not allowed to change this record")
        _check_dates(declaration)
        before = {"activity": record.activity, "hours": str(record.hours), "title": record.title}
        for name, value in _fields(record.person, activity, declaration).items():
            setattr(record, name, value)
        record.save()
        audit(
            "record.update",
            actor=by,
            obj=record,
            before=before,
            after={"activity": record.activity, "hours": str(record.hours), "title": record.title},
            request=request,
        )
    return record


def discard_draft(record: Record, *, by: User, request: HttpRequest | None = None) -> None:
    """Throw away a never-submitted draft (and its files)."""
    with transaction.atomic():
        record = Record.objects.select_for_update(of=("self",)).select_related("person").get(pk=record.pk)
        if record.state != RecordState.DRAFT or record.submitted_at is not None:
            raise DomainError("state", "只有从未提交的草稿可以删除", "only never-submitted drafts can be discarded")
        if not by.has_perm("records.submit", record):
            raise DomainError("record", "无权删除该草稿", "not allowed to discard this draft")
        keys = list(record.proofs.values_list("storage_key", flat=True))
        audit(
            "record.discard",
            actor=by,
            obj=record,
            before={"state": record.state, "title": record.title},
            request=request,
        )
        record.proofs.all().delete()
        record.delete()
    for key in keys:
        delete_proof(key)


def add_proof(
    record: Record, *, kind: str, name: str, content: bytes, by: User, request: HttpRequest | None = None
) -> ProofFile:
    """Attach a proof file to a draft or returned record; refused uploads store nothing."""
    if record.state not in EDITABLE_STATES:
        raise DomainError("state", "只有草稿或已退回的记录可以上传材料", "proofs can be added to drafts only")
    if not by.has_perm("records.submit", record):
        raise DomainError("record", "无权为该记录上传材料", "not allowed to add proof to this record")
    stored = record.proofs.aggregate(total=Sum("size"))["total"] or 0
    checked = check_upload(name, content, already_stored=stored)
    key = store_proof(checked)
    try:
        with transaction.atomic():
            proof = ProofFile.objects.create(
                record=record,
                kind=kind,
                original_name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                storage_key=key,
                uploaded_by=by,
            )
            audit(
                "record.proof_added",
                actor=by,
                obj=record,
                after={"proof": proof.pk, "kind": kind, "sha256": checked.sha256, "size": checked.size},
                request=request,
            )
    except Exception:
        delete_proof(key)
        raise
    return proof


def register_completion(
    person: Person,
    activity: ActivityModel,
    declaration: Declaration,
    *,
    base: Any,
    by: User,
    channel: str = Channel.BASE,
    request: HttpRequest | None = None,
) -> Record:
    """A recognised base (or the platform, ``channel="online"``) registers a completion (Article 9).

    The record is submitted for the employer's first review and then certified by the body
    Article 11 names for its subject, like every other record: no channel skips a step
    (11(1): 用人单位必须……进行初审). ``declaration.guide_course``/``catalog_item`` carry the
    program's Article 4 reference.
    """
    from cecert.review.domain.workflow import transition_record

    if person.state != RegistrationState.APPROVED:
        raise DomainError("person", "该人员尚未通过注册审核", "the person is not approved")
    _check_dates(declaration)
    with transaction.atomic():
        record = Record.objects.create(
            person=person,
            channel=channel,
            source=base,
            created_by=by,
            provenance=[_provenance(channel, by, base.pk)],
            **_fields(person, activity, declaration),
        )
        audit(
            "record.registered",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=record,
            after={"type": record.activity_type, "hours": str(record.hours), "source": base.pk},
            request=request,
        )
        record = transition_record(record, RecordState.SUBMITTED, by=by, request=request)
    return record
