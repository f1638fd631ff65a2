"""Article 6: training bases — recognition (备案), programs, enrolments and completions.

``transition_base`` is the one transition function of a base's recognition.
Completions become records through ``cecert.records.domain.declaring.register_completion``
(one at a time) or ``cecert.catalogs.domain.bulk.bulk_register_completions`` (imports),
and wait for the employer's first review like every record (Article 11(1): 必须).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone

from cecert.accounts.idnumbers import IdNumberError, id_number_digest, parse_id_number
from cecert.accounts.models import Membership, Person, RegistrationState, Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs.domain.catalogs import _hours
from cecert.catalogs.enums import (
    CatalogState,
    EnrolmentState,
    GuideState,
    ProgramForm,
    ProgramState,
    RecognitionState,
    Via,
)
from cecert.catalogs.models import BaseRecognition, CatalogItem, Enrolment, GuideCourse, Program
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ActivityAdapter, ActivityModel
from cecert.organisations.domain import check_admin_login, create_pending_admin
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
from cecert.records.enums import Channel
from cecert.records.models import Record
from cecert.regions.models import Region

if TYPE_CHECKING:
    from django.http import HttpRequest

ERR_NOT_RECOGNISED = "基地未经备案认可（或已暂停、撤销），不能开展登记"
ERR_UNKNOWN_PERSON = "未找到该证书管理号或身份证号码对应的已注册人员"
ERR_NOT_ENROLLED = "该人员未报名本基地的该培训项目"


# --- recognition ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseApplication:
    """What a base applies with. A corrected (resubmitted) application keeps its login: there
    ``admin_username`` and ``admin_password`` are not used, the name and phone are the resubmitting admin's."""

    name: str
    region: Region
    scope: str
    admin_username: str
    admin_name: str
    admin_phone: str
    admin_password: str


def _check_name(name: str, *, base: Organisation | None = None) -> None:
    if not name:
        raise DomainError("name", "基地名称必填", "the base's name is required")
    others = Organisation.objects.filter(kind=OrganisationKind.TRAINING_BASE, name=name)
    if base is not None:
        others = others.exclude(pk=base.pk)
    if others.exists():
        raise DomainError("name", "该基地已申请备案", "this base has already applied")


def apply_for_recognition(application: BaseApplication, *, request: HttpRequest | None = None) -> Organisation:
    """A training base applies for recognition; its admin login waits (inactive) for HR's decision."""
    name = application.name.strip()
    _check_name(name)
    check_admin_login(application.admin_username, application.admin_password)
    with transaction.atomic():
        base = Organisation.objects.create(
            kind=OrganisationKind.TRAINING_BASE, name=name, region=application.region, state=OrganisationState.PENDING
        )
        BaseRecognition.objects.create(base=base, scope=application.scope.strip())
        admin = create_pending_admin(
            base,
            Role.BASE_ADMIN,
            username=application.admin_username,
            name=application.admin_name,
            phone=application.admin_phone,
            password=application.admin_password,
        )
        audit(
            "base.applied",
            actor=admin,
            role=Role.BASE_ADMIN,
            obj=base,
            after={"state": RecognitionState.APPLIED, "name": name, "region": application.region.code},
            request=request,
        )
    return base


R = RecognitionState
HR, APPLICANT = "hr", "applicant"
# (from, to) → who takes the step.
BASE_TRANSITIONS: dict[tuple[str, str], str] = {
    (R.APPLIED, R.RECOGNISED): HR,
    (R.APPLIED, R.RETURNED): HR,
    (R.RETURNED, R.RECOGNISED): HR,
    # The base's admin corrects a returned application and submits it again.
    (R.RETURNED, R.APPLIED): APPLICANT,
    (R.RECOGNISED, R.SUSPENDED): HR,
    (R.RECOGNISED, R.WITHDRAWN): HR,
    (R.SUSPENDED, R.RECOGNISED): HR,
    (R.SUSPENDED, R.WITHDRAWN): HR,
}
NEEDS_REASON = {R.RETURNED, R.SUSPENDED, R.WITHDRAWN}
ORGANISATION_STATE = {
    R.APPLIED: OrganisationState.PENDING,
    R.RECOGNISED: OrganisationState.APPROVED,
    R.RETURNED: OrganisationState.RETURNED,
    R.SUSPENDED: OrganisationState.SUSPENDED,
    R.WITHDRAWN: OrganisationState.SUSPENDED,
}


def recognition_of(base: Organisation) -> BaseRecognition:
    recognition, _ = BaseRecognition.objects.get_or_create(base=base)
    return recognition


def transition_base(
    base: Organisation,
    to_state: str,
    *,
    by: User,
    reason: str = "",
    application: BaseApplication | None = None,
    request: HttpRequest | None = None,
) -> BaseRecognition:
    """HR recognises, returns, suspends, reinstates or withdraws a base; the base's admin resubmits a
    returned application, corrected (``application``).

    The admins' logins follow the state: open once the base is recognised, and while its application is
    returned (so that the admin can read the reason, correct it and resubmit); a resubmitted application
    waits for HR with them closed again, like a first one.
    """
    with transaction.atomic():
        base = Organisation.objects.select_for_update().get(pk=base.pk)
        recognition = BaseRecognition.objects.select_for_update().filter(base=base).first() or recognition_of(base)
        actor = BASE_TRANSITIONS.get((recognition.state, to_state))
        if actor is None:
            if to_state == R.APPLIED:
                check_resubmittable(recognition)
            raise DomainError(
                "state",
                f"基地当前为“{recognition.get_state_display()}”，不能执行此操作",
                f"a base in state {recognition.state} cannot move to {to_state}",
            )
        before: dict[str, object] = {"state": recognition.state}
        if actor == APPLICANT:
            _require_admin(base, by)
            if application is None:
                raise DomainError("application", "请填写修改后的备案申请", "the corrected application is required")
            before |= _application_fields(base, recognition, by)
            _correct_application(base, recognition, application, by)
            recognition.applied_at = timezone.now()
        else:
            if not by.is_active or not by.has_perm("catalogs.recognise_base", base):
                raise DomainError("base", "无权对该基地执行此操作", "not allowed to act on this base")
            if to_state in NEEDS_REASON and not reason.strip():
                raise DomainError("reason", "必须填写原因", "a reason is required")
            recognition.decided_at, recognition.decided_by = timezone.now(), by
        after: dict[str, object] = {"state": to_state}
        if actor == APPLICANT:
            after |= _application_fields(base, recognition, by)
        recognition.state, recognition.state_reason = to_state, reason.strip()
        recognition.save()
        base.state, base.state_reason = ORGANISATION_STATE[R(to_state)], reason.strip()
        base.save(update_fields=["name", "region", "state", "state_reason"])
        _admin_logins(base, to_state)
        audit(
            f"base.{to_state}",
            actor=by,
            role=Role.BASE_ADMIN if actor == APPLICANT else Role.HR_OFFICER,
            obj=base,
            before=before,
            after=after,
            reason=reason.strip(),
            request=request,
        )
        _notify(base, to_state, reason.strip())
    return recognition


def check_resubmittable(recognition: BaseRecognition) -> None:
    """Only a returned application can be corrected and resubmitted."""
    if recognition.state != R.RETURNED:
        raise DomainError(
            "state",
            f"基地当前为“{recognition.get_state_display()}”，只有被退回的备案申请可以修改后重新提交",
            f"a base in state {recognition.state} cannot resubmit: only a returned application can be corrected"
            " and resubmitted",
        )


def resubmit_application(
    base: Organisation, application: BaseApplication, *, by: User, request: HttpRequest | None = None
) -> BaseRecognition:
    """The base's admin corrects a returned application and submits it again (back to HR's queue)."""
    return transition_base(base, R.APPLIED, by=by, application=application, request=request)


def _application_fields(base: Organisation, recognition: BaseRecognition, admin: User) -> dict[str, object]:
    return {
        "name": base.name,
        "region": base.region.code,
        "scope": recognition.scope,
        "admin_name": admin.display_name,
    }


def _correct_application(
    base: Organisation, recognition: BaseRecognition, application: BaseApplication, admin: User
) -> None:
    """Write the corrected application (the caller saves ``base`` and ``recognition``)."""
    name = application.name.strip()
    _check_name(name, base=base)
    if not application.admin_name.strip():
        raise DomainError("admin_name", "管理员姓名必填", "the admin's name is required")
    base.name, base.region = name, application.region
    recognition.scope = application.scope.strip()
    admin.display_name, admin.phone = application.admin_name.strip(), application.admin_phone.strip()
    admin.save(update_fields=["display_name", "phone"])


def _admins(base: Organisation) -> QuerySet[User]:
    """The people who administer the base (not its API identity)."""
    return User.objects.filter(memberships__organisation=base, memberships__role=Role.BASE_ADMIN).exclude(
        username__startswith=SERVICE_USER_PREFIX
    )


def _admin_logins(base: Organisation, to_state: str) -> None:
    if to_state in (R.RECOGNISED, R.RETURNED):
        _admins(base).filter(is_active=False).update(is_active=True)
    elif to_state == R.APPLIED:
        # Only logins that act for nothing else close (a first application's admins are new users anyway).
        elsewhere = Membership.objects.exclude(organisation=base).values("user_id")
        _admins(base).exclude(pk__in=elsewhere).update(is_active=False)


def base_reviewers(base: Organisation) -> list[int]:
    """The HR officers who decide the base's recognition: those whose region contains the base."""
    return list(
        Membership.objects.filter(role=Role.HR_OFFICER, active=True, user__is_active=True)
        .alias(base_path=Value(base.jurisdiction_path))
        .filter(base_path__startswith=F("organisation__region__path"))
        .values_list("user_id", flat=True)
        .distinct()
    )


def _notify(base: Organisation, to_state: str, reason: str) -> None:
    from cecert.review.domain.notifications import notify

    url = reverse("catalogs:base", args=[base.pk])
    if to_state == R.APPLIED:
        notify(base_reviewers(base), f"继续教育基地“{base.name}”已修改并重新提交备案申请，待审核", url=url)
    elif to_state == R.RETURNED:
        notify(
            _admins(base).values_list("pk", flat=True), f"继续教育基地“{base.name}”的备案申请已退回：{reason}", url=url
        )


SERVICE_USER_PREFIX = "api:base:"


def require_recognised(base: Organisation) -> BaseRecognition:
    recognition = BaseRecognition.objects.filter(base=base).first()
    if recognition is None or recognition.state != R.RECOGNISED:
        raise DomainError("base", ERR_NOT_RECOGNISED, "the base is not recognised (or is suspended or withdrawn)")
    return recognition


def _require_admin(base: Organisation, by: User) -> None:
    if not by.is_active or not by.has_perm("catalogs.manage_base", base):
        raise DomainError("base", "只有该基地的管理员可以执行此操作", "only the base's admins may do this")


# --- programs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramInput:
    title: str
    subject: str
    form: str
    hours: Decimal
    start_date: dt.date
    end_date: dt.date
    capacity: int
    catalog_item: CatalogItem | None = None
    guide_course: GuideCourse | None = None


def publish_program(base: Organisation, data: ProgramInput, *, by: User, request: HttpRequest | None = None) -> Program:
    """A recognised base publishes a program. Professional programs must refer to an accepted catalog item."""
    _require_admin(base, by)
    require_recognised(base)
    hours = _hours(data.hours)
    if not data.title.strip():
        raise DomainError("title", "项目名称必填", "a title is required")
    if data.end_date < data.start_date:
        raise DomainError("end_date", "结束日期早于开始日期", "the end date is before the start date")
    if data.capacity < 1:
        raise DomainError("capacity", "名额至少为 1", "the capacity is at least 1")
    if data.form not in ProgramForm.values:
        raise DomainError("form", "形式无效", "invalid form")
    if data.subject == "professional":
        item = data.catalog_item
        if item is None:
            raise DomainError(
                "catalog_item",
                "专业科目培训项目须对应已备案的专业科目目录条目",
                "a professional-subject program refers to an accepted catalog item",
            )
        if item.catalog.state != CatalogState.ACCEPTED:
            raise DomainError(
                "catalog_item",
                "该目录尚未经省人社厅备案，不计入专业科目",
                "the catalog has not been accepted by the provincial HR department",
            )
        if hours > item.hours:
            raise DomainError(
                "hours",
                f"学时不能超过目录条目的 {item.hours} 学时",
                f"hours cannot exceed the catalog item's {item.hours}",
            )
    elif data.subject == "public":
        course = data.guide_course
        if course is not None:
            if course.guide.state != GuideState.PUBLISHED:
                raise DomainError("guide_course", "该公需科目指南尚未发布", "the guide is not published")
            if hours > course.hours:
                raise DomainError(
                    "hours",
                    f"学时不能超过指南课程的 {course.hours} 学时",
                    f"hours cannot exceed the guide course's {course.hours}",
                )
    else:
        raise DomainError("subject", "科目无效", "invalid subject")
    with transaction.atomic():
        program = Program.objects.create(
            base=base,
            title=data.title.strip(),
            subject=data.subject,
            form=data.form,
            hours=hours,
            start_date=data.start_date,
            end_date=data.end_date,
            capacity=data.capacity,
            catalog_item=data.catalog_item if data.subject == "professional" else None,
            guide_course=data.guide_course if data.subject == "public" else None,
            created_by=by,
        )
        audit(
            "program.published",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=program,
            after={
                "base": base.pk,
                "title": program.title,
                "subject": program.subject,
                "hours": str(hours),
                "start": data.start_date.isoformat(),
                "end": data.end_date.isoformat(),
            },
            request=request,
        )
    return program


# --- people, enrolments and completions ------------------------------------------------------------------


def identifier_kind(identifier: str) -> str:
    """``"certificate"`` (13 digits), ``"id"`` (18 characters) or ``""``."""
    value = identifier.strip().upper()
    if len(value) == 13 and value.isdigit():
        return "certificate"
    if len(value) == 18:
        return "id"
    return ""


def id_digest(identifier: str) -> str | None:
    """The keyed digest of a valid ID number (how ``Person`` is looked up), or None."""
    try:
        value = parse_id_number(identifier).value
    except IdNumberError:
        return None
    return id_number_digest(value, settings.CECERT_ID_HASH_KEY)


def find_person(identifier: str) -> Person | None:
    """Look a registered person up by certificate number (13 digits) or ID number (18 characters)."""
    kind = identifier_kind(identifier)
    qs = Person.objects.select_related("employer", "employer__region", "employer__industry", "user")
    if kind == "certificate":
        return qs.filter(certificate_number=identifier.strip()).first()
    if kind == "id":
        digest = id_digest(identifier)
        return qs.filter(id_number_digest=digest).first() if digest else None
    return None


def enrol(
    program: Program, identifier: str | Person, *, by: User, via: str = Via.PAGE, request: HttpRequest | None = None
) -> Enrolment:
    """Enrol a registered professional (by certificate or ID number) in a program of the base."""
    _require_admin(program.base, by)
    require_recognised(program.base)
    person = identifier if isinstance(identifier, Person) else find_person(identifier)
    if person is None or person.state != RegistrationState.APPROVED:
        raise DomainError("person", ERR_UNKNOWN_PERSON, "no registered person has this certificate or ID number")
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        if program.state != ProgramState.PUBLISHED:
            raise DomainError("program", "该培训项目已结束报名", "the program is closed")
        taken = program.enrolments.exclude(state=EnrolmentState.CANCELLED).count()
        if taken >= program.capacity:
            raise DomainError("program", "该培训项目名额已满", "the program is full")
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(program=program, person=person, via=via, enrolled_by=by)
        except IntegrityError:
            raise DomainError("person", "该人员已报名该培训项目", "the person is already enrolled") from None
        audit(
            "enrolment.created",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=enrolment,
            after={"program": program.pk, "person": person.pk, "via": via},
            request=request,
        )
    return enrolment


def program_activity(program: Program) -> ActivityModel:
    """The Article 7(1) activity a completion of ``program`` is (validated by the crediting schemas)."""
    hours = int(program.hours) if program.hours == program.hours.to_integral_value() else float(str(program.hours))
    return ActivityAdapter.validate_python(
        {
            "type": program.activity_type,
            "subject": program.subject,
            "hours": hours,
            "date": program.end_date.isoformat(),
        }
    )


def complete_enrolment(
    enrolment: Enrolment,
    *,
    by: User,
    assessment: str = "合格",
    via: str = Via.PAGE,
    channel: str = Channel.BASE,
    request: HttpRequest | None = None,
) -> Record:
    """Register a completion: a record (channel base, or online) submitted for the employer's first review."""
    from cecert.records.domain.declaring import Declaration, register_completion
    from cecert.records.domain.references import program_references

    program = enrolment.program
    base = program.base
    _require_admin(base, by)
    require_recognised(base)
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("program", "person__employer__region", "person__employer__industry")
            .get(pk=enrolment.pk)
        )
        if enrolment.state != EnrolmentState.ENROLLED or enrolment.record_id is not None:
            raise DomainError("enrolment", "该人员已登记结业", "this completion is already registered")
        if program.form == ProgramForm.ONLINE and channel != Channel.ONLINE:
            raise DomainError(
                "program",
                "网络学习项目由平台根据学习进度自动登记",
                "online programs are credited from the reported study progress",
            )
        declaration = Declaration(
            title=program.title,
            start_date=program.start_date,
            end_date=program.end_date,
            form=str(ProgramForm(program.form).label),
            assessment=assessment,
            **dict(
                zip(
                    ("guide_course", "catalog_item"),
                    program_references(program, enrolment.person.employer),
                    strict=True,
                )
            ),
        )
        record = register_completion(
            enrolment.person,
            program_activity(program),
            declaration,
            base=base,
            by=by,
            channel=channel,
            request=request,
        )
        enrolment.state, enrolment.record, enrolment.completed_at = EnrolmentState.COMPLETED, record, timezone.now()
        enrolment.assessment = assessment
        enrolment.save(update_fields=["state", "record", "completed_at", "assessment"])
    return record


def base_dashboard(base: Organisation) -> dict[str, object]:
    """Counts for a base's dashboard."""
    from cecert.catalogs.models import ApiCall, ImportRun, ProgressReport

    since = timezone.now() - dt.timedelta(days=30)
    programs = (
        Program.objects.filter(base=base)
        .annotate(
            enrolled=Count("enrolments", filter=~Q(enrolments__state=EnrolmentState.CANCELLED)),
            completed=Count("enrolments", filter=Q(enrolments__state=EnrolmentState.COMPLETED)),
        )
        .order_by("-start_date", "pk")
    )
    return {
        "programs": list(programs[:200]),
        "enrolments": Enrolment.objects.filter(program__base=base).count(),
        "completions": Enrolment.objects.filter(program__base=base, state=EnrolmentState.COMPLETED).count(),
        "imports": list(ImportRun.objects.filter(organisation=base).order_by("-created_at")[:20]),
        "api_calls": ApiCall.objects.filter(base=base, at__gte=since).count(),
        "api_refused": ApiCall.objects.filter(base=base, at__gte=since, status__gte=400).count(),
        "flags": list(
            ProgressReport.objects.filter(base=base, accepted=False).select_related("person", "enrolment__program")[:50]
        ),
    }


__all__ = [
    "BaseApplication",
    "ProgramInput",
    "apply_for_recognition",
    "base_dashboard",
    "complete_enrolment",
    "enrol",
    "find_person",
    "publish_program",
    "recognition_of",
    "require_recognised",
    "transition_base",
]
