"""Employers register and are approved by the industry authority or HR department in charge."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cecert.accounts.models import Role, User
from cecert.organisations.models import Organisation, OrganisationState
from cecert.organisations.uscc import make_uscc
from tests.factories import PASSWORD, World, logged_in


def employer_post(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "金水区社区卫生服务中心",
        "uscc": make_uscc("12410105MB0099999"),
        "region": "410105",
        "authority": str(world.orgs["health"].pk),
        "admin_username": "jinshui_chc",
        "admin_name": "孙七",
        "admin_phone": "13700001111",
        "admin_password": PASSWORD,
    }
    data.update(overrides)
    return data


def test_employer_registers_and_health_authority_approves(world: World) -> None:
    assert "已提交" in Client().post("/organisations/register/", employer_post(world)).content.decode()
    employer = Organisation.objects.get(name="金水区社区卫生服务中心")
    admin = User.objects.get(username="jinshui_chc")
    assert (employer.state, admin.is_active) == (OrganisationState.PENDING, False)
    officer = logged_in(world.users["health"])
    assert "金水区社区卫生服务中心" in officer.get("/organisations/employers/").content.decode()
    officer.post(f"/organisations/employers/{employer.pk}/review/", {"decision": "approve", "reason": ""})
    employer.refresh_from_db()
    admin.refresh_from_db()
    assert (employer.state, admin.is_active) == (OrganisationState.APPROVED, True)
    assert admin.organisations_for(Role.EMPLOYER_ADMIN) == [employer]


def test_hr_department_of_the_region_may_also_approve(world: World) -> None:
    Client().post("/organisations/register/", employer_post(world))
    employer = Organisation.objects.get(name="金水区社区卫生服务中心")
    logged_in(world.users["hr_jinshui"]).post(
        f"/organisations/employers/{employer.pk}/review/", {"decision": "return", "reason": "信用代码证明缺失"}
    )
    employer.refresh_from_db()
    assert (employer.state, employer.state_reason) == (OrganisationState.RETURNED, "信用代码证明缺失")


@pytest.mark.parametrize("outsider", ["hr_luoyang", "education", "hr_gongyi"])
def test_outsiders_get_404_and_cannot_approve(world: World, outsider: str) -> None:
    Client().post("/organisations/register/", employer_post(world))
    employer = Organisation.objects.get(name="金水区社区卫生服务中心")
    client = logged_in(world.users[outsider])
    assert client.get(f"/organisations/employers/{employer.pk}/").status_code == 404
    assert client.post(f"/organisations/employers/{employer.pk}/review/", {"decision": "approve"}).status_code == 404
    employer.refresh_from_db()
    assert employer.state == OrganisationState.PENDING


@pytest.mark.parametrize(
    "overrides, label, fragment",
    [
        ({"uscc": "91350100M000100Y44"}, "统一社会信用代码", "校验位错误"),
        ({"uscc": "12345"}, "统一社会信用代码", "18"),
        ({"admin_username": "1bad"}, "管理员登录名", "以字母开头"),
        ({"admin_password": "alllowercase"}, "管理员密码", "至少三类"),
        ({"admin_phone": "999"}, "管理员手机号码", "11位"),
        ({"authority": str(10**6)}, "行业主管部门", "选择一个有效的选项"),
    ],
)
def test_bad_employer_input_names_the_field_and_saves_nothing(
    world: World, overrides: dict[str, str], label: str, fragment: str
) -> None:
    before = (Organisation.objects.count(), User.objects.count())
    html = Client().post("/organisations/register/", employer_post(world, **overrides)).content.decode()
    assert f"{label}：" in html and fragment in html
    assert (Organisation.objects.count(), User.objects.count()) == before


def test_duplicate_credit_code_is_refused(world: World) -> None:
    existing = world.orgs["emp_jinshui"].uscc
    html = Client().post("/organisations/register/", employer_post(world, uscc=existing)).content.decode()
    assert "统一社会信用代码：该统一社会信用代码已注册" in html
