"""Article 4: the public-subject guide (provincial HR) and professional catalogs / training plans (industries).

One transition function per workflow (veto → write → audit, in one transaction):
``publish_guide`` for the guide, ``transition_catalog`` for catalogs and plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cecert.accounts.models import Person, Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs.enums import CatalogKind, CatalogState, GuideState, ProgramState, RecognitionState
from cecert.catalogs.models import Catalog, CatalogItem, GuideCourse, Program, PublicGuide
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState

if TYPE_CHECKING:
    from django.http import HttpRequest

ERR_NOT_PROVINCIAL_HR = "只有省人力资源社会保障厅可以执行此操作"
ERR_GUIDE_PUBLISHED = "公需科目指南已发布，不能再修改"
ERR_CATALOG_LOCKED = "只有草稿或已退回的目录可以修改"
ERR_REASON = "必须填写原因"


def _hours(value: Decimal | str | int | float, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise DomainError(field, "学时应为数字", "hours must be a number") from None
    if not hours.is_finite() or hours <= 0 or hours > 10000 or hours != hours.quantize(Decimal("0.1")):
        raise DomainError(field, "学时应大于 0，最多一位小数", "hours must be > 0 with at most one decimal")
    return hours


# --- the public-subject guide ------------------------------------------------------------------


def guide_for_year(year: int, *, by: User, title: str = "") -> PublicGuide:
    """The year's guide (a draft is created on first use) — provincial HR only."""
    if not by.has_perm("catalogs.publish_guide"):
        raise DomainError("year", ERR_NOT_PROVINCIAL_HR, "only the provincial HR department publishes the guide")
    guide, _ = PublicGuide.objects.get_or_create(
        year=year, defaults={"title": title or f"{year} 年度专业技术人员公需科目指南", "created_by": by}
    )
    return guide


def add_guide_course(
    guide: PublicGuide,
    *,
    code: str,
    title: str,
    hours: Decimal | str,
    provider: str,
    by: User,
    base: Organisation | None = None,
    online: bool = True,
    url: str = "",
) -> GuideCourse:
    if not by.has_perm("catalogs.publish_guide"):
        raise DomainError("guide", ERR_NOT_PROVINCIAL_HR, "only the provincial HR department edits the guide")
    if not PublicGuide.objects.filter(pk=guide.pk, state=GuideState.DRAFT).exists():
        raise DomainError("guide", ERR_GUIDE_PUBLISHED, "a published guide cannot change")
    if not code.strip() or not title.strip() or not provider.strip():
        raise DomainError("title", "编号、名称和提供机构必填", "code, title and provider are required")
    if base is not None and base.kind != OrganisationKind.TRAINING_BASE:
        raise DomainError("base", "承办机构应为继续教育基地", "the provider must be a training base")
    try:
        with transaction.atomic():
            return GuideCourse.objects.create(
                guide=guide,
                code=code.strip(),
                title=title.strip(),
                hours=_hours(hours),
                provider=provider.strip(),
                base=base,
                online=online,
                url=url.strip(),
            )
    except IntegrityError:
        raise DomainError("code", "课程编号已存在", "this course code already exists") from None


def set_guide_co_authors(
    guide: PublicGuide, authorities: list[Organisation], *, by: User, request: HttpRequest | None = None
) -> PublicGuide:
    """Article 4: 由省人力资源社会保障厅会同行业主管部门确定 — record the provincial industry authorities
    that determine the draft guide together with provincial HR (audited)."""
    from cecert.regions.models import RegionLevel

    with transaction.atomic():
        guide = PublicGuide.objects.select_for_update().get(pk=guide.pk)
        if not by.has_perm("catalogs.publish_guide"):
            raise DomainError("guide", ERR_NOT_PROVINCIAL_HR, "only the provincial HR department edits the guide")
        if guide.state != GuideState.DRAFT:
            raise DomainError("guide", ERR_GUIDE_PUBLISHED, "a published guide cannot change")
        for authority in authorities:
            if (
                authority.kind != OrganisationKind.INDUSTRY_AUTHORITY
                or authority.state != OrganisationState.APPROVED
                or authority.region.level != RegionLevel.PROVINCE
            ):
                raise DomainError(
                    "co_authors", "会同确定指南的应为省级行业主管部门", "co-authors are provincial industry authorities"
                )
        before = sorted(guide.co_authors.values_list("pk", flat=True))
        guide.co_authors.set(authorities)
        audit(
            "guide.co_authors",
            actor=by,
            role=Role.HR_OFFICER,
            obj=guide,
            before={"co_authors": before},
            after={"co_authors": sorted(a.pk for a in authorities)},
            request=request,
        )
    return guide


def publish_guide(guide: PublicGuide, *, by: User, request: HttpRequest | None = None) -> PublicGuide:
    """Publish the year's guide (draft → published): from then on it is what professionals see."""
    with transaction.atomic():
        guide = PublicGuide.objects.select_for_update().get(pk=guide.pk)
        if not by.has_perm("catalogs.publish_guide"):
            raise DomainError("guide", ERR_NOT_PROVINCIAL_HR, "only the provincial HR department publishes the guide")
        if guide.state != GuideState.DRAFT:
            raise DomainError("state", ERR_GUIDE_PUBLISHED, "the guide is already published")
        if not guide.courses.exists():
            raise DomainError("courses", "指南至少应包含一门课程", "a guide lists at least one course")
        if not guide.co_authors.exists():
            raise DomainError(
                "co_authors",
                "请先登记会同确定指南的行业主管部门（第四条）",
                "name the industry authorities that determine the guide with provincial HR (Article 4)",
            )
        guide.state, guide.published_at, guide.published_by = GuideState.PUBLISHED, timezone.now(), by
        guide.save(update_fields=["state", "published_at", "published_by"])
        audit(
            "guide.published",
            actor=by,
            role=Role.HR_OFFICER,
            obj=guide,
            before={"state": GuideState.DRAFT},
            after={
                "state": guide.state,
                "year": guide.year,
                "courses": guide.courses.count(),
                "co_authors": sorted(guide.co_authors.values_list("pk", flat=True)),
            },
            request=request,
        )
    return guide


@dataclass(frozen=True)
class GuideSuggestions:
    """What a professional short of public hours is offered for ``year``."""

    year: int
    shortfall: Decimal
    courses: list[GuideCourse]
    programs: list[Program]


def guide_suggestions(person: Person, year: int) -> GuideSuggestions:
    """Published guide courses (and open public-subject programs of recognised bases) when public hours are short.

    The shortfall is the crediting engine's verdict on the person's certified
    records (``cecert.records.domain.years.person_compliance``); nothing is
    suggested when the public part is met.
    """
    from cecert.records.domain.years import person_compliance

    shortfall = Decimal(person_compliance(person, year).shortfall.get("public", Decimal(0)))
    if shortfall <= 0:
        return GuideSuggestions(year, Decimal(0), [], [])
    courses = list(
        GuideCourse.objects.filter(guide__year=year, guide__state=GuideState.PUBLISHED)
        .select_related("base")
        .order_by("-hours", "code")[:20]
    )
    today = timezone.localdate()
    programs = list(
        Program.objects.filter(
            subject="public",
            state=ProgramState.PUBLISHED,
            end_date__gte=today,
            end_date__year=year,
            base__recognition__state=RecognitionState.RECOGNISED,
        )
        .exclude(enrolments__person=person)
        .select_related("base")
        .order_by("start_date")[:20]
    )
    return GuideSuggestions(year, shortfall, courses, programs)


# --- professional catalogs and industry training plans -------------------------------------------


def create_catalog(
    *, authority: Organisation, kind: str, year: int, title: str, by: User, request: HttpRequest | None = None
) -> Catalog:
    """An industry authority drafts a catalog (专业科目目录) or a training plan (行业培训计划)."""
    if authority.kind != OrganisationKind.INDUSTRY_AUTHORITY or authority.industry_id is None:
        raise DomainError(
            "authority", "只有行业主管部门可以制定专业科目目录", "only industry authorities draft catalogs"
        )
    if not any(o.pk == authority.pk for o in by.organisations_for(Role.INDUSTRY_OFFICER)):
        raise DomainError("authority", "只能为本部门制定目录", "you may draft only for your own authority")
    if kind not in CatalogKind.values:
        raise DomainError("kind", "类别无效", "invalid kind")
    if not title.strip():
        raise DomainError("title", "标题必填", "a title is required")
    with transaction.atomic():
        catalog = Catalog.objects.create(
            authority=authority,
            industry_id=authority.industry_id,
            kind=kind,
            year=year,
            title=title.strip(),
            created_by=by,
        )
        audit(
            "catalog.draft",
            actor=by,
            role=Role.INDUSTRY_OFFICER,
            obj=catalog,
            after={"state": catalog.state, "kind": kind, "year": year},
            request=request,
        )
    return catalog


def add_catalog_item(
    catalog: Catalog, *, code: str, title: str, hours: Decimal | str, by: User, description: str = ""
) -> CatalogItem:
    if not by.has_perm("catalogs.file_catalog", catalog):
        raise DomainError("catalog", "无权修改该目录", "not allowed to change this catalog")
    if not Catalog.objects.filter(pk=catalog.pk, state__in=(CatalogState.DRAFT, CatalogState.RETURNED)).exists():
        raise DomainError("state", ERR_CATALOG_LOCKED, "only drafts and returned catalogs can change")
    if not code.strip() or not title.strip():
        raise DomainError("title", "编号和名称必填", "code and title are required")
    try:
        with transaction.atomic():
            return CatalogItem.objects.create(
                catalog=catalog,
                code=code.strip(),
                title=title.strip(),
                hours=_hours(hours),
                description=description.strip(),
            )
    except IntegrityError:
        raise DomainError("code", "条目编号已存在", "this item code already exists") from None


S = CatalogState
CATALOG_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.FILED): "catalogs.file_catalog",
    (S.RETURNED, S.FILED): "catalogs.file_catalog",
    (S.FILED, S.ACCEPTED): "catalogs.decide_catalog",
    (S.FILED, S.RETURNED): "catalogs.decide_catalog",
}


def transition_catalog(
    catalog: Catalog, to_state: str, *, by: User, reason: str = "", request: HttpRequest | None = None
) -> Catalog:
    """File a catalog with the provincial HR department, or accept / return it (with a reason)."""
    with transaction.atomic():
        catalog = Catalog.objects.select_for_update().get(pk=catalog.pk)
        permission = CATALOG_TRANSITIONS.get((catalog.state, to_state))
        if permission is None:
            raise DomainError(
                "state",
                f"目录当前为“{catalog.get_state_display()}”，不能执行此操作",
                f"a catalog in state {catalog.state} cannot move to {to_state}",
            )
        needs_object = permission == "catalogs.file_catalog"
        allowed = by.has_perm(permission, catalog) if needs_object else by.has_perm(permission)
        if not by.is_active or not allowed:
            raise DomainError("catalog", "无权对该目录执行此操作", "not allowed to act on this catalog")
        if to_state == S.RETURNED and not reason.strip():
            raise DomainError("reason", ERR_REASON, "a reason is required")
        if to_state == S.FILED and not catalog.items.exists():
            raise DomainError("items", "目录至少应包含一个条目", "a catalog lists at least one item")
        before = {"state": catalog.state}
        now = timezone.now()
        catalog.state, catalog.state_reason = to_state, reason.strip()
        if to_state == S.FILED:
            catalog.filed_at = now
        else:
            catalog.decided_at, catalog.decided_by = now, by
        catalog.save()
        audit(
            f"catalog.{to_state}",
            actor=by,
            role=Role.INDUSTRY_OFFICER if needs_object else Role.HR_OFFICER,
            obj=catalog,
            before=before,
            after={"state": to_state, "items": catalog.items.count()},
            reason=reason.strip(),
            request=request,
        )
    return catalog


def counting_items(industry_id: int | None = None) -> QuerySet[CatalogItem]:
    """Items that count as professional-subject training (accepted catalogs only), optionally of one industry."""
    qs = CatalogItem.objects.counting().select_related("catalog", "catalog__industry")
    return qs.filter(catalog__industry_id=industry_id) if industry_id is not None else qs
