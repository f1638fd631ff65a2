"""Article 4: which published guide course or filed catalog entry a declared training follows.

公需科目……由省人力资源社会保障厅会同行业主管部门确定……每年定期发布公需科目指南;
专业科目……由各行业主管部门或行业组织确定，报经省人力资源社会保障厅备案后发布.

A record may name one guide course (public subject, the published guide of the record's year) or one
catalog entry (professional subject, an accepted catalog of the employer's industry for that year).
The reference is optional; training that names neither is flagged to its reviewer
(未列入公需科目指南/专业科目目录), never refused: Article 6 also credits training 备案认可 in other ways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cecert.core.errors import DomainError
from cecert.records.enums import TRAINING_TYPES, RecordSubject

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from cecert.catalogs.models import CatalogItem, GuideCourse
    from cecert.organisations.models import Organisation

__all__ = ["OUTSIDE_LABEL", "TRAINING_TYPES", "catalog_items_for", "check_references", "guide_courses_for"]

OUTSIDE_LABEL = "未列入公需科目指南/专业科目目录"


def guide_courses_for(year: int) -> QuerySet[GuideCourse]:
    """The courses of the published public-subject guide of ``year``."""
    from cecert.catalogs.enums import GuideState
    from cecert.catalogs.models import GuideCourse

    return GuideCourse.objects.filter(guide__year=year, guide__state=GuideState.PUBLISHED).order_by("code")


def catalog_items_for(employer: Organisation, year: int) -> QuerySet[CatalogItem]:
    """Entries of the accepted (filed) catalogs of the employer's industry for ``year``."""
    from cecert.catalogs.models import CatalogItem

    if employer.industry_id is None:
        return CatalogItem.objects.none()
    return (
        CatalogItem.objects.counting()
        .filter(catalog__industry_id=employer.industry_id, catalog__year=year)
        .order_by("catalog_id", "code")
    )


def check_references(
    employer: Organisation, year: int, subject: str, guide_course: Any, catalog_item: Any
) -> dict[str, Any]:
    """The reference fields for a record, or ``DomainError`` naming the field when one does not fit."""
    if guide_course is not None:
        if subject == RecordSubject.PROFESSIONAL:
            raise DomainError(
                "guide_course", "专业科目记录不能选择公需科目指南课程", "a professional record cannot cite the guide"
            )
        if not guide_courses_for(year).filter(pk=guide_course.pk).exists():
            raise DomainError(
                "guide_course",
                f"所选课程不在 {year} 年度已发布的公需科目指南中",
                f"the course is not in the published guide of {year}",
            )
    if catalog_item is not None:
        if subject == RecordSubject.PUBLIC:
            raise DomainError(
                "catalog_item", "公需科目记录不能选择专业科目目录条目", "a public record cannot cite a catalog entry"
            )
        if not catalog_items_for(employer, year).filter(pk=catalog_item.pk).exists():
            raise DomainError(
                "catalog_item",
                f"所选条目不在本行业 {year} 年度已备案的专业科目目录中",
                f"the entry is not in a filed catalog of the industry for {year}",
            )
    return {"guide_course": guide_course, "catalog_item": catalog_item}


def program_references(program: Any, employer: Organisation) -> tuple[Any, Any]:
    """The program's guide course / catalog entry, where it fits a completion by ``employer``'s staff."""
    year = program.end_date.year
    guide = None
    if program.guide_course_id is not None and program.subject != RecordSubject.PROFESSIONAL:
        guide = guide_courses_for(year).filter(pk=program.guide_course_id).first()
    item = None
    if program.catalog_item_id is not None and program.subject != RecordSubject.PUBLIC:
        item = catalog_items_for(employer, year).filter(pk=program.catalog_item_id).first()
    return guide, item
