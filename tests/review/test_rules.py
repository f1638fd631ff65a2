"""Who may move a record from which state: parametrised (role, state, target, expected) tables.

Each row drives the one transition function: an allowed act succeeds, every
other act is refused and changes nothing (illegal transitions are impossible,
not just hidden).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from cecert.core.errors import DomainError
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.review.domain.workflow import TRANSITIONS, transition_record
from tests.factories import World
from tests.records.factories import CONFERENCE, advanced, declared

S = RecordState
ACTORS = [
    "owner",
    "admin_own",
    "admin_other",
    "hr_province",
    "hr_zhengzhou",
    "hr_luoyang",
    "health",
    "education",
    "sysadmin",
    "auditor",
]
# (state the record is in, target): actors allowed, for a public-subject record of 金水医院 (health, Zhengzhou).
PUBLIC_ALLOWED: dict[tuple[str, str], set[str]] = {
    (S.DRAFT, S.SUBMITTED): {"owner", "admin_own"},
    (S.SUBMITTED, S.EMPLOYER_APPROVED): {"admin_own"},
    (S.SUBMITTED, S.RETURNED): {"admin_own"},
    (S.EMPLOYER_APPROVED, S.CERTIFIED): {"hr_province", "hr_zhengzhou"},
    (S.EMPLOYER_APPROVED, S.RETURNED): {"hr_province", "hr_zhengzhou"},
    (S.RETURNED, S.SUBMITTED): {"owner", "admin_own"},
    (S.CERTIFIED, S.OVERTURNED): {"hr_province", "hr_zhengzhou"},
}
# For a professional-subject record the industry authority certifies; HR still spot-checks.
PROFESSIONAL_ALLOWED = {
    **PUBLIC_ALLOWED,
    (S.EMPLOYER_APPROVED, S.CERTIFIED): {"health"},
    (S.EMPLOYER_APPROVED, S.RETURNED): {"health"},
}
ALL_STATES = [S.DRAFT, S.SUBMITTED, S.EMPLOYER_APPROVED, S.CERTIFIED, S.RETURNED]
TARGETS = [S.SUBMITTED, S.EMPLOYER_APPROVED, S.CERTIFIED, S.RETURNED, S.OVERTURNED]


def _actor(world: World, key: str):  # type: ignore[no-untyped-def]
    return {
        "owner": world.people["emp_jinshui"].user,
        "admin_own": world.users["admin_emp_jinshui"],
        "admin_other": world.users["admin_emp_luoyang"],
    }.get(key) or world.users[key]


def _record_in(world: World, state: str, activity: dict | None) -> Record:  # type: ignore[type-arg]
    record = declared(world.people["emp_jinshui"], activity)
    if state == S.DRAFT:
        return record
    if state == S.RETURNED:
        record = advanced(world, record, S.SUBMITTED)
        return transition_record(record, S.RETURNED, by=world.users["admin_emp_jinshui"], reason="材料不清晰")
    return advanced(world, record, state)


class _Undo(Exception):
    pass


@pytest.mark.parametrize("subject", ["public", "professional"])
@pytest.mark.parametrize("state", ALL_STATES)
def test_transition_table(world: World, subject: str, state: str) -> None:
    """For a record in ``state``: exactly the table's actors may reach each target; others change nothing."""
    table = PUBLIC_ALLOWED if subject == "public" else PROFESSIONAL_ALLOWED
    record = _record_in(world, state, None if subject == "public" else CONFERENCE)
    before = Record.objects.values("state", "hours", "state_reason").get(pk=record.pk)
    for target in TARGETS:
        reason = "原因" if target in (S.RETURNED, S.OVERTURNED) else ""
        allowed: set[str] = set()
        for actor in ACTORS:
            try:
                with transaction.atomic():
                    assert transition_record(record, target, by=_actor(world, actor), reason=reason).state == target
                    allowed.add(actor)
                    raise _Undo  # roll the successful transition back, try the next actor
            except _Undo:
                pass
            except DomainError:
                assert Record.objects.values("state", "hours", "state_reason").get(pk=record.pk) == before
        assert (target, allowed) == (target, table.get((state, target), set()))


def test_the_table_covers_the_state_machine() -> None:
    human = {pair for pair, perm in TRANSITIONS.items() if perm not in ("records.merge", "records.register_as_source")}
    assert human == set(PUBLIC_ALLOWED)


@pytest.mark.parametrize("target", [S.RETURNED, S.OVERTURNED])
def test_a_reason_is_required(world: World, target: str) -> None:
    state = S.SUBMITTED if target == S.RETURNED else S.CERTIFIED
    record = _record_in(world, state, None)
    actor = world.users["admin_emp_jinshui"] if target == S.RETURNED else world.users["hr_zhengzhou"]
    with pytest.raises(DomainError) as error:
        transition_record(record, target, by=actor, reason="  ")
    assert error.value.field == "reason"
