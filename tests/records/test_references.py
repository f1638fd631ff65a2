"""Article 4: declared training names the published guide course or filed catalog entry it follows (optional);
training that names neither is flagged to its reviewer; the reference is checked against the year and industry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cecert.catalogs.domain.catalogs import (
    add_catalog_item,
    add_guide_course,
    create_catalog,
    guide_for_year,
    publish_guide,
    set_guide_co_authors,
    transition_catalog,
)
from cecert.catalogs.models import CatalogItem, GuideCourse
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ActivityAdapter
from cecert.records.domain.declaring import Declaration, add_proof, declare_record
from cecert.records.domain.references import OUTSIDE_LABEL
from cecert.records.proofs import required_proofs
from cecert.review.domain.workflow import transition_record
from tests.factories import World, logged_in
from tests.records.factories import CONFERENCE, PDF, PUBLIC_TRAINING, advanced, declared

YEAR = 2025
PROFESSIONAL = {"type": "training", "subject": "professional", "organizer": "provincial", "hours": 20}


def _guide(world: World, year: int = YEAR) -> GuideCourse:
    hr = world.users["hr_province"]
    guide = guide_for_year(year, by=hr)
    course = add_guide_course(guide, code=f"G{year}", title="法治政府建设", hours="12", provider="省人社厅", by=hr)
    set_guide_co_authors(guide, [world.orgs["health"]], by=hr)
    publish_guide(guide, by=hr)
    return course


def _catalog_item(world: World, authority: str = "health", year: int = YEAR) -> CatalogItem:
    officer = world.users[authority]
    catalog = create_catalog(
        authority=world.orgs[authority], kind="catalog", year=year, title="专业科目目录", by=officer
    )
    item = add_catalog_item(catalog, code="Z1", title="临床新进展", hours="20", by=officer)
    transition_catalog(catalog, "filed", by=officer)
    transition_catalog(catalog, "accepted", by=world.users["hr_province"])
    return item


def _declare(world: World, activity: dict[str, Any], **refs: Any) -> Any:
    person = world.people["emp_jinshui"]
    end = dt.date(YEAR, 6, 30)
    declaration = Declaration(title="培训", start_date=end - dt.timedelta(days=1), end_date=end, **refs)
    return declare_record(person, ActivityAdapter.validate_python(activity), declaration, by=person.user)


def test_a_guide_course_or_catalog_entry_is_recorded(world: World) -> None:
    course, item = _guide(world), _catalog_item(world)
    public = _declare(world, PUBLIC_TRAINING, guide_course=course)
    professional = _declare(world, PROFESSIONAL, catalog_item=item)
    assert (public.guide_course, professional.catalog_item) == (course, item)
    assert not public.outside_guide_and_catalogs and not professional.outside_guide_and_catalogs


@pytest.mark.parametrize(
    ("activity", "ref", "field"),
    [
        (PUBLIC_TRAINING, "other_year_course", "guide_course"),
        (PROFESSIONAL, "course", "guide_course"),
        (PUBLIC_TRAINING, "item", "catalog_item"),
        (PROFESSIONAL, "other_industry_item", "catalog_item"),
    ],
)
def test_a_reference_that_does_not_fit_is_refused_naming_the_field(
    world: World, activity: dict[str, Any], ref: str, field: str
) -> None:
    refs = {
        "course": _guide(world),
        "other_year_course": _guide(world, 2024),
        "item": _catalog_item(world),
        "other_industry_item": _catalog_item(world, "education"),
    }
    with pytest.raises(DomainError) as excinfo:
        _declare(world, activity, **{field: refs[ref]})
    assert excinfo.value.field == field


def test_training_outside_both_is_flagged_in_the_review_queue(world: World) -> None:
    course = _guide(world)
    outside = advanced(world, declared(world.people["emp_jinshui"], title="自选培训"), "submitted")
    inside = _declare(world, PUBLIC_TRAINING, guide_course=course)
    owner = world.people["emp_jinshui"].user
    for requirement in required_proofs(inside.activity_type, inside.activity):
        add_proof(inside, kind=requirement.kind, name="p.pdf", content=PDF, by=owner)
    inside = transition_record(inside, "submitted", by=owner)
    not_training = advanced(world, declared(world.people["emp_jinshui"], CONFERENCE, title="学术会议"), "submitted")
    assert outside.outside_guide_and_catalogs and not inside.outside_guide_and_catalogs
    assert not not_training.outside_guide_and_catalogs
    page = logged_in(world.users["admin_emp_jinshui"]).get("/review/queue/").content.decode()
    rows = {line for line in page.splitlines() if "<tr" in line and "#" in line}
    flagged = [row for row in rows if OUTSIDE_LABEL in row]
    assert len(flagged) == 1 and "自选培训" in flagged[0]


def test_the_declaring_form_offers_the_references_for_training_only(world: World) -> None:
    _guide(world)
    client = logged_in(world.people["emp_jinshui"].user)
    page = client.get("/records/declare/?type=training").content.decode()
    assert "公需科目指南课程" in page and "法治政府建设" in page
    assert "公需科目指南课程" not in client.get("/records/declare/?type=conference").content.decode()
