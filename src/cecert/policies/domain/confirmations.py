"""Article 7(13) and 7(10) on the platform.

7(13): "其他类别的继续教育形式，由省辖市、省直管县（市）人力资源社会保障行政部门或省业务主管部门
参照上述标准确认学时，并报省人力资源社会保障厅备案". An ``other`` record names the confirming
department by code (a city / 省直管县 HR department by its region code, a provincial
industry authority by its industry code); the code must resolve, in the organisation
registry, to an approved department entitled to confirm for this person: the HR
department of the employer's own city or 省直管县, or the provincial authority of the
employer's industry. That department's officer confirms (or refuses) the hours in the
platform (``decide_other_hours``: veto → write → audit), and every confirmation is
listed for the provincial HR department (the filing list).

7(10): "专题调研报告被省委、省政府领导或当地党委、政府主要领导、主管领导批示的，确定为 20 学时".
A report declared on the platform must say who endorsed it (level and name/office).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from cecert.accounts.models import Role
from cecert.audit.domain import record as audit
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ActivityModel, EndorsedReport, OtherActivity
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
from cecert.policies.models import ConfirmationState, OtherHoursConfirmation
from cecert.regions.models import PROVINCE_CODE, RegionLevel

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cecert.accounts.models import User
    from cecert.records.models import Record


def department_for_code(code: str) -> Organisation | None:
    """The registered department a 7(13) ``approved_by`` code names, or ``None``."""
    approved = Organisation.objects.filter(state=OrganisationState.APPROVED).select_related("region", "industry")
    if code.isdigit():
        return approved.filter(
            kind=OrganisationKind.HR_DEPARTMENT,
            region__code=code,
            region__level__in=(RegionLevel.CITY, RegionLevel.DIRECT_COUNTY),
        ).first()
    return approved.filter(
        kind=OrganisationKind.INDUSTRY_AUTHORITY, region__code=PROVINCE_CODE, industry__code=code
    ).first()


def department_code(department: Organisation) -> str:
    """The code a record uses to name ``department`` (inverse of ``department_for_code``)."""
    if department.kind == OrganisationKind.HR_DEPARTMENT:
        return department.region.code
    assert department.industry is not None
    return department.industry.code


def eligible_departments(employer: Organisation) -> QuerySet[Organisation]:
    """The departments that may confirm 7(13) hours for the staff of ``employer``."""
    qs = Organisation.objects.none()
    approved = Organisation.objects.filter(state=OrganisationState.APPROVED)
    if not employer.provincial_direct and employer.region.level != RegionLevel.PROVINCE:
        issuing = employer.region.issuing_region
        if issuing.level in (RegionLevel.CITY, RegionLevel.DIRECT_COUNTY):
            qs = qs | approved.filter(kind=OrganisationKind.HR_DEPARTMENT, region=issuing)
    if employer.industry_id is not None:
        qs = qs | approved.filter(
            kind=OrganisationKind.INDUSTRY_AUTHORITY, region__code=PROVINCE_CODE, industry_id=employer.industry_id
        )
    return qs.select_related("region", "industry")


def check_platform_activity(activity: ActivityModel, employer: Organisation) -> None:
    """Refuse, naming the field, what the platform must not accept though the calculator would."""
    if isinstance(activity, OtherActivity):
        department = department_for_code(activity.approved_by)
        if department is None:
            raise DomainError(
                "approved_by",
                f"确认部门“{activity.approved_by}”不是已登记的省辖市、省直管县（市）人社部门或省业务主管部门",
                f"{activity.approved_by!r} is not a registered city/county HR department or provincial authority",
            )
        if not eligible_departments(employer).filter(pk=department.pk).exists():
            raise DomainError(
                "approved_by",
                f"{department.name}不能为本单位人员确认学时：应由本单位所在省辖市、省直管县（市）人社部门或本行业的"
                "省业务主管部门确认",
                f"{department.name} may not confirm hours for this employer's staff",
            )
    if isinstance(activity, EndorsedReport) and (activity.endorser_level is None or not activity.endorser):
        field = "endorser_level" if activity.endorser_level is None else "endorser"
        raise DomainError(
            field,
            "专题调研报告须填写批示领导的级别和姓名、职务（第七条第（十）项）",
            "an endorsed report must name who endorsed it (level, name and office)",
        )


def awaiting_confirmation(user: User) -> QuerySet[Record]:
    """Submitted ``other`` records naming one of ``user``'s departments and not yet decided (jurisdiction-checked)."""
    from cecert.records.enums import RecordState
    from cecert.records.models import Record

    codes = [department_code(d) for d in confirming_departments(user)]
    if not codes:
        return Record.objects.none()
    decided = OtherHoursConfirmation.objects.filter(record=OuterRef("pk"))
    return (
        Record.objects.restrict(user)
        .filter(activity_type="other", activity__approved_by__in=codes)
        .exclude(state=RecordState.DRAFT)
        .exclude(Exists(decided))
        .select_related("person", "person__employer")
        .order_by("submitted_at", "pk")
    )


def confirming_departments(user: User) -> list[Organisation]:
    """The user's departments that confirm 7(13) hours: city / 省直管县 HR, provincial industry authorities."""
    out: list[Organisation] = []
    for org in user.organisations_for(Role.HR_OFFICER):
        if org.region.level in (RegionLevel.CITY, RegionLevel.DIRECT_COUNTY):
            out.append(org)
    for org in user.organisations_for(Role.INDUSTRY_OFFICER):
        if org.region.code == PROVINCE_CODE and org.industry_id is not None:
            out.append(org)
    return out


def decide_other_hours(
    record: Record, confirm: bool, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> OtherHoursConfirmation:
    """The named department confirms or refuses a 7(13) record's hours: veto → write → audit."""
    from cecert.records.models import Record

    with transaction.atomic():
        record = Record.objects.select_for_update(of=("self",)).select_related("person__employer").get(pk=record.pk)
        if record.activity_type != "other":
            raise DomainError(
                "record", "只有“其他继续教育形式”的记录需要确认学时", "only 'other' records are confirmed"
            )
        department = department_for_code(str(record.activity.get("approved_by", "")))
        mine = {d.pk for d in confirming_departments(by)}
        if department is None or department.pk not in mine:
            raise DomainError("record", "该记录未指定本部门确认学时", "this record does not name your department")
        if OtherHoursConfirmation.objects.filter(record=record).exists():
            raise DomainError("record", "该记录的学时已确认过", "this record's hours were already decided")
        if not confirm and not reason.strip():
            raise DomainError("reason", "不予确认时必须填写原因", "a reason is required to refuse")
        confirmation = OtherHoursConfirmation.objects.create(
            record=record,
            department=department,
            hours=Decimal(record.hours),
            state=ConfirmationState.CONFIRMED if confirm else ConfirmationState.REFUSED,
            reason=reason.strip(),
            decided_by=by,
            decided_at=timezone.now(),
        )
        role = Role.HR_OFFICER if department.kind == OrganisationKind.HR_DEPARTMENT else Role.INDUSTRY_OFFICER
        audit(
            f"other_hours.{confirmation.state}",
            actor=by,
            role=role,
            obj=confirmation,
            after={"record": record.pk, "department": department.pk, "hours": str(confirmation.hours)},
            reason=reason.strip(),
            request=request,
        )
    return confirmation


def other_hours_confirmed(record: Any) -> bool:
    """Whether a 7(13) record's hours were confirmed by its department (for the review chain's veto)."""
    return OtherHoursConfirmation.objects.filter(record_id=record.pk, state=ConfirmationState.CONFIRMED).exists()
