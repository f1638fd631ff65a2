"""The review chain end to end through the one transition function."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ActivityAdapter
from cecert.notifications.models import Notification
from cecert.records.domain.closing import set_year_deadline
from cecert.records.domain.declaring import register_completion, update_record
from cecert.records.enums import RecordState
from cecert.records.models import Record, SubmittedRecordsAreKept
from cecert.review.domain.queues import QueueFilters, review_queue
from cecert.review.domain.workflow import merge_record, transition_record
from cecert.review.signals import record_overturned
from tests.factories import Role, World, logged_in, organisation, user_with_role
from tests.records.factories import PUBLIC_TRAINING, advanced, declaration, declared

S = RecordState


def test_return_correct_and_resubmit(world: World) -> None:
    person, admin = world.people["emp_jinshui"], world.users["admin_emp_jinshui"]
    record = advanced(world, declared(person), S.SUBMITTED)
    record = transition_record(record, S.RETURNED, by=admin, reason="结业证书不清晰")
    assert Notification.objects.filter(user=person.user, record=record, message__contains="结业证书不清晰").exists()
    activity = ActivityAdapter.validate_python({**PUBLIC_TRAINING, "hours": 30})
    record = update_record(record, activity, declaration(), by=person.user)
    assert record.hours == Decimal(30)
    record = transition_record(record, S.SUBMITTED, by=person.user)
    record = transition_record(record, S.EMPLOYER_APPROVED, by=admin)
    record = transition_record(record, S.CERTIFIED, by=world.users["hr_zhengzhou"])
    actions = list(
        AuditEntry.objects.filter(object_type="records.record", object_id=str(record.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "record.draft",
        "record.proof_added",
        "record.proof_added",
        "record.submitted",
        "record.returned",
        "record.update",
        "record.submitted",
        "record.employer_approved",
        "record.certified",
    ]


def test_submission_needs_the_proofs_of_its_type(world: World) -> None:
    record = declared(world.people["emp_jinshui"], proofs=False)
    with pytest.raises(DomainError) as error:
        transition_record(record, S.SUBMITTED, by=world.people["emp_jinshui"].user)
    assert error.value.message_zh == "缺少证明材料：培训通知、结业（培训）证书"


def test_submitted_records_are_never_deleted(world: World) -> None:
    record = advanced(world, declared(world.people["emp_jinshui"]), S.SUBMITTED)
    with pytest.raises(SubmittedRecordsAreKept):
        record.delete()
    with pytest.raises(SubmittedRecordsAreKept):
        Record.objects.filter(pk=record.pk).delete()
    assert Record.objects.filter(pk=record.pk).exists()


def test_duplicate_is_detected_and_merged_keeping_both_provenances(world: World) -> None:
    person, admin = world.people["emp_jinshui"], world.users["admin_emp_jinshui"]
    first = advanced(world, declared(person), S.SUBMITTED)
    second = declared(person, by=admin, title="同一培训（单位代报）")
    second = transition_record(second, S.SUBMITTED, by=admin)
    assert second.duplicate_of_id == first.pk
    merged = merge_record(second, into=first, by=admin)
    first.refresh_from_db()
    assert merged.state == S.MERGED and merged.merged_into_id == first.pk
    assert [p["channel"] for p in first.provenance] == ["person", "employer"]


def test_employer_admin_page_declares_on_behalf_and_bulk_approves(world: World) -> None:
    admin = world.users["admin_emp_jinshui"]
    records = [
        advanced(
            world, declared(world.people["emp_jinshui"], title=f"培训{i}", end=dt.date(2025, 3, i + 1)), S.SUBMITTED
        )
        for i in range(3)
    ]
    queue = review_queue(admin, QueueFilters(year=2025))
    assert [r.pk for r in queue] == [r.pk for r in records]
    client = logged_in(admin)
    response = client.post("/review/queue/", {"ids": [r.pk for r in records], "decision": "approve"})
    assert response.status_code == 302
    assert set(Record.objects.filter(pk__in=[r.pk for r in records]).values_list("state", flat=True)) == {
        S.EMPLOYER_APPROVED
    }
    hr = world.users["hr_zhengzhou"]
    assert [r.pk for r in review_queue(hr)] == [r.pk for r in records]
    assert list(review_queue(world.users["hr_luoyang"])) == []
    assert list(review_queue(world.users["health"])) == []  # public subject: HR certifies


def test_closed_year_takes_no_new_records_and_freezes_reviews(world: World) -> None:
    person = world.people["emp_jinshui"]
    pending = advanced(world, declared(person, end=dt.date(2024, 6, 1)), S.SUBMITTED)
    certified = advanced(world, declared(person, end=dt.date(2024, 7, 1), title="另一培训"))
    with pytest.raises(DomainError):
        set_year_deadline(2024, dt.date(2025, 1, 31), by=world.users["hr_zhengzhou"])
    set_year_deadline(2024, dt.date(2025, 1, 31), by=world.users["hr_province"])
    with pytest.raises(DomainError) as error:
        declared(person, end=dt.date(2024, 8, 1))
    assert error.value.field == "end_date"
    with pytest.raises(DomainError):
        transition_record(pending, S.EMPLOYER_APPROVED, by=world.users["admin_emp_jinshui"])
    # Spot-checks still work.
    assert (
        transition_record(certified, S.OVERTURNED, by=world.users["hr_province"], reason="证书伪造").state
        == S.OVERTURNED
    )


def test_overturn_fires_record_overturned(world: World) -> None:
    record = advanced(world, declared(world.people["emp_jinshui"]))
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    record_overturned.connect(receiver)
    try:
        transition_record(record, S.OVERTURNED, by=world.users["hr_jinshui"], reason="培训未实际举办")
    finally:
        record_overturned.disconnect(receiver)
    assert [(k["record"].pk, k["person"].pk, k["year"], k["reason"], k["by"].pk) for k in received] == [
        (record.pk, world.people["emp_jinshui"].pk, 2025, "培训未实际举办", world.users["hr_jinshui"].pk)
    ]


def test_notifications_reach_the_right_people(world: World) -> None:
    record = advanced(world, declared(world.people["emp_jinshui"]), S.EMPLOYER_APPROVED)
    waiting = set(Notification.objects.filter(record=record, message__contains="待认定").values_list("user", flat=True))
    assert waiting == {world.users[k].pk for k in ("hr_province", "hr_zhengzhou", "hr_jinshui")}
    page = logged_in(world.users["hr_jinshui"]).get("/notifications/")
    assert "待认定" in page.content.decode()


def test_a_training_base_registration_waits_for_the_first_review(world: World) -> None:
    """Article 11(1): 必须 — a base's registration is submitted, never approved or certified on its word."""
    base = organisation("base", "继续教育基地", "410102")
    base_admin = user_with_role(Role.BASE_ADMIN, base)
    activity = ActivityAdapter.validate_python({"type": "training_base", "subject": "public", "hours": 12})
    record = register_completion(world.people["emp_jinshui"], activity, declaration(), base=base, by=base_admin)
    assert (record.state, record.channel, record.hours) == (S.SUBMITTED, "base", Decimal(12))
    assert record.first_reviewed_by_id is None and record.certified_by_id is None
    for target in (S.EMPLOYER_APPROVED, S.CERTIFIED):
        with pytest.raises(DomainError):
            transition_record(record, target, by=base_admin)
    normal = register_completion(
        world.people["emp_jinshui"], activity, declaration(title="另一期"), base=base, by=base_admin
    )
    assert normal.state == S.SUBMITTED and normal.duplicate_of_id == record.pk
