"""Issuing, revoking and reissuing certificates (Articles 2, 3, 12, 13, 14, 15).

One transition module for certificates, in the order veto → write → log:

* :func:`issue_annual_certificate` — atomic and idempotent: issuing again while
  nothing changed returns the same certificate; when the certified records
  changed, the old version is revoked and a new one names it (``replaces``);
* :func:`issue_completion_proof` — the same over a span of years;
* :func:`revoke_certificate` — a status change with a reason, never a deletion;
* :func:`reissue_after_overturn` — what a spot-check overturn triggers;
* :func:`issue_annual_batch` — set-based, chunked, resumable issuance of a year
  for one issuing department.

Only the department Article 12 names may issue (:func:`issuer_for`), and a
certificate is always sealed with that department's own key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from cecert.accounts.models import Person, RegistrationState, Role, User
from cecert.audit.domain import record
from cecert.certificates.crypto.qr_payload import format_hours
from cecert.certificates.domain import sources, verification
from cecert.certificates.domain.departments import is_issuing_department, issuing_departments_of
from cecert.certificates.domain.notices import tell_holders
from cecert.certificates.domain.signing_keys import auto_create_keys, current_key, issuing_department_for_region
from cecert.certificates.models import (
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateKind,
    CertificateStatus,
    SerialCounter,
    SigningKey,
)
from cecert.core.bulk import insert_rows
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation
from cecert.regions.models import PROVINCE_CODE, Region, RegionLevel

ERR_NOT_ISSUER = "只有证书发放部门（第十二条）可为该人员发证"
ERR_NOT_ISSUER_EN = "only the department named by Article 12 may issue this person's certificate"
ERR_NO_RECORDS = "该年度没有已认定的继续教育记录"
ERR_REASON_REQUIRED = "撤销证书须填写原因"
ERR_ALREADY_REVOKED = "证书已撤销"
ERR_NOT_APPROVED = "人员注册尚未通过审核"
ERR_YEARS = "证明年度范围无效"
ERR_NO_SELECTION = "请至少选择一名人员"
ERR_PROOF_REQUESTER = "只有本人或所在单位管理员可申请完成情况证明"
REASON_CHANGED = "已认定学时记录发生变化，换发新版本"
REASON_OVERTURNED = "抽查审验撤销了证书所依据的记录"
MAX_PROOF_YEARS = 30


# ---------------------------------------------------------------- who issues (Article 12)


def issuing_region_for(person: Person) -> Region:
    employer = person.employer
    if employer.provincial_direct:
        return Region.objects.get(code=PROVINCE_CODE)
    return employer.region.issuing_region


def issuer_for(person: Person) -> Organisation:
    """The HR department that issues ``person``'s certificates (Article 12)."""
    return issuing_department_for_region(issuing_region_for(person), create=auto_create_keys())


def issued_people(department: Organisation) -> Q:
    """Filter on Person: the people whose certificates ``department`` issues."""
    region = department.region
    if region.level == RegionLevel.PROVINCE:
        return Q(employer__jurisdiction_path=region.path)
    return Q(employer__jurisdiction_path__startswith=region.path, employer__provincial_direct=False)


def may_issue(user: User | None, person: Person) -> bool:
    if user is None:
        return False
    issuer = issuer_for(person)
    return any(o.pk == issuer.pk for o in issuing_departments_of(user))


def _ensure_may_issue(by: User | None, person: Person) -> None:
    if by is not None and not may_issue(by, person):
        raise DomainError("person", ERR_NOT_ISSUER, ERR_NOT_ISSUER_EN)


# ---------------------------------------------------------------- serials


def _serial_prefix(kind: str, year: int, issuer: Organisation) -> str:
    region = issuer.region
    code = "00" if region.level == RegionLevel.PROVINCE else region.issuing_code
    letter = "P" if kind == CertificateKind.COMPLETION_PROOF else ""
    return f"{letter}{year}-41{code}-"


def allocate_serials(prefix: str, count: int) -> list[str]:
    """``count`` consecutive serials under ``prefix``, without gaps or duplicates under concurrency."""
    with transaction.atomic():
        SerialCounter.objects.get_or_create(prefix=prefix)
        counter = SerialCounter.objects.select_for_update().get(prefix=prefix)
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    return [f"{prefix}{n:07d}" for n in range(first, first + count)]


# ---------------------------------------------------------------- snapshots


def _hours(value: Decimal) -> str:
    return format_hours(value)


def _content(person: Person, kind: str, years: list[sources.YearStatus], issuer: Organisation) -> dict[str, Any]:
    """What the certificate states; its digest decides whether a reissue is needed."""
    public = sum((y.public_hours for y in years), Decimal(0))
    professional = sum((y.professional_hours for y in years), Decimal(0))
    employer = person.employer
    content: dict[str, Any] = {
        "kind": kind,
        "holder_name": person.name,
        "masked_id": person.id_number_masked,
        "certificate_number": person.certificate_number or "",
        "employer": {"id": employer.pk, "name": employer.name},
        "year_from": years[0].year,
        "year_to": years[-1].year,
        "hours": {
            "public": _hours(public),
            "professional": _hours(professional),
            "total": _hours(public + professional),
        },
        "met": all(y.met for y in years),
        "issuer": {"id": issuer.pk, "name": issuer.name, "region_code": issuer.region.code},
    }
    if kind == CertificateKind.ANNUAL:
        y = years[0]
        content["records"] = [
            {"id": r.id, "title": r.title, "record_type": r.record_type, "subject": r.subject, "hours": _hours(r.hours)}
            for r in y.records
        ]
        content["required"] = {
            "total": _hours(y.required_total),
            "public": _hours(y.required_public),
            "professional": _hours(y.required_professional),
            "unit": y.unit,  # "credit" under an industry credit scheme (Article 5)
        }
        if y.moved_in:
            # The year's amounts include what the current platform certified (ADR 0023): say so, and
            # only then, so other certificates keep their content digest.
            content["moved_in"] = y.moved_in
    else:
        content["years"] = [
            {
                "year": y.year,
                "public": _hours(y.public_hours),
                "professional": _hours(y.professional_hours),
                "total": _hours(y.total_hours),
                "met": y.met,
                "record_ids": y.record_ids,
                "required": _hours(y.required_total),
                # Only credit years carry a unit, so hour-only certificates keep their content digest.
                **({"unit": y.unit} if y.unit != "hour" else {}),
                # Likewise only years moved in from the current platform say so (ADR 0023).
                **({"moved_in": y.moved_in} if y.moved_in else {}),
            }
            for y in years
        ]
    return content


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def relied_record_ids(certificate: Certificate) -> set[int]:
    snap = certificate.snapshot
    ids = {r["id"] for r in snap.get("records", [])}
    for y in snap.get("years", []):
        ids.update(y.get("record_ids", []))
    return ids


@dataclass
class _Draft:
    person: Person
    content: dict[str, Any]
    digest: str


def _new_certificate(
    draft: _Draft,
    *,
    serial: str,
    key: SigningKey,
    version: int,
    replaces: Certificate | None,
    by: User | None,
    now: Any,
    batch: CertificateBatch | None = None,
) -> Certificate:
    content = draft.content
    snapshot = {
        **content,
        "serial": serial,
        "version": version,
        "replaces_serial": replaces.serial if replaces is not None else None,
        "issue_date": timezone.localdate(now).isoformat(),
        "status_at_issue": "reissued" if replaces is not None else "issued",
        "key_id": key.key_id,
        "sm2_key_id": key.sm2_key_id,
    }
    return Certificate(
        serial=serial,
        kind=content["kind"],
        person=draft.person,
        year_from=content["year_from"],
        year_to=content["year_to"],
        version=version,
        snapshot=snapshot,
        content_digest=draft.digest,
        issuer_id=content["issuer"]["id"],
        signing_key=key,
        issued_at=now,
        issued_by=by,
        batch=batch,
        replaces=replaces,
    )


def _issue(
    person: Person,
    kind: str,
    years: list[sources.YearStatus],
    *,
    by: User | None,
    reason_if_changed: str = REASON_CHANGED,
) -> Certificate:
    """Idempotent issue of one certificate for ``person``; caller holds the transaction and the lock."""
    issuer = issuer_for(person)
    content = _content(person, kind, years, issuer)
    draft = _Draft(person, content, _digest(content))
    year_from, year_to = content["year_from"], content["year_to"]
    existing = (
        Certificate.objects.select_for_update()
        .filter(person=person, kind=kind, year_from=year_from, year_to=year_to, status=CertificateStatus.VALID)
        .first()
    )
    if existing is not None and existing.content_digest == draft.digest:
        return existing
    if existing is not None:
        _revoke(existing, reason_if_changed, by=by)
    key = current_key(issuer)
    last = (
        Certificate.objects.filter(person=person, kind=kind, year_from=year_from, year_to=year_to).aggregate(
            v=Max("version")
        )["v"]
        or 0
    )
    serial = allocate_serials(
        _serial_prefix(kind, year_from if kind == CertificateKind.ANNUAL else timezone.localdate().year, issuer), 1
    )[0]
    certificate = _new_certificate(
        draft, serial=serial, key=key, version=last + 1, replaces=existing, by=by, now=timezone.now()
    )
    certificate.save()
    record(
        "certificates.reissued" if existing is not None else "certificates.issued",
        actor=by,
        obj=certificate,
        before={"replaces": existing.serial} if existing is not None else None,
        after={
            "serial": certificate.serial,
            "version": certificate.version,
            "person": person.pk,
            "kind": kind,
            "years": [year_from, year_to],
            "issuer": issuer.pk,
            "key_id": key.key_id,
        },
    )
    tell_holders([certificate])
    return certificate


def _locked_person(person: Person) -> Person:
    return (
        Person.objects.select_for_update(of=("self",))
        .select_related("employer", "employer__region", "employer__industry")
        .get(pk=person.pk)
    )


def issue_annual_certificate(person: Person, year: int, *, by: User | None) -> Certificate:
    """Issue (or return the unchanged) annual certificate of ``person`` for ``year``.

    ``by`` must be an officer of the issuing department (Article 12); ``None``
    means the platform itself (reissue after a spot-check, batch workers).
    """
    _ensure_may_issue(by, person)
    if person.state != RegistrationState.APPROVED or not person.certificate_number:
        raise DomainError("person", ERR_NOT_APPROVED, "the person's registration is not approved")
    for attempt in range(2):
        try:
            with transaction.atomic():
                locked = _locked_person(person)
                status = sources.certified_year(locked, year)
                if not status.records:
                    raise DomainError("year", ERR_NO_RECORDS, "no certified records in that year")
                return _issue(locked, CertificateKind.ANNUAL, [status], by=by)
        except IntegrityError:
            # A concurrent issue won the "one valid certificate" index; the retry returns it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def may_request_proof(user: User | None, person: Person) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if person.user_id == user.pk:
        return True
    if any(o.pk == person.employer_id for o in user.organisations_for(Role.EMPLOYER_ADMIN)):
        return True
    return may_issue(user, person)


def issue_completion_proof(person: Person, year_from: int, year_to: int, *, by: User | None) -> Certificate:
    """A proof of continuing education over ``year_from``–``year_to`` (Articles 3 and 14)."""
    if by is not None and not may_request_proof(by, person):
        raise DomainError("person", ERR_PROOF_REQUESTER, "only the person or their employer may request a proof")
    this_year = timezone.localdate().year
    if not (2017 <= year_from <= year_to <= this_year and year_to - year_from < MAX_PROOF_YEARS):
        raise DomainError("years", ERR_YEARS, "invalid span of years")
    if person.state != RegistrationState.APPROVED or not person.certificate_number:
        raise DomainError("person", ERR_NOT_APPROVED, "the person's registration is not approved")
    with transaction.atomic():
        locked = _locked_person(person)
        years = [sources.certified_year(locked, y) for y in range(year_from, year_to + 1)]
        if not any(y.records or y.moved_in for y in years):
            raise DomainError("years", ERR_NO_RECORDS, "no certified records in those years")
        return _issue(locked, CertificateKind.COMPLETION_PROOF, years, by=by)


# ---------------------------------------------------------------- revocation


def _revoke(certificate: Certificate, reason: str, *, by: User | None) -> Certificate:
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.revoked_by = by if by is not None and by.pk else None
    certificate.save(update_fields=["status", "revoked_at", "revocation_reason", "revoked_by"])
    # Now and again after commit: a verification between the two must not re-cache the old page.
    verification.forget_public_result(certificate.serial)
    serial = certificate.serial
    transaction.on_commit(lambda: verification.forget_public_result(serial))
    record(
        "certificates.revoked",
        actor=by,
        obj=certificate,
        before={"status": "valid"},
        after={"status": "revoked", "serial": certificate.serial},
        reason=reason,
    )
    tell_holders([certificate], event="certificate.revoked", reason=reason)
    return certificate


def revoke_certificate(certificate: Certificate, reason: str, *, by: User | None) -> Certificate:
    """Revoke with a reason (no replacement). Only the issuing department's officers may."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", ERR_REASON_REQUIRED, "a reason is required")
    if by is not None and not any(o.pk == certificate.issuer_id for o in issuing_departments_of(by)):
        raise DomainError("certificate", ERR_NOT_ISSUER, ERR_NOT_ISSUER_EN)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status != CertificateStatus.VALID:
            raise DomainError("certificate", ERR_ALREADY_REVOKED, "already revoked")
        return _revoke(locked, reason, by=by)


def reissue_certificate(certificate: Certificate, reason: str, *, by: User | None) -> Certificate | None:
    """Revoke ``certificate`` and issue a new version from the current records.

    Returns the new version, or ``None`` when nothing certified is left to
    certify (the certificate is then revoked without a replacement).
    """
    reason = reason.strip() or REASON_CHANGED
    with transaction.atomic():
        locked = Certificate.objects.select_for_update(of=("self",)).select_related("person").get(pk=certificate.pk)
        if locked.status != CertificateStatus.VALID:
            return getattr(locked, "replaced_by", None)
        person = _locked_person(locked.person)
        years = [sources.certified_year(person, y) for y in range(locked.year_from, locked.year_to + 1)]
        # What issuing would accept: an annual certificate needs records certified here, a proof may
        # rest on moved-in years alone (``issue_completion_proof``).
        proof = locked.kind == CertificateKind.COMPLETION_PROOF
        if not any(y.records or (proof and y.moved_in) for y in years):
            _revoke(locked, reason, by=by)
            return None
        new = _issue(person, locked.kind, years, by=by, reason_if_changed=reason)
        if new.pk == locked.pk:  # content unchanged: still revoke and replace, as asked
            _revoke(locked, reason, by=by)
            return _reissue_same(locked, by=by)
        return new


def _reissue_same(old: Certificate, *, by: User | None) -> Certificate:
    issuer = issuer_for(old.person)
    key = current_key(issuer)
    content = {
        k: v
        for k, v in old.snapshot.items()
        if k not in ("serial", "version", "replaces_serial", "issue_date", "status_at_issue", "key_id", "sm2_key_id")
    }
    serial = allocate_serials(
        _serial_prefix(
            old.kind, old.year_from if old.kind == CertificateKind.ANNUAL else timezone.localdate().year, issuer
        ),
        1,
    )[0]
    new = _new_certificate(
        _Draft(old.person, content, old.content_digest),
        serial=serial,
        key=key,
        version=old.version + 1,
        replaces=old,
        by=by,
        now=timezone.now(),
    )
    new.save()
    record(
        "certificates.reissued",
        actor=by,
        obj=new,
        before={"replaces": old.serial},
        after={"serial": new.serial, "version": new.version},
    )
    tell_holders([new])
    return new


def reissue_after_overturn(
    overturned: sources.OverturnedRecord, *, reason: str = "", by: User | None = None
) -> list[Certificate]:
    """Revoke every valid certificate that relied on an overturned record and issue its successor."""
    reason = f"{REASON_OVERTURNED}：{reason}" if reason else REASON_OVERTURNED
    affected = [
        c
        for c in Certificate.objects.filter(
            person_id=overturned.person_id,
            status=CertificateStatus.VALID,
            year_from__lte=overturned.year,
            year_to__gte=overturned.year,
        )
        if overturned.id in relied_record_ids(c)
    ]
    replacements: list[Certificate] = []
    for certificate in affected:
        new = reissue_certificate(certificate, reason, by=by)
        if new is not None:
            replacements.append(new)
    return replacements


# ---------------------------------------------------------------- batch (set-based)


def batch_people(department: Organisation, year: int, batch: CertificateBatch | None = None) -> Any:
    """People the department issues for who have certified records in ``year`` (only the batch's
    selection when it was made from one)."""
    people = Person.objects.filter(
        issued_people(department), state=RegistrationState.APPROVED, certificate_number__isnull=False
    ).filter(pk__in=sources.people_with_certified_records(year))
    if batch is not None and batch.selected_only:
        people = people.filter(pk__in=batch.selection.values("pk"))
    return people.order_by("pk")


def start_batch(
    department: Organisation, year: int, *, by: User | None, people: Sequence[int] | None = None
) -> CertificateBatch:
    """A batch for the department's year: everyone it issues for, or only ``people`` (an officer's selection)."""
    if by is not None and not any(o.pk == department.pk for o in issuing_departments_of(by)):
        raise DomainError("department", ERR_NOT_ISSUER, ERR_NOT_ISSUER_EN)
    if not is_issuing_department(department):
        raise DomainError("department", ERR_NOT_ISSUER, ERR_NOT_ISSUER_EN)
    if people is not None and not people:
        raise DomainError("people", ERR_NO_SELECTION, "select at least one person")
    with transaction.atomic():
        batch = CertificateBatch.objects.create(
            department=department, year=year, requested_by=by, selected_only=people is not None
        )
        if people is not None:
            batch.selection.add(*sorted(set(people)))
        record(
            "certificates.batch_requested",
            actor=by,
            obj=batch,
            after={"department": department.pk, "year": year, **({"count": len(set(people))} if people else {})},
        )
    return batch


def issue_annual_batch(
    batch: CertificateBatch,
    *,
    chunk_size: int = 2000,
    progress: Callable[[CertificateBatch], None] | None = None,
    resume: bool = False,
) -> CertificateBatch:
    """Issue the batch's certificates, one transaction per chunk; safe to run again after an interruption.

    People whose valid certificate is unchanged are counted ``unchanged``
    (idempotent per person-year), so a resumed run creates no duplicates. The
    batch's lease (``heartbeat_at``) is renewed as each chunk completes. With
    ``resume`` (a run taking over from a worker that died), certificates this
    batch already issued count as ``issued``, so the counts equal an
    uninterrupted run's.
    """
    department, year = batch.department, batch.year
    people_ids = list(batch_people(department, year, batch).values_list("pk", flat=True))
    # Requirement and met/not for the whole department (or the selection) in one set-based query.
    verdict_people = Person.objects.filter(issued_people(department))
    if batch.selected_only:
        verdict_people = verdict_people.filter(pk__in=batch.selection.values("pk"))
    verdicts = sources.year_verdicts(verdict_people, year)
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING,
        total=len(people_ids),
        issued=0,
        unchanged=0,
        skipped=0,
        error="",
        heartbeat_at=timezone.now(),
    )
    batch.refresh_from_db()
    key = current_key(department)
    try:
        for start in range(0, len(people_ids), chunk_size):
            issued, unchanged, skipped = _issue_chunk(
                batch, department, key, year, people_ids[start : start + chunk_size], verdicts, resume=resume
            )
            batch.issued += issued
            batch.unchanged += unchanged
            batch.skipped += skipped
            CertificateBatch.objects.filter(pk=batch.pk).update(
                issued=batch.issued, unchanged=batch.unchanged, skipped=batch.skipped, heartbeat_at=timezone.now()
            )
            if progress is not None:
                progress(batch)
    except Exception as exc:
        CertificateBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=str(exc)[:2000])
        raise
    now = timezone.now()
    CertificateBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, finished_at=now, heartbeat_at=now)
    batch.refresh_from_db()
    record(
        "certificates.batch_done",
        actor=batch.requested_by,
        obj=batch,
        after={"issued": batch.issued, "unchanged": batch.unchanged, "skipped": batch.skipped},
    )
    return batch


def _lease_cutoff() -> Any:
    return timezone.now() - dt.timedelta(seconds=settings.CECERT_BATCH_LEASE_SECONDS)


def interrupted_batches() -> Any:
    """Running batches whose worker has not renewed the lease in time: the worker died (中断)."""
    cutoff = _lease_cutoff()
    return CertificateBatch.objects.filter(status=BatchStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )


def claim_interrupted_batch(batch: CertificateBatch) -> bool:
    """Take over an interrupted batch: renew its lease only if it is still expired (one claimant wins)."""
    cutoff = _lease_cutoff()
    with transaction.atomic():
        claimed = (
            CertificateBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING)
            .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
            .update(heartbeat_at=timezone.now(), resumed=F("resumed") + 1)
        )
        if claimed:
            record(
                "certificates.batch_interrupted",
                obj=batch,
                before={"heartbeat_at": batch.heartbeat_at.isoformat() if batch.heartbeat_at else None},
                after={"processed": batch.processed, "total": batch.total},
                reason="发证进程中断，续发",
            )
    return bool(claimed)


def resume_batch(
    batch: CertificateBatch, *, chunk_size: int = 2000, progress: Callable[[CertificateBatch], None] | None = None
) -> CertificateBatch:
    """Run a claimed batch again: what was issued stays, the rest is issued (no duplicates)."""
    return issue_annual_batch(batch, chunk_size=chunk_size, progress=progress, resume=True)


_COPY_COLUMNS = (
    "verification_id",
    "serial",
    "kind",
    "person_id",
    "year_from",
    "year_to",
    "version",
    "snapshot",
    "content_digest",
    "issuer_id",
    "signing_key_id",
    "issued_at",
    "issued_by_id",
    "batch_id",
    "status",
    "revoked_at",
    "revocation_reason",
    "revoked_by_id",
    "replaces_id",
)


def _bulk_insert(certificates: list[Certificate]) -> None:
    """Insert new certificates set-based: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere."""
    insert_rows(Certificate, _COPY_COLUMNS, [_copy_row(c) for c in certificates])


def _copy_row(c: Certificate) -> tuple[Any, ...]:
    return (
        c.verification_id,
        c.serial,
        c.kind,
        c.person_id,
        c.year_from,
        c.year_to,
        c.version,
        c.snapshot,
        c.content_digest,
        c.issuer_id,
        c.signing_key_id,
        c.issued_at,
        c.issued_by_id,
        c.batch_id,
        c.status,
        None,
        "",
        None,
        None,
    )


def _issue_chunk(
    batch: CertificateBatch,
    department: Organisation,
    key: SigningKey,
    year: int,
    ids: list[int],
    verdicts: dict[int, sources.Verdict],
    *,
    resume: bool = False,
) -> tuple[int, int, int]:
    # A primary-key range of the department's people instead of long IN lists.
    lo, hi, wanted = ids[0], ids[-1], set(ids)
    in_range = Person.objects.filter(issued_people(department), pk__gte=lo, pk__lte=hi)
    people = [
        p
        for p in in_range.select_related("employer", "employer__region", "employer__industry").order_by("pk")
        if p.pk in wanted
    ]
    statuses = sources.certified_years(people, year, verdicts=verdicts)
    existing = {
        person_id: (digest, batch_id)
        for person_id, digest, batch_id in Certificate.objects.filter(
            person_id__gte=lo,
            person_id__lte=hi,
            kind=CertificateKind.ANNUAL,
            year_from=year,
            year_to=year,
            status=CertificateStatus.VALID,
        ).values_list("person_id", "content_digest", "batch_id")
    }
    drafts: list[_Draft] = []
    changed: list[Person] = []
    unchanged = skipped = already_ours = 0
    for person in people:
        status = statuses.get(person.pk)
        if status is None or not status.records:
            skipped += 1
            continue
        content = _content(person, CertificateKind.ANNUAL, [status], department)
        digest = _digest(content)
        old = existing.get(person.pk)
        if old is None:
            drafts.append(_Draft(person, content, digest))
        elif old[0] == digest and resume and old[1] == batch.pk:
            already_ours += 1  # issued by this batch before its worker died
        elif old[0] == digest:
            unchanged += 1
        else:
            changed.append(person)
    issued = already_ours
    if drafts:
        try:
            with transaction.atomic():
                serials = allocate_serials(_serial_prefix(CertificateKind.ANNUAL, year, department), len(drafts))
                now = timezone.now()
                certificates = [
                    _new_certificate(
                        d, serial=s, key=key, version=1, replaces=None, by=batch.requested_by, now=now, batch=batch
                    )
                    for d, s in zip(drafts, serials, strict=True)
                ]
                # version 1: a person with an earlier (revoked) version hits the unique
                # constraint and takes the one-by-one path below.
                _bulk_insert(certificates)
                record(
                    "certificates.batch_issued",
                    actor=batch.requested_by,
                    obj=batch,
                    after={"count": len(certificates), "first": serials[0], "last": serials[-1]},
                )
                tell_holders(certificates)
            issued += len(drafts)
        except IntegrityError:
            # Someone issued some of these meanwhile (or an old revoked version exists):
            # fall back to the one-by-one idempotent path for this chunk.
            for d in drafts:
                cert = issue_annual_certificate(d.person, year, by=None)
                if cert.batch_id is None and cert.issued_at < batch.created_at:
                    unchanged += 1
                else:
                    issued += 1
    for person in changed:
        issue_annual_certificate(person, year, by=None)
        issued += 1
    return issued, unchanged, skipped
