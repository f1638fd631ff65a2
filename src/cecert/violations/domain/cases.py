"""Article 15 cases: open (by hand, or with one click from an overturned spot-check item), decide, close.

``transition_case`` is the one transition function (veto → write → audit → notify, one transaction):

    open ──decide (decision + basis: an article of 《河南省专业技术人员继续教育条例》)──▶ decided ──▶ closed
      └──────────────────────────close (with a reason, e.g. 经核查不属实)──────────────────────────▶ closed

A case belongs to the region of the person (their employer's jurisdiction) or organisation it names, and
is handled by the HR department of that region (and those above it); anyone else gets 404.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cecert.accounts.models import Person, Role, User
from cecert.audit.domain import record as audit
from cecert.certificates.models import SuspiciousVerification
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.review.models import SpotCheckItem, SpotCheckOutcome
from cecert.violations.enums import CaseKind, CaseSource, CaseState
from cecert.violations.models import LAW, Case

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

C = CaseState
CASE_TRANSITIONS = {(C.OPEN, C.DECIDED), (C.OPEN, C.CLOSED), (C.DECIDED, C.CLOSED)}
# "第二十五条", "第二十五条第二款", "第25条第一款第（三）项": the article of the 条例 the decision rests on.
BASIS = re.compile(
    r"^第[一二三四五六七八九十百零〇\d]+条(第[一二三四五六七八九十\d]+款)?(第[（(]?[一二三四五六七八九十\d]+[)）]?项)?$"
)
SERIAL_MAX = 32


@dataclass(frozen=True)
class CaseInput:
    kind: str
    source: str
    evidence: str
    certificate_serial: str = ""
    record: Record | None = None
    person: Person | None = None
    organisation: Organisation | None = None
    suspicious_verification: str = ""


def _department(user: User, region_path: str) -> Organisation:
    """The acting officer's HR department that covers ``region_path`` (the closest one)."""
    covering = [hr for hr in user.organisations_for(Role.HR_OFFICER) if region_path.startswith(hr.region.path)]
    if not covering:
        raise DomainError("person", "只有该地区的人社部门可以立案", "only the HR department of the region may open it")
    return max(covering, key=lambda hr: len(hr.region.path))


def _check(data: CaseInput, by: User) -> tuple[Person | None, Organisation | None, str]:
    if data.kind not in CaseKind.values:
        raise DomainError("kind", "请选择违规类型", "choose the kind of violation")
    if data.source not in CaseSource.values:
        raise DomainError("source", "请选择发现途径", "choose how it was found")
    if not data.evidence.strip():
        raise DomainError("evidence", "请填写证据说明", "the evidence is required")
    if len(data.certificate_serial.strip()) > SERIAL_MAX:
        raise DomainError("certificate_serial", "证书序列号过长", "the certificate serial is too long")
    if data.kind in (CaseKind.FORGED, CaseKind.REPRINTED) and not data.certificate_serial.strip():
        raise DomainError(
            "certificate_serial",
            "伪造、翻印证书须填写证书上的序列号",
            "a forged or reprinted certificate needs its serial",
        )
    if data.kind == CaseKind.FALSE_RECORD and data.record is None:
        raise DomainError("record", "虚假登记须指明继续教育记录", "a false record needs the record")
    person, organisation = data.person, data.organisation
    if data.record is not None:
        if not Record.objects.restrict(by).filter(pk=data.record.pk).exists():
            raise DomainError("record", "未找到该记录", "no such record in your jurisdiction")
        if person is not None and person.pk != data.record.person_id:
            raise DomainError("person", "记录不属于该人员", "the record belongs to someone else")
        person = data.record.person
    if person is not None and not Person.objects.restrict(by).filter(pk=person.pk).exists():
        raise DomainError("person", "未找到该人员", "no such person in your jurisdiction")
    if organisation is not None and not Organisation.objects.restrict(by).filter(pk=organisation.pk).exists():
        raise DomainError("organisation", "未找到该单位", "no such organisation in your jurisdiction")
    if person is None and organisation is None:
        raise DomainError("person", "请指明涉及的人员或单位", "name the person or the organisation")
    region_path = person.employer.jurisdiction_path if person is not None else organisation.jurisdiction_path  # type: ignore[union-attr]
    return person, organisation, region_path


def open_case(
    data: CaseInput, *, by: User, spot_check_item: SpotCheckItem | None = None, request: HttpRequest | None = None
) -> Case:
    """An HR officer opens a case in their region (audited)."""
    if not by.is_active:
        raise DomainError("user", "账号已停用", "inactive user")
    person, organisation, region_path = _check(data, by)
    department = _department(by, region_path)
    with transaction.atomic():
        case = Case.objects.create(
            kind=data.kind,
            source=data.source,
            department=department,
            region_path=region_path,
            evidence=data.evidence.strip(),
            certificate_serial=data.certificate_serial.strip(),
            record=data.record,
            person=person,
            organisation=organisation,
            spot_check_item=spot_check_item,
            suspicious_verification=data.suspicious_verification.strip()[:64],
            opened_by=by,
        )
        audit(
            "violation.open",
            actor=by,
            role=Role.HR_OFFICER,
            obj=case,
            after={
                "state": case.state,
                "kind": case.kind,
                "source": case.source,
                "department": department.pk,
                "certificate_serial": case.certificate_serial,
                "record": case.record_id,
                "person": case.person_id,
                "organisation": case.organisation_id,
                "spot_check_item": case.spot_check_item_id,
                "suspicious_verification": case.suspicious_verification,
            },
            request=request,
        )
    return case


def open_case_from_spot_check(item: SpotCheckItem, *, by: User, request: HttpRequest | None = None) -> Case:
    """One click on an overturned spot-check item: a false-record case with the overturn reason as evidence."""
    with transaction.atomic():
        item = SpotCheckItem.objects.select_for_update(of=("self",)).select_related("record__person").get(pk=item.pk)
        if item.outcome != SpotCheckOutcome.OVERTURNED or item.record.state != RecordState.OVERTURNED:
            raise DomainError("item", "只有经抽查撤销认定的记录可以据此立案", "only an overturned record opens a case")
        existing = Case.objects.filter(spot_check_item=item).first()
        if existing is not None:
            return existing
        evidence = (
            f"抽查审验（第 {item.spot_check_id} 批，年度 {item.spot_check.year}）撤销认定记录 #{item.record_id}"
            f"“{item.record.title}”：{item.reason}"
        )
        return open_case(
            CaseInput(kind=CaseKind.FALSE_RECORD, source=CaseSource.SPOT_CHECK, evidence=evidence, record=item.record),
            by=by,
            spot_check_item=item,
            request=request,
        )


def open_case_from_suspicious_verification(
    suspicious: SuspiciousVerification, *, by: User, request: HttpRequest | None = None
) -> Case:
    """One click on a forged verification (Article 15: 不得伪造): a case about the certificate it claimed.

    Idempotent: the same record opens the same case. The holder of the claimed certificate is the
    person it concerns (not necessarily the forger), which puts the case in their region.
    """
    existing = Case.objects.filter(suspicious_verification=str(suspicious.public_id)).first()
    if existing is not None:
        return existing
    certificate = suspicious.certificate
    if certificate is None:
        raise DomainError(
            "certificate_serial", "该查验未关联到本平台发放的证书，无法据此立案", "no certificate of ours is named"
        )
    when = timezone.localtime(suspicious.created_at).strftime("%Y-%m-%d %H:%M")
    evidence = (
        f"{when} 经{suspicious.get_route_display()}查验，以证书 {suspicious.claimed_serial or certificate.serial} 名义"
        f"提交的材料被判定为伪造或篡改：{suspicious.reason_label}"
        f"{'（签名覆盖的序列号：' + suspicious.signed_serial + '）' if suspicious.signed_serial else ''}；"
        f"来源地址 {suspicious.client_address or '未知'}；可疑查验记录 {suspicious.public_id}"
    )
    return open_case(
        CaseInput(
            kind=CaseKind.FORGED,
            source=CaseSource.VERIFICATION,
            evidence=evidence,
            certificate_serial=suspicious.claimed_serial or certificate.serial,
            person=certificate.person,
            suspicious_verification=str(suspicious.public_id),
        ),
        by=by,
        request=request,
    )


def transition_case(
    case: Case,
    to_state: str,
    *,
    by: User,
    decision: str = "",
    basis: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Decide or close a case: veto → write → audit, in one transaction; ``DomainError`` changes nothing."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if (case.state, to_state) not in CASE_TRANSITIONS:
            raise DomainError(
                "state",
                f"案件当前为“{case.get_state_display()}”，不能执行此操作",
                f"a case in state {case.state} cannot move to {to_state}",
            )
        if not by.is_active or not by.has_perm("violations.handle", case):
            raise DomainError("case", "无权处理该案件", "not allowed to handle this case")
        now = timezone.now()
        before: dict[str, Any] = {"state": case.state}
        if to_state == C.DECIDED:
            decision, basis = decision.strip(), re.sub(r"\s+", "", basis)
            if not decision:
                raise DomainError("decision", "请填写处理决定", "the decision is required")
            if not BASIS.match(basis):
                raise DomainError(
                    "basis",
                    f"请填写处理依据：{LAW}的条款，如“第二十五条”",
                    "the basis must name an article of the regulation, e.g. 第二十五条",
                )
            case.decision, case.basis, case.decided_by, case.decided_at = decision, basis, by, now
        else:
            if case.state == C.OPEN and not reason.strip():
                raise DomainError(
                    "reason", "未作处理决定而结案，须填写结案说明", "closing without a decision needs a reason"
                )
            case.state_reason, case.closed_by, case.closed_at = reason.strip(), by, now
        case.state = to_state
        case.save()
        audit(
            f"violation.{to_state}",
            actor=by,
            role=Role.HR_OFFICER,
            obj=case,
            before=before,
            after={"state": to_state, "decision": case.decision, "basis": case.basis_text},
            reason=reason.strip(),
            request=request,
        )
    return case


def case_counts(cases: QuerySet[Case]) -> dict[str, Any]:
    """Cases by kind and state (one grouped query), for reports."""
    grid: Counter[tuple[str, str]] = Counter()
    for kind, state, n in cases.values_list("kind", "state").annotate(n=Count("pk")).order_by():
        grid[(kind, state)] += n
    rows = [
        (CaseKind(kind).label, [grid[(kind, state)] for state in C.values], sum(grid[(kind, s)] for s in C.values))
        for kind in CaseKind.values
    ]
    return {
        "headers": [str(label) for label in C.labels],
        "rows": [(str(label), counts, total) for label, counts, total in rows],
        "total": sum(grid.values()),
    }
