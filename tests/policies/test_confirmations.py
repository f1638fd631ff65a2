"""Article 7(13): hours of other forms confirmed by a registered department in the platform; 7(10) endorsers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from cecert.policies.domain.confirmations import decide_other_hours, other_hours_confirmed
from cecert.policies.models import ConfirmationState, OtherHoursConfirmation
from tests.factories import World, logged_in
from tests.records.factories import advanced, declared


def other(approved_by: str, hours: int = 12) -> dict[str, Any]:
    return {"type": "other", "hours": hours, "approved_by": approved_by}


@pytest.mark.parametrize("code", ["410100", "education"])
def test_the_persons_city_hr_or_their_industrys_provincial_authority_may_confirm(world: World, code: str) -> None:
    record = declared(world.people["emp_zhongyuan"], other(code), title="其他形式")
    assert record.hours == Decimal(12)


@pytest.mark.parametrize(
    "code",
    [
        "410300",  # another city's HR department
        "410105",  # a district HR department: not named by 7(13)
        "410000",  # the provincial HR department files, it does not confirm
        "health",  # the provincial authority of another industry
        "411000",  # a city with no registered HR department
        "nobody",
    ],
)
def test_any_other_department_is_refused_naming_the_field(world: World, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        declared(world.people["emp_zhongyuan"], other(code), title="其他形式")
    assert caught.value.field == "approved_by"


def test_a_province_administered_county_confirms_for_its_own_staff(world: World) -> None:
    assert declared(world.people["emp_gongyi"], other("410181"), title="其他形式").hours == 12
    with pytest.raises(DomainError):
        declared(world.people["emp_gongyi"], other("410100"), title="其他形式")  # 郑州 is not 巩义's department


def test_the_department_confirms_in_the_platform_and_the_province_sees_it_filed(world: World) -> None:
    record = advanced(world, declared(world.people["emp_zhongyuan"], other("410100"), title="其他形式"), "submitted")
    zhengzhou = logged_in(world.users["hr_zhengzhou"])
    page = zhengzhou.get("/policies/confirmations/").content.decode()
    assert "其他形式" in page and "确认学时" in page
    # Nobody else may decide it.
    for who in ("hr_luoyang", "education", "hr_province", "admin_emp_zhongyuan"):
        assert (
            logged_in(world.users[who])
            .post(f"/policies/confirmations/{record.pk}/", {"decision": "confirm"})
            .status_code
            == 404
        )
    assert not other_hours_confirmed(record)
    zhengzhou.post(f"/policies/confirmations/{record.pk}/", {"decision": "confirm"})
    confirmation = OtherHoursConfirmation.objects.get(record=record)
    assert (confirmation.state, confirmation.department, confirmation.hours) == (
        ConfirmationState.CONFIRMED,
        world.orgs["hr_zhengzhou"],
        Decimal(12),
    )
    assert other_hours_confirmed(record)
    assert AuditEntry.objects.filter(action="other_hours.confirmed", object_id=str(confirmation.pk)).exists()
    assert "暂无待确认的记录" in zhengzhou.get("/policies/confirmations/").content.decode()
    listing = logged_in(world.users["hr_province"]).get("/policies/filing/").content.decode()
    assert "其他继续教育形式学时确认" in listing and world.orgs["hr_zhengzhou"].name in listing and "已确认" in listing


def test_refusing_needs_a_reason_and_is_decided_once(world: World) -> None:
    record = advanced(world, declared(world.people["emp_zhongyuan"], other("education"), title="其他形式"), "submitted")
    officer = world.users["education"]
    with pytest.raises(DomainError) as caught:
        decide_other_hours(record, False, by=officer)
    assert caught.value.field == "reason"
    decide_other_hours(record, False, by=officer, reason="不属于继续教育")
    with pytest.raises(DomainError):
        decide_other_hours(record, True, by=officer)
    assert not other_hours_confirmed(record)


def test_pages_answer_404_to_those_who_confirm_nothing(world: World) -> None:
    for who in ("hr_jinshui", "hr_province", "admin_emp_jinshui", "person_jinshui", "sysadmin"):
        assert logged_in(world.users[who]).get("/policies/confirmations/").status_code == 404, who


def test_an_endorsed_report_says_who_endorsed_it(world: World) -> None:
    person = world.people["emp_zhongyuan"]
    with pytest.raises(DomainError) as caught:
        declared(person, {"type": "endorsed_report"}, title="调研报告")
    assert caught.value.field == "endorser_level"
    with pytest.raises(DomainError) as caught:
        declared(person, {"type": "endorsed_report", "endorser_level": "local_principal"}, title="调研报告")
    assert caught.value.field == "endorser"
    record = declared(
        person,
        {"type": "endorsed_report", "endorser_level": "provincial_leader", "endorser": "王某 副省长"},
        title="调研报告",
    )
    assert record.hours == 20 and "省委、省政府领导（王某 副省长）" in record.explanation
    outside = declared(
        person, {"type": "endorsed_report", "endorser_level": "other", "endorser": "李某 局长"}, title="调研报告二"
    )
    assert outside.hours == 0


def test_other_hours_are_certified_only_after_the_department_confirmed_them(world: World) -> None:
    from cecert.records.enums import RecordState
    from cecert.review.domain.workflow import transition_record
    from tests.records.factories import certifier_for

    record = advanced(
        world, declared(world.people["emp_zhongyuan"], other("410100"), title="其他形式"), "employer_approved"
    )
    certifier = certifier_for(world, record)
    with pytest.raises(DomainError) as caught:
        transition_record(record, RecordState.CERTIFIED, by=certifier)
    assert caught.value.field == "approved_by" and "第七条第（十三）项" in caught.value.message_zh
    decide_other_hours(record, True, by=world.users["hr_zhengzhou"])
    assert transition_record(record, RecordState.CERTIFIED, by=certifier).state == RecordState.CERTIFIED
