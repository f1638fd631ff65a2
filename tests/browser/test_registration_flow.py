"""A professional registers, the employer admin approves, the professional sees their number;
an officer of another city cannot open that person."""

from __future__ import annotations

from typing import Any

from cecert.accounts.models import Person
from tests.browser.conftest import enrolled_officer, login, logout, submit
from tests.factories import PASSWORD, World, build_world, id_number_for


def test_register_approve_login_and_foreign_officer_gets_404(page: Any, transactional_db: None) -> None:
    world: World = build_world()
    employer = world.orgs["emp_jinshui"]
    id_number = id_number_for("410105", 4242)
    from cecert.accounts.idnumbers import parse_id_number

    parsed = parse_id_number(id_number)

    page.goto("/")
    page.click("text=个人注册")
    page.fill("#id_id_number", id_number)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_confirm", PASSWORD)
    page.fill("#id_name", "王小明")
    page.select_option("#id_gender", parsed.gender)
    page.fill("#id_birth_date", parsed.birth_date.isoformat())
    page.fill("#id_phone", "13912345678")
    page.fill("#id_email", "wang@example.cn")
    page.select_option("#id_education", "bachelor")
    page.fill("#id_specialty", "临床医学")
    page.fill("#id_title_series", "卫生")
    page.select_option("#id_region", "410105")
    page.wait_for_selector(f"#id_employer option[value='{employer.pk}']", state="attached")
    page.select_option("#id_employer", str(employer.pk))
    submit(page)
    page.wait_for_selector("text=注册申请已提交")

    # Not yet approved: login is refused.
    login(page, id_number, PASSWORD)
    assert "账户尚未通过审核" in page.content() or "登录名或密码错误" in page.content()

    admin = world.users["admin_emp_jinshui"]
    login(page, admin.username, PASSWORD, enrolled_officer(admin))
    person = Person.objects.get(name="王小明")
    page.goto(f"/people/{person.pk}/")
    submit(page, "button[value=approve]")
    page.wait_for_selector("#registration-state:has-text('已通过')")
    logout(page)

    login(page, id_number, PASSWORD)
    page.goto("/accounts/me/")
    person.refresh_from_db()
    assert person.certificate_number and len(person.certificate_number) == 13
    assert page.inner_text("#certificate-number").strip() == person.certificate_number
    logout(page)

    luoyang = world.users["hr_luoyang"]
    login(page, luoyang.username, PASSWORD, enrolled_officer(luoyang))
    response = page.goto(f"/people/{person.pk}/")
    assert response is not None and response.status == 404
