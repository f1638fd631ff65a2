"""Article 8: 8(1)–(3) leave is confirmed by the employer; 8(4) 经业务主管部门批准的其他情况 is submitted by the
employer and approved (or returned) by the employer's 业务主管部门; only a confirmed leave pro-rates."""

from __future__ import annotations

import datetime as dt

import pytest

from cecert.accounts.models import Role
from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from cecert.records.domain.leave import add_leave_proof, decide_leave, record_leave, transition_leave
from cecert.records.enums import LeaveState
from cecert.records.models import Leave, PersonYear
from tests.factories import World, industry_authority, logged_in, user_with_role
from tests.records.factories import PDF

YEAR = 2025
L = LeaveState


def _leave(world: World, kind: str, *, whole_year: bool = True) -> Leave:
    person, admin = world.people["emp_zhongyuan"], world.users["admin_emp_zhongyuan"]
    end = dt.date(YEAR, 12, 31) if whole_year else dt.date(YEAR, 8, 31)  # more than 6 months
    leave = record_leave(person, kind=kind, start=dt.date(YEAR, 1, 1), end=end, by=admin, note="长期借调")
    add_leave_proof(leave, name="证明.pdf", content=PDF, by=admin)
    return leave


def _required(world: World) -> int | None:
    row = PersonYear.objects.filter(person=world.people["emp_zhongyuan"], year=YEAR).first()
    return None if row is None else row.required_total


def test_other_circumstances_need_the_industry_authority(world: World) -> None:
    admin, authority = world.users["admin_emp_zhongyuan"], world.users["education"]
    leave = _leave(world, "other_approved")
    # The employer cannot confirm it: it submits the request.
    with pytest.raises(DomainError):
        transition_leave(leave, L.CONFIRMED, by=admin)
    leave = decide_leave(leave, confirm=True, by=admin)
    assert (leave.state, leave.submitted_by) == (L.SUBMITTED, admin)
    assert _required(world) is None  # nothing is pro-rated yet
    # Neither the employer, nor HR, nor another industry's authority approves it.
    for outsider in (admin, world.users["hr_province"], world.users["health"]):
        with pytest.raises(DomainError):
            transition_leave(leave, L.CONFIRMED, by=outsider)
    leave = decide_leave(leave, confirm=True, by=authority)
    assert (leave.state, leave.decided_by) == (L.CONFIRMED, authority)
    assert _required(world) == 0  # a whole approved year pro-rates the requirement to 0
    actions = list(
        AuditEntry.objects.filter(object_id=str(leave.pk), action__startswith="leave.").values_list(
            "action", "actor_role"
        )
    )
    assert ("leave.submitted", Role.EMPLOYER_ADMIN) in actions and ("leave.confirmed", Role.INDUSTRY_OFFICER) in actions


def test_the_authority_can_return_it_with_a_reason(world: World) -> None:
    leave = decide_leave(_leave(world, "other_approved"), confirm=True, by=world.users["admin_emp_zhongyuan"])
    with pytest.raises(DomainError) as error:
        decide_leave(leave, confirm=False, by=world.users["education"], reason=" ")
    assert error.value.field == "reason"
    leave = decide_leave(leave, confirm=False, by=world.users["education"], reason="不属于其他经批准情况")
    assert leave.state == L.RETURNED and _required(world) is None


def test_only_the_authority_in_charge_of_the_employer_approves(world: World) -> None:
    """Another education authority (a city's) is not this employer's 业务主管部门."""
    leave = decide_leave(_leave(world, "other_approved"), confirm=True, by=world.users["admin_emp_zhongyuan"])
    city = user_with_role(Role.INDUSTRY_OFFICER, industry_authority("410100", "education"))
    with pytest.raises(DomainError):
        transition_leave(leave, L.CONFIRMED, by=city)


@pytest.mark.parametrize("kind", ["abroad", "sick", "maternity"])
def test_other_kinds_keep_the_employers_confirmation(world: World, kind: str) -> None:
    leave = _leave(world, kind, whole_year=False)
    with pytest.raises(DomainError):
        transition_leave(leave, L.SUBMITTED, by=world.users["admin_emp_zhongyuan"])
    leave = decide_leave(leave, confirm=True, by=world.users["admin_emp_zhongyuan"])
    assert leave.state == L.CONFIRMED and _required(world) == round(90 * 122 / 365)


def test_the_leave_page_offers_submit_then_approve(world: World) -> None:
    leave = _leave(world, "other_approved")
    page = logged_in(world.users["admin_emp_zhongyuan"]).get(f"/records/leave/{leave.pk}/").content.decode()
    assert "提交业务主管部门批准" in page
    logged_in(world.users["admin_emp_zhongyuan"]).post(f"/records/leave/{leave.pk}/", {"decision": "confirm"})
    authority = logged_in(world.users["education"])
    assert "批准" in authority.get(f"/records/leave/{leave.pk}/").content.decode()
    authority.post(f"/records/leave/{leave.pk}/", {"decision": "confirm"})
    assert Leave.objects.get(pk=leave.pk).state == L.CONFIRMED
    # Outside the authority's scope the leave answers 404.
    assert logged_in(world.users["health"]).get(f"/records/leave/{leave.pk}/").status_code == 404


def test_decisions_follow_the_stored_state_not_a_stale_copy(world: World) -> None:
    leave = _leave(world, "other_approved")
    decide_leave(leave, confirm=True, by=world.users["admin_emp_zhongyuan"])  # ``leave`` still says pending
    assert decide_leave(leave, confirm=True, by=world.users["education"]).state == L.CONFIRMED
