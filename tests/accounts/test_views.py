"""Pages: login with lockout and second factor, registration forms, status look-up, idle timeout."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cecert.accounts.domain.second_factor import authenticator
from cecert.accounts.middleware import LAST_SEEN_SESSION_KEY
from cecert.accounts.models import Person, RegistrationState, User
from cecert.audit.models import AuditEntry
from tests.accounts.test_second_factor import code_at
from tests.factories import PASSWORD, World, application, id_number_for, logged_in


def registration_post(world: World, **overrides: Any) -> dict[str, Any]:
    app = application(world.orgs["emp_jinshui"], id_number=id_number_for("410105", 321))
    data = {
        "id_number": app.id_number,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "name": "赵六",
        "gender": app.gender,
        "birth_date": app.birth_date.isoformat(),
        "phone": "13800001111",
        "email": "z@example.cn",
        "education": "master",
        "specialty": "护理学",
        "title_series": "卫生",
        "region": "410105",
        "employer": str(world.orgs["emp_jinshui"].pk),
    }
    data.update(overrides)
    return data


def test_home_page_shows_the_ways_in(db: None) -> None:
    html = Client().get("/").content.decode()
    for text in ("登录", "个人注册", "单位注册", "证书查验", "学时计算器"):
        assert text in html


def test_register_through_the_page(world: World) -> None:
    response = Client().post("/accounts/register/", registration_post(world))
    assert response.status_code == 200
    assert "注册申请已提交" in response.content.decode()
    assert Person.objects.get(name="赵六").state == RegistrationState.PENDING


@pytest.mark.parametrize(
    "overrides, label, fragment",
    [
        ({"id_number": "110105194912310021"}, "身份证号码", "校验位错误"),
        ({"id_number": "110105194902300020"}, "身份证号码", "出生日期不存在"),
        ({"phone": "12345"}, "手机号码", "11位手机号码"),
        ({"password_confirm": "Other@2026pass"}, "确认密码", "不一致"),
        ({"password": "weakpassword", "password_confirm": "weakpassword"}, "密码", "至少三类"),
        ({"employer": ""}, "工作单位", "这个字段是必填项"),
        ({"birth_date": "1990-02-30"}, "出生日期", "有效的日期"),
        ({"name": ""}, "姓名", "必填"),
    ],
)
def test_bad_registration_input_is_named_in_chinese_and_nothing_saved(
    world: World, overrides: dict[str, str], label: str, fragment: str
) -> None:
    before = Person.objects.count()
    response = Client().post("/accounts/register/", registration_post(world, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{label}：" in html and fragment in html, html[html.find("error") - 200 : html.find("error") + 400]
    assert Person.objects.count() == before


def test_employer_options_partial_lists_only_approved_employers_of_the_region(world: World) -> None:
    html = Client().get("/accounts/register/employers/", {"region": "410105"}).content.decode()
    assert "金水医院" in html and "省直医院" in html and "洛阳医院" not in html


def test_status_lookup_and_withdraw(world: World) -> None:
    data = registration_post(world)
    Client().post("/accounts/register/", data)
    client = Client()
    html = client.post(
        "/accounts/register/status/", {"id_number": data["id_number"], "password": PASSWORD}
    ).content.decode()
    assert "待单位审核" in html
    wrong = client.post("/accounts/register/status/", {"id_number": data["id_number"], "password": "Wrong@1234"})
    assert "身份证号码或密码不正确" in wrong.content.decode()
    client.post("/accounts/register/status/", {"id_number": data["id_number"], "password": PASSWORD, "withdraw": "1"})
    assert Person.objects.get(name="赵六").state == RegistrationState.WITHDRAWN


def test_professional_logs_in_with_the_id_number(world: World) -> None:
    person = world.people["emp_jinshui"]
    client = Client()
    response = client.post("/accounts/login/", {"username": person.id_number, "password": PASSWORD})
    assert response.status_code == 302
    me = client.get("/accounts/me/")
    assert person.certificate_number in me.content.decode()
    assert person.id_number in me.content.decode()  # the owner sees the full number


def test_pending_applicant_cannot_log_in(world: World) -> None:
    data = registration_post(world)
    Client().post("/accounts/register/", data)
    response = Client().post("/accounts/login/", {"username": data["id_number"], "password": PASSWORD})
    assert response.status_code == 200
    assert "尚未通过审核" in response.content.decode()


def test_five_failures_lock_the_account_for_30_minutes(world: World) -> None:
    person = world.people["emp_jinshui"]
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": person.id_number, "password": "Wrong@2026x"})
    locked = client.post("/accounts/login/", {"username": person.id_number, "password": PASSWORD})
    assert locked.status_code == 429
    assert "锁定30分钟" in locked.content.decode()
    from axes.models import AccessAttempt

    stored = str(list(AccessAttempt.objects.values()))
    assert person.id_number not in stored  # axes keeps the digest, not the number
    assert AuditEntry.objects.filter(action="login.failed").count() >= 5


def test_officer_must_enrol_then_verify_a_second_factor(world: World) -> None:
    officer = world.users["hr_zhengzhou"]
    client = Client()
    client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert client.get("/people/").url == "/accounts/2fa/enrol/?next=%2Fpeople%2F"
    assert client.get("/api/v1/people").status_code == 401
    page = client.get("/accounts/2fa/enrol/?next=/people/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)  # type: ignore[union-attr]
    device = authenticator(officer, confirmed=False)
    assert device is not None and device.secret == secret and secret not in device.key_encrypted  # sealed at rest
    bad = client.post("/accounts/2fa/enrol/?next=/people/", {"code": "000000"})
    assert "验证码不正确" in bad.content.decode()
    device.throttling_failure_timestamp = None  # the one-second wait after a slip has passed
    device.save()
    done = client.post("/accounts/2fa/enrol/?next=/people/", {"code": code_at(secret)})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and 'href="/people/"' in done.content.decode()
    assert client.get("/people/").status_code == 200

    # Next login: the code is asked again; a recovery code works once.
    again = Client()
    again.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert again.get("/people/").url == "/accounts/2fa/verify/?next=%2Fpeople%2F"
    assert again.post("/accounts/2fa/verify/", {"code": codes[0]}).status_code == 302
    third = Client()
    third.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert "恢复码不正确或已使用" in third.post("/accounts/2fa/verify/", {"code": codes[0]}).content.decode()


def test_professionals_need_no_second_factor(world: World) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": world.people["emp_jinshui"].id_number, "password": PASSWORD})
    assert client.get("/accounts/me/").status_code == 200


def test_idle_officer_is_logged_out_after_30_minutes(world: World) -> None:
    client = logged_in(world.users["hr_zhengzhou"])
    assert client.get("/people/").status_code == 200
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get("/people/")
    assert response.status_code == 302 and "timeout=1" in response.url
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/people/").url.startswith("/accounts/login/")


def test_activity_is_stamped_at_most_once_a_minute(world: World) -> None:
    client = logged_in(world.users["hr_zhengzhou"])
    client.get("/people/")
    first = client.session[LAST_SEEN_SESSION_KEY]
    client.get("/people/")
    assert client.session[LAST_SEEN_SESSION_KEY] == first  # no session write for a request seconds later
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = time.time() - 29 * 60  # idle for 29 minutes: still in, stamped anew
    session.save()
    assert client.get("/people/").status_code == 200
    assert time.time() - client.session[LAST_SEEN_SESSION_KEY] < 5


def test_employer_admin_approves_on_the_person_page(world: World) -> None:
    data = registration_post(world)
    Client().post("/accounts/register/", data)
    person = Person.objects.get(name="赵六")
    client = logged_in(world.users["admin_emp_jinshui"])
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "审核通过" in page and person.id_number_masked in page and data["id_number"] not in page
    client.post(f"/people/{person.pk}/review/", {"decision": "approve", "reason": ""})
    person.refresh_from_db()
    assert person.state == RegistrationState.APPROVED and person.certificate_number


def test_return_without_reason_is_refused_with_a_message(world: World) -> None:
    Client().post("/accounts/register/", registration_post(world))
    person = Person.objects.get(name="赵六")
    client = logged_in(world.users["admin_emp_jinshui"])
    response = client.post(f"/people/{person.pk}/review/", {"decision": "return", "reason": ""}, follow=True)
    assert "退回时必须填写原因" in response.content.decode()
    person.refresh_from_db()
    assert person.state == RegistrationState.PENDING


def test_transfer_through_the_pages(world: World) -> None:
    person = world.people["emp_jinshui"]
    client = Client()
    client.post("/accounts/login/", {"username": person.id_number, "password": PASSWORD})
    client.post("/accounts/me/", {"region": "410302", "employer": str(world.orgs["emp_luoyang"].pk)})
    admin = logged_in(world.users["admin_emp_luoyang"])
    transfer = person.transfers.get()
    assert person.name in admin.get("/accounts/transfers/").content.decode()
    admin.post(f"/accounts/transfers/{transfer.pk}/review/", {"decision": "approve", "reason": ""})
    person.refresh_from_db()
    assert person.employer == world.orgs["emp_luoyang"]
    # The old employer's admin no longer sees the person.
    assert logged_in(world.users["admin_emp_jinshui"]).get(f"/people/{person.pk}/").status_code == 404


def test_transfer_review_by_another_employer_is_404(world: World) -> None:
    person = world.people["emp_jinshui"]
    from cecert.accounts.domain.registration import request_transfer

    transfer = request_transfer(person, world.orgs["emp_luoyang"], by=person.user)
    outsider = logged_in(world.users["admin_emp_zhongyuan"])
    assert outsider.post(f"/accounts/transfers/{transfer.pk}/review/", {"decision": "approve"}).status_code == 404


def test_user_model_has_no_readable_id_numbers(world: World) -> None:
    numbers = [p.id_number for p in world.people.values()]
    dump = str(list(User.objects.values())) + str(list(Person.objects.values()))
    assert not any(n in dump for n in numbers)
