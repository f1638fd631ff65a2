"""The public-subject guide, professional catalogs (file → accept / return) and the bulk twin of register_completion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from cecert.audit.models import AuditEntry
from cecert.catalogs.domain.bases import complete_enrolment, enrol, program_activity
from cecert.catalogs.domain.bulk import BulkRecord, PersonRef, PolicyCache, bulk_register, record_fields
from cecert.catalogs.domain.catalogs import (
    add_catalog_item,
    add_guide_course,
    counting_items,
    create_catalog,
    guide_for_year,
    guide_suggestions,
    publish_guide,
    set_guide_co_authors,
    transition_catalog,
)
from cecert.core.errors import DomainError
from cecert.crediting.evaluation import today_in_henan
from cecert.records.domain.declaring import Declaration
from cecert.records.enums import RecordState
from cecert.records.models import Record
from tests.catalogs.conftest import BaseWorld
from tests.factories import World, logged_in, registered_person


def test_only_provincial_hr_publishes_the_guide_and_it_is_public(world: World) -> None:
    with pytest.raises(DomainError):
        guide_for_year(2026, by=world.users["hr_zhengzhou"])
    guide = guide_for_year(2026, by=world.users["hr_province"])
    with pytest.raises(DomainError):
        publish_guide(guide, by=world.users["hr_province"])  # no course yet
    add_guide_course(
        guide,
        code="GX-01",
        title="习近平新时代中国特色社会主义思想",
        hours="12",
        provider="省人社厅",
        by=world.users["hr_province"],
    )
    with pytest.raises(DomainError) as excinfo:
        publish_guide(guide, by=world.users["hr_province"])  # Article 4: 会同行业主管部门 — none named yet
    assert excinfo.value.field == "co_authors"
    with pytest.raises(DomainError):  # a city's HR department is no industry authority
        set_guide_co_authors(guide, [world.orgs["hr_zhengzhou"]], by=world.users["hr_province"])
    with pytest.raises(DomainError):  # only provincial HR records them
        set_guide_co_authors(guide, [world.orgs["health"]], by=world.users["health"])
    set_guide_co_authors(guide, [world.orgs["health"], world.orgs["education"]], by=world.users["hr_province"])
    publish_guide(guide, by=world.users["hr_province"])
    with pytest.raises(DomainError):
        add_guide_course(guide, code="GX-02", title="x", hours="1", provider="y", by=world.users["hr_province"])
    assert AuditEntry.objects.filter(action="guide.published", object_id=str(guide.pk)).count() == 1
    page = logged_in(world.users["person_jinshui"]).get("/catalogs/guide/2026/").content.decode()
    assert "习近平新时代中国特色社会主义思想" in page
    assert f"会同{world.orgs['health'].name}、{world.orgs['education'].name}确定" in page or (
        f"会同{world.orgs['education'].name}、{world.orgs['health'].name}确定" in page
    )


def test_catalogs_count_only_once_accepted(world: World) -> None:
    health, province = world.users["health"], world.users["hr_province"]
    catalog = create_catalog(
        authority=world.orgs["health"], kind="catalog", year=2026, title="卫生专业科目目录", by=health
    )
    add_catalog_item(catalog, code="W1", title="新药临床应用", hours="10", by=health)
    with pytest.raises(DomainError):
        transition_catalog(catalog, "filed", by=world.users["education"])  # not their authority
    transition_catalog(catalog, "filed", by=health)
    with pytest.raises(DomainError):
        add_catalog_item(catalog, code="W2", title="x", hours="1", by=health)  # filed: locked
    with pytest.raises(DomainError):
        transition_catalog(catalog, "accepted", by=world.users["hr_zhengzhou"])  # city HR cannot accept
    with pytest.raises(DomainError) as excinfo:
        transition_catalog(catalog, "returned", by=province)
    assert excinfo.value.field == "reason"
    transition_catalog(catalog, "returned", by=province, reason="学时安排不合理")
    assert list(counting_items()) == []
    transition_catalog(catalog, "filed", by=health)
    transition_catalog(catalog, "accepted", by=province)
    assert [i.code for i in counting_items(world.orgs["health"].industry_id)] == ["W1"]
    assert [
        e.action
        for e in AuditEntry.objects.filter(object_id=str(catalog.pk), action__startswith="catalog.").order_by("id")
    ] == ["catalog.draft", "catalog.filed", "catalog.returned", "catalog.filed", "catalog.accepted"]


def test_someone_short_of_public_hours_is_shown_the_guide(world: World) -> None:
    year = today_in_henan().year
    guide = guide_for_year(year, by=world.users["hr_province"])
    add_guide_course(
        guide, code="G1", title="数字经济与创新驱动", hours="6", provider="河南专技在线", by=world.users["hr_province"]
    )
    set_guide_co_authors(guide, [world.orgs["health"]], by=world.users["hr_province"])
    publish_guide(guide, by=world.users["hr_province"])
    person = world.people["emp_jinshui"]
    suggestions = guide_suggestions(person, year)
    assert (suggestions.shortfall > 0, [c.code for c in suggestions.courses]) == (True, ["G1"])
    html = Template("{% load catalogs %}{% public_course_suggestions person year %}").render(
        Context({"person": person, "year": year})
    )
    assert "数字经济与创新驱动" in html


def test_bulk_records_equal_register_completion_field_for_field(bw: BaseWorld) -> None:
    """The set-based import path writes what the records app's own function writes."""
    one = complete_enrolment(bw.enrolment, by=bw.admin)
    other_person = registered_person(bw.world.orgs["emp_jinshui"], name="李四")  # same employer: same policy
    enrol(bw.classroom, other_person.certificate_number, by=bw.admin)
    declaration = Declaration(
        title=bw.classroom.title,
        start_date=bw.classroom.start_date,
        end_date=bw.classroom.end_date,
        form="面授培训",
        assessment="合格",
    )
    fields = record_fields(
        other_person.pk,
        other_person.employer,
        program_activity(bw.classroom),
        declaration,
        PolicyCache(),
        memo=("program", bw.classroom.pk),
    )
    [registered] = bulk_register(
        [BulkRecord(PersonRef.of(other_person), fields)],
        channel="base",
        by=bw.admin,
        source=bw.base,
        to_state=RecordState.SUBMITTED,
        audit_obj=bw.base,
    )
    two = Record.objects.get(pk=registered.pk)
    assert registered.subject == two.subject
    skip = {
        "id",
        "person",
        "dedupe_key",
        "created_at",
        "updated_at",
        "submitted_at",
        "state_changed_at",
        "certified_at",
        "provenance",
    }
    names = [f.name for f in two._meta.concrete_fields if f.name not in skip]
    assert {n: getattr(two, n) for n in names} == {n: getattr(one, n) for n in names}
    assert [{k: v for k, v in p.items() if k != "at"} for p in two.provenance] == [
        {k: v for k, v in p.items() if k != "at"} for p in one.provenance
    ]
    assert two.hours == Decimal("12.0") and two.end_date == dt.date(2026, 3, 3)
