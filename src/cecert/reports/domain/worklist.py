"""Each role's pending work for the dashboard (工作台): what waits, how much, and where to do it.

Every count is one set-based ``COUNT`` query inside the user's jurisdiction, through the same
filters the target page uses (``review_queue``, ``Person.objects.restrict``, ``organisation_scope``,
…), so the number on the dashboard is the number of rows the link shows. No per-row loops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from cecert.accounts.models import Person, RegistrationState, Role, Transfer, TransferState, User
from cecert.organisations.models import Organisation, OrganisationState


@dataclass(frozen=True)
class WorkItem:
    """One kind of pending work: ``count`` of it, shown as ``value`` (a count, or e.g. "36 / 90")."""

    key: str  # stable name (tests, element ids)
    label: str
    count: int
    url: str
    value: str = ""
    note: str = ""
    urgent: bool = False  # overdue or otherwise late: shown in red when there is any

    @property
    def shown(self) -> str:
        return self.value or str(self.count)


@dataclass(frozen=True)
class Section:
    title: str
    items: list[WorkItem] = field(default_factory=list)


def _link(name: str, **query: str | int) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _item(key: str, label: str, count: int, url: str, *, urgent: bool = False, note: str = "") -> WorkItem:
    return WorkItem(key=key, label=label, count=count, url=url, urgent=urgent and count > 0, note=note)


# ---------------------------------------------------------------- records waiting for a reviewer


def _review_items(user: User) -> list[WorkItem]:
    from cecert.review.domain.queues import QueueFilters, review_deadline_days, review_queue

    days = review_deadline_days()
    return [
        _item("records_to_review", "待我审核的学习记录", review_queue(user).count(), reverse("review:queue")),
        _item(
            "records_overdue",
            f"超过 {days} 天未审核",
            review_queue(user, QueueFilters(min_age_days=days)).count(),
            _link("review:queue", age=days),
            urgent=True,
        ),
    ]


# ---------------------------------------------------------------- roles


def professional_section(user: User) -> Section | None:
    from cecert.crediting.evaluation import today_in_henan
    from cecert.records.domain.years import year_status
    from cecert.records.enums import PENDING_STATES, RecordState
    from cecert.records.models import Record

    if Role.PROFESSIONAL not in user.roles:
        return None
    own = Person.objects.filter(user=user, state=RegistrationState.APPROVED)
    year = today_in_henan().year
    records = Record.objects.filter(person__user=user)
    returned = records.filter(state=RecordState.RETURNED).count()
    drafts = records.filter(state=RecordState.DRAFT).count()
    waiting = records.filter(state__in=PENDING_STATES).count()
    status = year_status(own, year).values("earned_total", "required_total", "met", "unit").first()
    items = [
        _item("records_returned", "被退回、待修改的记录", returned, reverse("records:list"), urgent=True),
        _item("records_draft", "尚未提交的草稿", drafts, reverse("records:list")),
        _item("records_waiting", "审核中的记录", waiting, reverse("records:list")),
    ]
    if status is not None:
        unit = "学分" if status["unit"] == "credit" else "学时"
        items.append(
            WorkItem(
                key="year_progress",
                label=f"{year}年度已认定{unit}",
                count=0,
                value=f"{status['earned_total']} / {status['required_total']}",
                url=reverse("records:progress"),
                note="已达到年度要求" if status["met"] else "尚未达到年度要求",
            )
        )
    return Section("我的继续教育", items)


def employer_section(user: User) -> Section | None:
    from cecert.records.enums import LeaveState
    from cecert.records.models import Leave

    employers = user.organisations_for(Role.EMPLOYER_ADMIN)
    if not employers:
        return None
    registrations = Person.objects.restrict(user).filter(state=RegistrationState.PENDING, employer__in=employers)
    leaves = Leave.objects.filter(state=LeaveState.PENDING, person__employer__in=employers)
    transfers = Transfer.objects.filter(state=TransferState.PENDING, to_employer__in=employers)
    return Section(
        "本单位待办",
        [
            *_review_items(user),
            _item(
                "registrations",
                "待审核的人员注册",
                registrations.count(),
                _link("people:list", state=RegistrationState.PENDING),
            ),
            _item("leaves", "待确认的离岗（请假）申请", leaves.count(), reverse("records:leave")),
            _item("transfers", "待审核的调入申请", transfers.count(), reverse("accounts:transfers")),
        ],
    )


def _employer_applications(user: User) -> WorkItem:
    pending = Organisation.objects.restrict(user).employers().filter(state=OrganisationState.PENDING)
    return _item(
        "employer_applications",
        "待审核的单位注册",
        pending.count(),
        _link("organisations:employers", state=OrganisationState.PENDING),
    )


def _policy_items(user: User) -> list[WorkItem]:
    from cecert.catalogs.enums import CatalogState
    from cecert.catalogs.models import Catalog
    from cecert.policies.domain.filing import drafting_organisation, is_provincial_hr
    from cecert.policies.models import CreditingPolicy, PolicyState

    items: list[WorkItem] = []
    if is_provincial_hr(user):
        items.append(
            _item(
                "policy_filings",
                "待备案的实施细则",
                CreditingPolicy.objects.filter(state=PolicyState.SUBMITTED).count(),
                reverse("policies:filing"),
            )
        )
        items.append(
            _item(
                "catalog_filings",
                "待受理的专业科目目录、培训计划",
                Catalog.objects.filter(state=CatalogState.FILED).count(),
                reverse("catalogs:catalogs"),
            )
        )
    drafter = drafting_organisation(user)
    if drafter is not None:
        items.append(
            _item(
                "policies_returned",
                "被退回的实施细则",
                CreditingPolicy.objects.filter(issuer=drafter, state=PolicyState.RETURNED).count(),
                reverse("policies:list"),
                urgent=True,
            )
        )
    return items


def hr_section(user: User) -> Section | None:
    from cecert.catalogs.domain.scope import base_scope
    from cecert.catalogs.enums import RecognitionState
    from cecert.catalogs.models import BaseRecognition
    from cecert.certificates.domain.eligibility import EligibilityFilters, eligible_people
    from cecert.certificates.domain.issuance import issuing_departments_of
    from cecert.certificates.forms import default_year
    from cecert.certificates.models import SuspiciousVerification
    from cecert.violations.enums import CaseState
    from cecert.violations.models import Case

    if not user.organisations_for(Role.HR_OFFICER):
        return None
    registrations = Person.objects.restrict(user).filter(state=RegistrationState.PENDING)
    bases = BaseRecognition.objects.filter(base_scope(user, via="base__"), state=RecognitionState.APPLIED)
    items = [
        *_review_items(user),
        _employer_applications(user),
        _item(
            "registrations",
            "辖区内待单位审核的人员注册",
            registrations.count(),
            _link("people:list", state=RegistrationState.PENDING),
        ),
        _item(
            "base_applications",
            "待备案的继续教育基地",
            bases.count(),
            _link("catalogs:bases", state=RecognitionState.APPLIED),
        ),
        *_policy_items(user),
        _item(
            "violations_open",
            "待处理的违规案件",
            Case.objects.restrict(user).filter(state=CaseState.OPEN).count(),
            _link("violations:list", state=CaseState.OPEN),
        ),
    ]
    departments = issuing_departments_of(user)
    if departments:
        year = default_year()
        # Only sums and certificates are asked about: no requirement rows need creating on a page view.
        to_issue = eligible_people(departments[0], EligibilityFilters(year=year, issued=False), user=user, ensure=False)
        since = timezone.now() - dt.timedelta(days=30)
        suspicious = SuspiciousVerification.objects.restrict(user).filter(created_at__gte=since)
        items += [
            _item(
                "certificates_to_issue",
                f"{year}年度待发证人员",
                to_issue.count(),
                _link("certificates:issue", department=departments[0].pk, year=year, issued="no"),
            ),
            _item(
                "suspicious_verifications",
                "近30天可疑查验（伪造、篡改的证书）",
                suspicious.count(),
                reverse("certificates:suspicious"),
                urgent=True,
            ),
        ]
    return Section("人社部门待办", items)


def industry_section(user: User) -> Section | None:
    from cecert.catalogs.enums import CatalogState
    from cecert.catalogs.models import Catalog
    from cecert.policies.domain.confirmations import awaiting_confirmation
    from cecert.records.enums import LeaveState
    from cecert.records.models import Leave

    authorities = user.organisations_for(Role.INDUSTRY_OFFICER)
    if not authorities:
        return None
    leaves = Leave.objects.filter(state=LeaveState.SUBMITTED, person__employer__authority__in=authorities)
    items = [
        *_review_items(user),
        _employer_applications(user),
        _item("leaves", "待批准的其他离岗情况（第八条第四项）", leaves.count(), reverse("records:leave")),
        _item(
            "hour_confirmations",
            "待确认的其他形式学时（第七条第十三项）",
            awaiting_confirmation(user).count(),
            reverse("policies:confirmations"),
        ),
        _item(
            "catalogs_returned",
            "被退回的专业科目目录、培训计划",
            Catalog.objects.filter(authority__in=authorities, state=CatalogState.RETURNED).count(),
            reverse("catalogs:catalogs"),
            urgent=True,
        ),
    ]
    if Role.HR_OFFICER not in user.roles:
        items += _policy_items(user)
    return Section("行业主管部门待办", items)


def base_section(user: User) -> Section | None:
    from cecert.catalogs.enums import EnrolmentState, ImportState, RecognitionState
    from cecert.catalogs.models import BaseRecognition, Enrolment, ImportRun, ProgressReport
    from cecert.crediting.evaluation import today_in_henan

    bases = user.organisations_for(Role.BASE_ADMIN)
    if not bases:
        return None
    not_recognised = BaseRecognition.objects.filter(base__in=bases).exclude(state=RecognitionState.RECOGNISED)
    imports = ImportRun.objects.filter(
        organisation__in=bases, state__in=[ImportState.CHECKED, ImportState.FAILED, ImportState.INTERRUPTED]
    )
    ended = Enrolment.objects.filter(
        program__base__in=bases, state=EnrolmentState.ENROLLED, program__end_date__lt=today_in_henan()
    )
    flagged = ProgressReport.objects.filter(base__in=bases, accepted=False)
    return Section(
        "继续教育基地待办",
        [
            _item(
                "base_not_recognised",
                "尚未备案认可的基地",
                not_recognised.count(),
                reverse("catalogs:bases"),
                note="备案认可后方可登记学时",
            ),
            _item("imports_waiting", "待确认、失败或中断的导入", imports.count(), reverse("catalogs:imports")),
            _item("enrolments_to_complete", "培训已结束、待登记结业的学员", ended.count(), reverse("catalogs:bases")),
            _item("progress_flags", "被拒绝采信的网络学习进度", flagged.count(), reverse("catalogs:flags")),
        ],
    )


def sysadmin_section(user: User) -> Section | None:
    from cecert.certificates.models import KeyStatus, SigningKey
    from cecert.organisations.models import OrganisationKind
    from cecert.regions.models import ISSUING_LEVELS, Region, RegionLevel

    if Role.SYSADMIN not in user.roles:
        return None
    current_key = SigningKey.objects.filter(department=OuterRef("pk"), status=KeyStatus.CURRENT)
    keyless = Organisation.objects.filter(
        kind=OrganisationKind.HR_DEPARTMENT, region__level__in=ISSUING_LEVELS
    ).exclude(Exists(current_key))
    codeless = Region.objects.filter(level=RegionLevel.DIRECT_COUNTY, issuing_code="")
    return Section(
        "系统管理待办",
        [
            _item("departments_without_key", "缺少在用签章密钥的发证部门", keyless.count(), reverse("verify:keys"),
                  urgent=True, note="需在服务器上创建或导入密钥"),
            _item("regions_without_code", "未设发证级别代码的省直管县（市）", codeless.count(),
                  reverse("regions:issuing_codes"), urgent=True),
        ],
    )  # fmt: skip


def auditor_section(user: User) -> Section | None:
    from django.db.models import Max

    from cecert.audit.anchoring import CHECKPOINT_ACTION
    from cecert.audit.models import AuditEntry

    if Role.AUDITOR not in user.roles:
        return None
    now = timezone.now()
    last_checkpoint = AuditEntry.objects.filter(action=CHECKPOINT_ACTION).aggregate(n=Max("sequence"))["n"] or 0
    since_checkpoint = AuditEntry.objects.filter(sequence__gt=last_checkpoint).count()
    denied = AuditEntry.objects.filter(action="access.denied", at__gte=now - dt.timedelta(days=7))
    failed = AuditEntry.objects.filter(action="login.failed", at__gte=now - dt.timedelta(days=1))
    return Section(
        "审计待办",
        [
            _item("since_checkpoint", "最近检查点之后的日志条数", since_checkpoint, reverse("audit:log"),
                  note="检查点由系统定时签署"),
            _item("access_denied", "近7天越权访问被拒绝", denied.count(), _link("audit:log", action="access.denied"),
                  urgent=True),
            _item("login_failed", "近24小时登录失败", failed.count(), _link("audit:log", action="login.failed"),
                  urgent=True),
        ],
    )  # fmt: skip


SECTIONS = (
    professional_section,
    employer_section,
    hr_section,
    industry_section,
    base_section,
    sysadmin_section,
    auditor_section,
)


def pending_work(user: User) -> list[Section]:
    """The sections of every role ``user`` holds, in a fixed order."""
    return [section for build in SECTIONS if (section := build(user)) is not None]
