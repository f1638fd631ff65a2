"""Builders for test data. Real objects through the real code paths, no mocks of our own code."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cecert.accounts.domain.registration import PersonApplication, register_person, transition_registration
from cecert.accounts.domain.second_factor import authenticator, enrol_device
from cecert.accounts.idnumbers import make_id_number
from cecert.accounts.models import Membership, Person, RegistrationState, Role, User
from cecert.organisations.models import Industry, Organisation, OrganisationKind, OrganisationState
from cecert.organisations.uscc import make_uscc
from cecert.regions.models import Region

if TYPE_CHECKING:
    from cecert.policies.models import CreditingPolicy

PASSWORD = "Test@2026pass"
_sequence = itertools.count(1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def industry(code: str) -> Industry:
    return Industry.objects.get(code=code)


def organisation(kind: str, name: str, region_code: str, **extra: object) -> Organisation:
    return Organisation.objects.create(
        kind=kind, name=name, region=region(region_code), state=OrganisationState.APPROVED, **extra
    )


def hr_department(region_code: str) -> Organisation:
    return organisation(OrganisationKind.HR_DEPARTMENT, f"人社部门{region_code}", region_code)


def industry_authority(region_code: str, industry_code: str) -> Organisation:
    return organisation(
        OrganisationKind.INDUSTRY_AUTHORITY,
        f"{industry_code}主管部门{region_code}",
        region_code,
        industry=industry(industry_code),
    )


def employer(
    region_code: str,
    authority: Organisation,
    *,
    provincial_direct: bool = False,
    state: str = OrganisationState.APPROVED,
    name: str | None = None,
) -> Organisation:
    n = next(_sequence)
    org = organisation(
        OrganisationKind.EMPLOYER,
        name or f"单位{n}",
        region_code,
        industry=authority.industry,
        authority=authority,
        provincial_direct=provincial_direct,
        uscc=make_uscc(f"12{region_code}MB{n:07d}"),
    )
    if state != OrganisationState.APPROVED:
        Organisation.objects.filter(pk=org.pk).update(state=state)
        org.refresh_from_db()
    return org


def user_with_role(role: str, org: Organisation | None, username: str | None = None) -> User:
    user = User.objects.create_user(username or f"{role}{next(_sequence)}", PASSWORD, display_name=f"{role}用户")
    Membership.objects.create(user=user, role=role, organisation=org)
    return user


def id_number_for(region_code: str = "410105", n: int | None = None) -> str:
    n = n if n is not None else next(_sequence)
    return make_id_number(region_code, dt.date(1980, 1, 1) + dt.timedelta(days=n % 9000), n % 1000)


def application(employer_org: Organisation, id_number: str | None = None, **overrides: object) -> PersonApplication:
    from cecert.accounts.idnumbers import parse_id_number

    number = id_number or id_number_for(employer_org.region.code if employer_org.region.code != "410000" else "410105")
    parsed = parse_id_number(number)
    fields: dict[str, object] = {
        "id_number": number,
        "password": PASSWORD,
        "name": "张三",
        "gender": parsed.gender,
        "birth_date": parsed.birth_date,
        "education": "bachelor",
        "specialty": "临床医学",
        "title_series": "卫生",
        "phone": "13800000000",
        "email": "a@example.cn",
        "employer": employer_org,
    }
    fields.update(overrides)
    return PersonApplication(**fields)  # type: ignore[arg-type]


def registered_person(employer_org: Organisation, *, approved: bool = True, **overrides: object) -> Person:
    person = register_person(application(employer_org, **overrides))  # type: ignore[arg-type]
    if approved:
        admin = employer_admin_of(employer_org)
        person = transition_registration(person, RegistrationState.APPROVED, by=admin)
    return person


def employer_admin_of(org: Organisation) -> User:
    membership = Membership.objects.filter(organisation=org, role=Role.EMPLOYER_ADMIN).first()
    if membership is not None:
        return membership.user
    return user_with_role(Role.EMPLOYER_ADMIN, org)


def logged_in(user: User, client: Client | None = None) -> Client:
    """A client logged in as ``user``, past the second factor for privileged roles."""
    client = client or Client()
    client.force_login(user, backend="cecert.accounts.backends.LoginNameBackend")
    if user.is_privileged:
        device = authenticator(user) or enrol_device(user, confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # as django_otp.login records it
        session.save()
    return client


@dataclass
class World:
    """Two cities, a county district, a province-administered county, provincial-direct units."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


def build_world() -> World:
    w = World()
    o, u, p = w.orgs, w.users, w.people
    o["hr_province"] = hr_department("410000")
    o["hr_zhengzhou"] = hr_department("410100")
    o["hr_jinshui"] = hr_department("410105")
    o["hr_luoyang"] = hr_department("410300")
    o["hr_gongyi"] = hr_department("410181")
    o["health"] = industry_authority("410000", "health")
    o["education"] = industry_authority("410000", "education")
    o["emp_jinshui"] = employer("410105", o["health"], name="金水医院")
    o["emp_zhongyuan"] = employer("410102", o["education"], name="中原中学")
    o["emp_luoyang"] = employer("410302", o["health"], name="洛阳医院")
    o["emp_gongyi"] = employer("410181", o["health"], name="巩义医院")
    o["emp_provincial"] = employer("410105", o["health"], provincial_direct=True, name="省直医院")
    for key in ("hr_province", "hr_zhengzhou", "hr_jinshui", "hr_luoyang", "hr_gongyi"):
        u[key] = user_with_role(Role.HR_OFFICER, o[key], username=key)
    u["health"] = user_with_role(Role.INDUSTRY_OFFICER, o["health"], username="health")
    u["education"] = user_with_role(Role.INDUSTRY_OFFICER, o["education"], username="education")
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"):
        u[f"admin_{key}"] = user_with_role(Role.EMPLOYER_ADMIN, o[key], username=f"admin_{key}")
    u["sysadmin"] = user_with_role(Role.SYSADMIN, None, username="sysadmin")
    u["auditor"] = user_with_role(Role.AUDITOR, None, username="auditor")
    for key in ("emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"):
        p[key] = registered_person(o[key])
    u["person_jinshui"] = p["emp_jinshui"].user
    return w


# Which people each world user may see (keys of World.people).
VISIBLE_PEOPLE: dict[str, set[str]] = {
    "hr_province": {"emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"},
    "hr_zhengzhou": {"emp_jinshui", "emp_zhongyuan"},
    "hr_jinshui": {"emp_jinshui"},
    "hr_luoyang": {"emp_luoyang"},
    "hr_gongyi": {"emp_gongyi"},
    "health": {"emp_jinshui", "emp_luoyang", "emp_gongyi", "emp_provincial"},
    "education": {"emp_zhongyuan"},
    "admin_emp_jinshui": {"emp_jinshui"},
    "admin_emp_zhongyuan": {"emp_zhongyuan"},
    "admin_emp_luoyang": {"emp_luoyang"},
    "admin_emp_gongyi": {"emp_gongyi"},
    "admin_emp_provincial": {"emp_provincial"},
    "sysadmin": set(),
    "auditor": set(),
    "person_jinshui": {"emp_jinshui"},
}


def filed_rule(
    region_code: str | None = None,
    industry_code: str | None = None,
    *,
    effective_from: dt.date = dt.date(2024, 1, 1),
    title: str = "测试实施细则（示例）",
    **changes: object,
) -> CreditingPolicy:
    """A filed crediting rule straight into the table (a test fixture, not the filing workflow).

    ``changes`` replace parts of the provincial tables, e.g. ``requirement={...}``, ``unit="credit"``.
    """
    from cecert.policies.domain.seeding import provincial_body
    from cecert.policies.models import CreditingPolicy, PolicyState

    body = provincial_body() | {k: v for k, v in changes.items()}
    scope = region(region_code) if region_code else None
    sector = industry(industry_code) if industry_code else None
    policy_id = f"test-{region_code or ''}{industry_code or ''}-{next(_sequence)}"
    return CreditingPolicy.objects.create(
        policy_id=policy_id,
        version=effective_from.isoformat(),
        key=f"{policy_id}@{effective_from.isoformat()}",
        title=title,
        scope_region=scope,
        scope_path=scope.path if scope is not None else "",
        industry=sector,
        effective_from=effective_from,
        body=body,
        state=PolicyState.FILED,
    )


def filed_examples() -> tuple[CreditingPolicy, CreditingPolicy]:
    """The invented examples of ``tests/crediting/fixtures`` as filed rules: 许昌 30 + 60, health 25 credits."""
    xuchang = filed_rule("411000", requirement={"total": 90, "public": 30, "professional": 60})
    health = filed_rule(
        None,
        "health",
        unit="credit",
        hours_per_credit="3",
        requirement={"total": 25, "public": 5, "professional": 15},
        other_kinds={
            "cme_class_1": {"title_zh": "Ⅰ类学分项目（示例）", "title_en": "I", "subject": "professional",
                            "hours_per_credit": "3"},
            "cme_class_2": {"title_zh": "Ⅱ类学分活动（示例）", "title_en": "II", "subject": "professional",
                            "hours_per_credit": "5"},
        },
    )  # fmt: skip
    return xuchang, health
