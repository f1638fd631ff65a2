"""Training bases: recognition (transition, audit), programs, enrolments, completions (which skip no review step)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cecert.accounts.models import Membership, Role
from cecert.audit.models import AuditEntry
from cecert.catalogs.domain.bases import (
    ProgramInput,
    complete_enrolment,
    enrol,
    find_person,
    publish_program,
    transition_base,
)
from cecert.catalogs.domain.catalogs import add_catalog_item, create_catalog, transition_catalog
from cecert.catalogs.enums import EnrolmentState, RecognitionState
from cecert.catalogs.models import BaseRecognition
from cecert.core.errors import DomainError
from cecert.organisations.models import OrganisationState
from cecert.records.enums import Channel, RecordState
from tests.catalogs.conftest import END, START, BaseWorld, make_base, program
from tests.factories import World


def test_application_waits_for_hr_and_only_hr_above_the_base_recognises(world: World) -> None:
    from cecert.catalogs.domain.bases import BaseApplication, apply_for_recognition
    from tests.factories import PASSWORD, region

    base = apply_for_recognition(
        BaseApplication(
            name="新基地",
            region=region("410105"),
            scope="护理",
            admin_username="new_base",
            admin_name="李四",
            admin_phone="13800000002",
            admin_password=PASSWORD,
        )
    )
    admin = Membership.objects.get(organisation=base, role=Role.BASE_ADMIN).user
    assert (base.state, admin.is_active) == (OrganisationState.PENDING, False)
    with pytest.raises(DomainError):
        transition_base(base, RecognitionState.RECOGNISED, by=world.users["hr_luoyang"])
    with pytest.raises(DomainError):
        transition_base(base, RecognitionState.RECOGNISED, by=world.users["health"])
    recognition = transition_base(base, RecognitionState.RECOGNISED, by=world.users["hr_zhengzhou"])
    admin.refresh_from_db()
    base.refresh_from_db()
    assert (recognition.state, base.state, admin.is_active) == ("recognised", "approved", True)
    entry = AuditEntry.objects.filter(action="base.recognised").get()
    assert (entry.object_id, entry.before["state"], entry.after["state"]) == (str(base.pk), "applied", "recognised")


def test_suspend_and_withdraw_need_a_reason_and_stop_the_base(bw: BaseWorld) -> None:
    hr = bw.world.users["hr_jinshui"]
    with pytest.raises(DomainError) as excinfo:
        transition_base(bw.base, RecognitionState.SUSPENDED, by=hr)
    assert excinfo.value.field == "reason"
    transition_base(bw.base, RecognitionState.SUSPENDED, by=hr, reason="未按规定登记学时")
    with pytest.raises(DomainError):
        enrol(bw.classroom, bw.world.people["emp_zhongyuan"].certificate_number, by=bw.admin)
    with pytest.raises(DomainError):
        complete_enrolment(bw.enrolment, by=bw.admin)
    transition_base(bw.base, RecognitionState.WITHDRAWN, by=hr, reason="撤销备案")
    with pytest.raises(DomainError):
        transition_base(bw.base, RecognitionState.RECOGNISED, by=hr)
    assert BaseRecognition.objects.get(base=bw.base).state == "withdrawn"


def test_a_completion_waits_for_the_employers_first_review(bw: BaseWorld) -> None:
    """Article 11(1): 用人单位必须……进行初审 — a recognised base's word replaces no review step."""
    record = complete_enrolment(bw.enrolment, by=bw.admin)
    bw.enrolment.refresh_from_db()
    assert (record.state, record.channel, record.source_id, record.hours, record.subject, record.activity_type) == (
        RecordState.SUBMITTED,
        Channel.BASE,
        bw.base.pk,
        Decimal("12.0"),
        "public",
        "training_base",
    )
    assert record.first_reviewed_by_id is None and record.certified_by_id is None
    assert (bw.enrolment.state, bw.enrolment.record_id) == (EnrolmentState.COMPLETED, record.pk)
    with pytest.raises(DomainError):
        complete_enrolment(bw.enrolment, by=bw.admin)


def test_recognition_sets_no_review_shortcut(bw: BaseWorld) -> None:
    """The settings that let a base skip the first review or certification are gone, from model and workflow."""
    fields = {f.name for f in BaseRecognition._meta.get_fields()}
    assert not fields & {"skips_first_review", "skips_certification"}
    with pytest.raises(TypeError):
        transition_base(  # type: ignore[call-arg]
            bw.base, RecognitionState.SUSPENDED, by=bw.world.users["hr_jinshui"], reason="x", skips_first_review=True
        )


def test_enrol_by_certificate_or_id_number_capacity_and_duplicates(bw: BaseWorld) -> None:
    person = bw.world.people["emp_zhongyuan"]
    small = program(bw.base, bw.admin, title="小班", capacity=1)
    assert find_person(person.id_number) == person
    assert enrol(small, person.id_number, by=bw.admin).person == person
    with pytest.raises(DomainError):
        enrol(small, person.certificate_number, by=bw.admin)  # already enrolled (and full)
    with pytest.raises(DomainError):
        enrol(small, bw.world.people["emp_luoyang"].certificate_number, by=bw.admin)  # full
    with pytest.raises(DomainError) as excinfo:
        enrol(bw.classroom, "4100000000000", by=bw.admin)
    assert excinfo.value.field == "person"
    with pytest.raises(DomainError):
        enrol(bw.classroom, person.certificate_number, by=bw.other_admin)  # not this base's admin


def test_professional_programs_need_an_accepted_catalog_item(bw: BaseWorld) -> None:
    health = bw.world.users["health"]
    catalog = create_catalog(
        authority=bw.world.orgs["health"], kind="catalog", year=2026, title="卫生专业科目", by=health
    )
    item = add_catalog_item(catalog, code="W-01", title="急救新技术", hours="16", by=health)
    data = ProgramInput(
        title="急救培训",
        subject="professional",
        form="classroom",
        hours=Decimal(16),
        start_date=START,
        end_date=END,
        capacity=10,
        catalog_item=item,
    )
    with pytest.raises(DomainError) as excinfo:
        publish_program(bw.base, data, by=bw.admin)
    assert excinfo.value.field == "catalog_item"
    transition_catalog(catalog, "filed", by=health)
    transition_catalog(catalog, "accepted", by=bw.world.users["hr_province"])
    item.refresh_from_db()
    with pytest.raises(DomainError) as excinfo:
        publish_program(
            bw.base, ProgramInput(**{**data.__dict__, "hours": Decimal(20), "catalog_item": item}), by=bw.admin
        )
    assert excinfo.value.field == "hours"
    published = publish_program(bw.base, ProgramInput(**{**data.__dict__, "catalog_item": item}), by=bw.admin)
    assert published.catalog_item == item


def test_an_unrecognised_base_cannot_publish(world: World) -> None:
    base, admin = make_base("待暂停基地", "410105", "b2", world.users["hr_jinshui"])
    transition_base(base, RecognitionState.SUSPENDED, by=world.users["hr_jinshui"], reason="整改")
    with pytest.raises(DomainError):
        program(base, admin, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 2))


def test_a_completion_carries_the_programs_guide_course(bw: BaseWorld) -> None:
    """Article 4: a program that follows the published guide passes that reference to its completions."""
    from cecert.catalogs.domain.catalogs import add_guide_course, guide_for_year, publish_guide, set_guide_co_authors
    from cecert.catalogs.models import Program

    hr = bw.world.users["hr_province"]
    guide = guide_for_year(END.year, by=hr)
    course = add_guide_course(guide, code="G1", title="公需课", hours="12", provider="省人社厅", by=hr)
    set_guide_co_authors(guide, [bw.world.orgs["health"]], by=hr)
    publish_guide(guide, by=hr)
    Program.objects.filter(pk=bw.enrolment.program_id).update(guide_course=course)
    bw.enrolment.refresh_from_db()
    record = complete_enrolment(bw.enrolment, by=bw.admin)
    assert record.guide_course == course and not record.outside_guide_and_catalogs
