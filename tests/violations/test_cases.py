"""Article 15 register: cases opened by hand or from an overturned spot-check, one transition function,
audited, restricted to the HR department of the region, counted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from cecert.records.enums import RecordState
from cecert.review.domain.spotchecks import decide_item, draw_spot_check
from cecert.violations.domain.cases import (
    CaseInput,
    case_counts,
    open_case,
    open_case_from_spot_check,
    transition_case,
)
from cecert.violations.enums import CaseKind, CaseSource, CaseState
from cecert.violations.models import Case
from tests.factories import World, logged_in
from tests.records.factories import advanced, declared

C = CaseState


def _forged(world: World, by_key: str = "hr_zhengzhou") -> Case:
    return open_case(
        CaseInput(
            kind=CaseKind.FORGED,
            source=CaseSource.VERIFICATION,
            evidence="查验时发现证书序列号不存在，PDF 签名无效",
            certificate_serial="2025-4101-0000999",
            person=world.people["emp_jinshui"],
            suspicious_verification="sv-123",
        ),
        by=world.users[by_key],
    )


def test_open_decide_close_is_audited(world: World) -> None:
    case = _forged(world)
    assert (case.state, case.department, case.region_path) == (
        C.OPEN,
        world.orgs["hr_zhengzhou"],
        world.orgs["emp_jinshui"].jurisdiction_path,
    )
    with pytest.raises(DomainError) as error:
        transition_case(case, C.DECIDED, by=world.users["hr_zhengzhou"], decision="责令改正", basis="第三十条的规定")
    assert error.value.field == "basis"
    case = transition_case(
        case, C.DECIDED, by=world.users["hr_jinshui"], decision="收回伪造证书，通报所在单位", basis="第 三十 条"
    )
    assert (case.state, case.basis, case.basis_text) == (
        C.DECIDED,
        "第三十条",
        "《河南省专业技术人员继续教育条例》第三十条",
    )
    case = transition_case(case, C.CLOSED, by=world.users["hr_zhengzhou"])
    with pytest.raises(DomainError):
        transition_case(case, C.OPEN, by=world.users["hr_zhengzhou"])
    actions = list(
        AuditEntry.objects.filter(object_type="violations.case", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["violation.open", "violation.decided", "violation.closed"]


def test_closing_without_a_decision_needs_a_reason(world: World) -> None:
    case = _forged(world)
    with pytest.raises(DomainError) as error:
        transition_case(case, C.CLOSED, by=world.users["hr_zhengzhou"])
    assert error.value.field == "reason"
    assert transition_case(case, C.CLOSED, by=world.users["hr_zhengzhou"], reason="经核查不属实").state == C.CLOSED


@pytest.mark.parametrize("outsider", ["hr_luoyang", "hr_gongyi", "health", "admin_emp_jinshui", "sysadmin"])
def test_only_the_hr_department_of_the_region_handles_it(world: World, outsider: str) -> None:
    case = _forged(world)
    with pytest.raises(DomainError):
        transition_case(case, C.CLOSED, by=world.users[outsider], reason="x")
    assert not Case.objects.restrict(world.users[outsider]).filter(pk=case.pk).exists()
    assert logged_in(world.users[outsider]).get(f"/violations/{case.pk}/").status_code == 404
    with pytest.raises(DomainError):
        _forged(world, by_key=outsider)


def test_a_false_record_needs_the_record_and_links_its_person(world: World) -> None:
    with pytest.raises(DomainError) as error:
        open_case(
            CaseInput(
                kind=CaseKind.FALSE_RECORD,
                source=CaseSource.REPORT,
                evidence="举报",
                person=world.people["emp_jinshui"],
            ),
            by=world.users["hr_jinshui"],
        )
    assert error.value.field == "record"
    record = advanced(world, declared(world.people["emp_jinshui"]))
    case = open_case(
        CaseInput(kind=CaseKind.FALSE_RECORD, source=CaseSource.REPORT, evidence="举报：未参加培训", record=record),
        by=world.users["hr_jinshui"],
    )
    assert (case.person, case.department) == (world.people["emp_jinshui"], world.orgs["hr_jinshui"])


def test_an_overturned_spot_check_opens_a_case_with_one_click(world: World) -> None:
    hr = world.users["hr_zhengzhou"]
    record = advanced(world, declared(world.people["emp_jinshui"]))
    check = draw_spot_check(hr=world.orgs["hr_zhengzhou"], year=record.year, rate=Decimal(1), by=hr, seed="s")
    item = check.items.get(record=record)
    client = logged_in(hr)
    page = client.get(f"/review/spot-checks/{check.pk}/").content.decode()
    assert "按虚假登记立案" not in page  # only once overturned
    decide_item(item, overturn=True, by=hr, reason="培训签到表系伪造")
    assert "按虚假登记立案" in client.get(f"/review/spot-checks/{check.pk}/").content.decode()
    response = client.post(f"/violations/from-spot-check/{item.pk}/")
    case = Case.objects.get(spot_check_item=item)
    assert response.status_code == 302 and response["Location"] == f"/violations/{case.pk}/"
    assert (case.kind, case.source, case.record_id, case.person_id) == (
        CaseKind.FALSE_RECORD,
        CaseSource.SPOT_CHECK,
        record.pk,
        record.person_id,
    )
    assert "培训签到表系伪造" in case.evidence
    assert open_case_from_spot_check(item, by=hr) == case  # a second click opens nothing new
    assert f"违规案件 #{case.pk}" in client.get(f"/review/spot-checks/{check.pk}/").content.decode()
    # Outside the region the one click answers 404.
    assert logged_in(world.users["hr_luoyang"]).post(f"/violations/from-spot-check/{item.pk}/").status_code == 404


def test_a_confirmed_item_opens_no_case(world: World) -> None:
    hr = world.users["hr_zhengzhou"]
    record = advanced(world, declared(world.people["emp_jinshui"]))
    check = draw_spot_check(hr=world.orgs["hr_zhengzhou"], year=record.year, rate=Decimal(1), by=hr, seed="s")
    item = decide_item(check.items.get(record=record), overturn=False, by=hr)
    with pytest.raises(DomainError):
        open_case_from_spot_check(item, by=hr)
    assert record.__class__.objects.get(pk=record.pk).state == RecordState.CERTIFIED


def test_pages_open_and_decide_and_count(world: World) -> None:
    client = logged_in(world.users["hr_zhengzhou"])
    response = client.post(
        "/violations/",
        {
            "kind": "reprinted",
            "source": "report",
            "evidence": "某打印店翻印证书",
            "certificate_serial": "2025-4101-0000001",
            "organisation": world.orgs["emp_jinshui"].name,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and case.organisation == world.orgs["emp_jinshui"]
    # An organisation outside the officer's region is "not found", nothing is written.
    client.post(
        "/violations/",
        {"kind": "forged", "source": "report", "evidence": "x", "certificate_serial": "1", "organisation": "洛阳医院"},
    )
    assert Case.objects.count() == 1
    client.post(f"/violations/{case.pk}/", {"to": "decided", "decision": "没收翻印证书", "basis": "第三十一条"})
    case.refresh_from_db()
    assert (case.state, case.basis) == (C.DECIDED, "第三十一条")
    page = client.get("/violations/").content.decode()
    assert "翻印证书" in page and "已作出处理决定" in page
    counts = case_counts(Case.objects.restrict(world.users["hr_province"]))
    assert counts["total"] == 1
    assert ("翻印证书", [0, 1, 0], 1) in counts["rows"]
    assert case_counts(Case.objects.restrict(world.users["hr_luoyang"]))["total"] == 0


def test_the_dashboard_counts_cases_of_the_jurisdiction(world: World) -> None:
    from django.utils import timezone

    _forged(world)
    year = timezone.localdate().year
    page = logged_in(world.users["hr_zhengzhou"]).get(f"/reports/?year={year}").content.decode()
    assert "违反证书管理行为案件" in page and "伪造证书" in page
    section = page[page.index('id="violations"') :]
    assert '<td>伪造证书</td><td class="num">1</td>' in section
    luoyang = logged_in(world.users["hr_luoyang"]).get(f"/reports/?year={year}").content.decode()
    section = luoyang[luoyang.index('id="violations"') :]
    assert '<td>伪造证书</td><td class="num">0</td>' in section
