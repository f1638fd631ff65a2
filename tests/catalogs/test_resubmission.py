"""A returned base application: the base's admin corrects it and resubmits it to HR (one transition function)."""

from __future__ import annotations

import pytest
from django.test import Client

from cecert.accounts.models import Membership, Role, User
from cecert.audit.models import AuditEntry
from cecert.catalogs.domain.bases import (
    BaseApplication,
    apply_for_recognition,
    resubmit_application,
    transition_base,
)
from cecert.catalogs.enums import RecognitionState
from cecert.catalogs.models import BaseRecognition
from cecert.core.errors import DomainError
from cecert.notifications.models import Notification
from cecert.organisations.models import Organisation, OrganisationState
from tests.catalogs.conftest import BaseWorld
from tests.factories import PASSWORD, World, logged_in, region

REASON = "培训范围填写不完整，请补充师资和场地情况"
NAME = "金水护理培训基地"


def _application(**changes: object) -> BaseApplication:
    fields: dict[str, object] = {
        "name": NAME,
        "region": region("410105"),
        "scope": "护理",
        "admin_username": "returned_base",
        "admin_name": "李四",
        "admin_phone": "13800000002",
        "admin_password": PASSWORD,
        **changes,
    }
    return BaseApplication(**fields)  # type: ignore[arg-type]


def _returned(world: World) -> tuple[Organisation, User]:
    base = apply_for_recognition(_application())
    transition_base(base, RecognitionState.RETURNED, by=world.users["hr_jinshui"], reason=REASON)
    admin = Membership.objects.get(organisation=base, role=Role.BASE_ADMIN).user
    admin.refresh_from_db()
    base.refresh_from_db()
    return base, admin


def _corrected(**changes: object) -> BaseApplication:
    fields: dict[str, object] = {
        "name": "金水护理继续教育基地",
        "region": region("410102"),
        "scope": "护理、康复（专职师资 12 人，实训室 3 间）",
        "admin_phone": "13900000003",
        **changes,
    }
    return _application(**fields)


# --- the transition -------------------------------------------------------------------------------


def test_a_return_opens_the_admin_login_and_tells_the_admin_why(world: World) -> None:
    base, admin = _returned(world)
    assert (base.state, base.state_reason, admin.is_active) == (OrganisationState.RETURNED, REASON, True)
    assert Notification.objects.filter(user=admin, message__contains=REASON).exists()


def test_the_base_admin_corrects_and_resubmits_a_returned_application(world: World) -> None:
    base, admin = _returned(world)
    recognition = resubmit_application(base, _corrected(), by=admin)
    base.refresh_from_db()
    admin.refresh_from_db()
    assert (recognition.state, recognition.state_reason) == (RecognitionState.APPLIED, "")
    assert recognition.scope == "护理、康复（专职师资 12 人，实训室 3 间）"
    assert (base.name, base.region.code, base.state, base.state_reason) == (
        "金水护理继续教育基地",
        "410102",
        OrganisationState.PENDING,
        "",
    )
    assert base.jurisdiction_path == region("410102").path  # now in 中原区: another HR department decides
    assert (admin.display_name, admin.phone, admin.username) == ("李四", "13900000003", "returned_base")
    assert admin.is_active is False  # waits for HR like a first application
    entry = AuditEntry.objects.filter(action="base.applied", object_id=str(base.pk)).latest("id")
    assert (entry.actor_id, entry.actor_role) == (admin.pk, Role.BASE_ADMIN)
    assert (entry.before["state"], entry.before["name"], entry.before["region"]) == (
        "returned",
        NAME,
        "410105",
    )
    assert (entry.after["state"], entry.after["name"], entry.after["region"]) == ("applied", base.name, "410102")
    notified = set(Notification.objects.filter(message__contains="重新提交").values_list("user__username", flat=True))
    assert notified == {"hr_zhengzhou", "hr_province"}
    # HR decides again, through the same function
    transition_base(base, RecognitionState.RECOGNISED, by=world.users["hr_zhengzhou"])
    admin.refresh_from_db()
    assert (BaseRecognition.objects.get(base=base).state, admin.is_active) == (RecognitionState.RECOGNISED, True)


def test_hr_can_return_a_resubmitted_application_again(world: World) -> None:
    base, admin = _returned(world)
    resubmit_application(base, _corrected(region=region("410105")), by=admin)
    transition_base(base, RecognitionState.RETURNED, by=world.users["hr_jinshui"], reason="仍缺场地证明")
    admin.refresh_from_db()
    assert admin.is_active
    recognition = resubmit_application(base, _corrected(region=region("410105"), scope="护理（附场地证明）"), by=admin)
    assert (recognition.state, recognition.scope) == (RecognitionState.APPLIED, "护理（附场地证明）")


@pytest.mark.parametrize("state", ["applied", "recognised", "suspended", "withdrawn"])
def test_only_a_returned_application_can_be_resubmitted(bw: BaseWorld, state: str) -> None:
    hr = bw.world.users["hr_jinshui"]
    if state == "applied":
        base = apply_for_recognition(_application(name="待备案基地", admin_username="pending_base"))
        admin = Membership.objects.get(organisation=base, role=Role.BASE_ADMIN).user
    else:
        base, admin = bw.base, bw.admin
        if state != "recognised":
            transition_base(base, state, by=hr, reason="抽查发现问题")
    entries = AuditEntry.objects.count()
    with pytest.raises(DomainError) as excinfo:
        resubmit_application(base, _corrected(name=base.name), by=admin)
    error = excinfo.value
    assert error.field == "state"
    assert "只有被退回的备案申请可以修改后重新提交" in error.message_zh
    assert "only a returned application" in error.message_en
    assert BaseRecognition.objects.get(base=base).state == state
    assert AuditEntry.objects.count() == entries


def test_only_the_base_own_admin_resubmits_with_a_corrected_application(bw: BaseWorld) -> None:
    base, admin = _returned(bw.world)
    for outsider in (bw.other_admin, bw.admin, bw.world.users["hr_jinshui"], bw.world.users["hr_province"]):
        with pytest.raises(DomainError) as excinfo:
            resubmit_application(base, _corrected(), by=outsider)
        assert excinfo.value.field == "base"
    with pytest.raises(DomainError) as excinfo:
        transition_base(base, RecognitionState.APPLIED, by=admin)  # no corrected application
    assert excinfo.value.field == "application"
    with pytest.raises(DomainError) as excinfo:
        resubmit_application(base, _corrected(name=bw.other_base.name), by=admin)  # another base's name
    assert excinfo.value.field == "name"
    base.refresh_from_db()
    assert (base.name, BaseRecognition.objects.get(base=base).state) == (NAME, RecognitionState.RETURNED)


# --- the page -------------------------------------------------------------------------------------


def _form(**changes: str) -> dict[str, str]:
    return {
        "name": "金水护理继续教育基地",
        "region": str(region("410105").pk),
        "scope": "护理、康复",
        "admin_name": "李四",
        "admin_phone": "13900000003",
        **changes,
    }


def test_the_admin_sees_the_reason_corrects_and_resubmits_and_hr_sees_it_again(world: World) -> None:
    base, admin = _returned(world)
    client = logged_in(admin)
    detail = client.get(f"/catalogs/bases/{base.pk}/").content.decode()
    assert REASON in detail and f"/catalogs/bases/{base.pk}/resubmit/" in detail
    page = client.get(f"/catalogs/bases/{base.pk}/resubmit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert REASON in html and 'value="护理"' in html and "admin_password" not in html and "admin_username" not in html
    invalid = client.post(f"/catalogs/bases/{base.pk}/resubmit/", _form(admin_phone="123"))
    assert invalid.status_code == 200 and BaseRecognition.objects.get(base=base).state == RecognitionState.RETURNED
    done = client.post(f"/catalogs/bases/{base.pk}/resubmit/", _form())
    assert done.status_code == 200 and "已重新提交备案申请" in done.content.decode()
    base.refresh_from_db()
    assert (base.name, base.recognition.state, base.recognition.scope) == (
        "金水护理继续教育基地",
        "applied",
        "护理、康复",
    )
    assert AuditEntry.objects.filter(action="base.applied", actor=admin).exists()
    # the login waits for HR again
    assert client.get(f"/catalogs/bases/{base.pk}/").status_code == 302
    hr = logged_in(world.users["hr_jinshui"])
    queue = hr.get("/catalogs/bases/", {"state": "applied"}).content.decode()
    assert f"/catalogs/bases/{base.pk}/" in queue
    assert 'value="returned"' in hr.get(f"/catalogs/bases/{base.pk}/").content.decode()  # HR can decide again


def test_another_base_admin_hr_and_anonymous_cannot_resubmit(bw: BaseWorld) -> None:
    base, _ = _returned(bw.world)
    path = f"/catalogs/bases/{base.pk}/resubmit/"
    for user in (bw.other_admin, bw.admin, bw.world.users["hr_jinshui"], bw.world.users["admin_emp_jinshui"]):
        client = logged_in(user)
        assert client.get(path).status_code == 404
        assert client.post(path, _form()).status_code == 404
    anonymous = Client().post(path, _form())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    base.refresh_from_db()
    assert (base.name, base.recognition.state) == (NAME, RecognitionState.RETURNED)


def test_a_base_that_is_not_returned_is_refused_with_a_message(bw: BaseWorld) -> None:
    client = logged_in(bw.admin)
    path = f"/catalogs/bases/{bw.base.pk}/resubmit/"
    for response in (client.get(path, follow=True), client.post(path, _form(name=bw.base.name), follow=True)):
        assert response.redirect_chain[-1][0] == f"/catalogs/bases/{bw.base.pk}/"
        assert "只有被退回的备案申请可以修改后重新提交" in response.content.decode()
    assert BaseRecognition.objects.get(base=bw.base).state == RecognitionState.RECOGNISED
    assert (
        f"/catalogs/bases/{bw.base.pk}/resubmit/" not in client.get(f"/catalogs/bases/{bw.base.pk}/").content.decode()
    )
