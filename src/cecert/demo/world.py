"""A demo world for ``make run``: every role, several regions, a few hundred professionals."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from cecert.accounts.domain.numbering import allocate_certificate_number
from cecert.accounts.domain.second_factor import authenticator, enrol_device, issue_recovery_codes
from cecert.accounts.idnumbers import id_number_digest, make_id_number, mask_id_number
from cecert.accounts.models import (
    PERSON_LOGIN_PREFIX,
    Education,
    Membership,
    Person,
    RegistrationState,
    Role,
    User,
)
from cecert.core.crypto import encrypt_text
from cecert.organisations.models import Industry, Organisation, OrganisationKind, OrganisationState
from cecert.organisations.uscc import make_uscc
from cecert.regions.domain import certificate_prefix
from cecert.regions.models import Region

DEMO_PASSWORD = "Demo@2026cecert"  # noqa: S105  (printed for demo logins; never in production)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳",
    "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "华", "慧",
]  # fmt: skip
SPECIALTIES = [
    ("临床医学", "卫生"),
    ("护理学", "卫生"),
    ("汉语言文学", "中小学教师"),
    ("土木工程", "工程"),
    ("农学", "农业"),
]


@dataclass
class DemoLogin:
    role: str
    username: str
    organisation: str
    totp_secret: str = ""


@dataclass
class DemoWorld:
    logins: list[DemoLogin] = field(default_factory=list)
    people: int = 0
    certificate_serial: str = ""


def _org(kind: str, name: str, region: str, **extra: object) -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        kind=kind,
        name=name,
        defaults={"region": Region.objects.get(code=region), "state": OrganisationState.APPROVED, **extra},
    )
    return org


def _staff_user(world: DemoWorld, username: str, name: str, role: str, org: Organisation | None) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    device = authenticator(user)
    if device is None:
        device = enrol_device(user, confirmed=True)
        issue_recovery_codes(user)  # not printed: the demo logs in with the printed TOTP secret
    Membership.objects.get_or_create(user=user, role=role, organisation=org)
    world.logins.append(DemoLogin(role, username, org.name if org else "", device.secret))
    return user


@transaction.atomic
def build_demo_world(people: int = 300, seed: int = 2017) -> DemoWorld:
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not security)
    world = DemoWorld()
    health, education, engineering = (Industry.objects.get(code=c) for c in ("health", "education", "engineering"))

    hr_province = _org(OrganisationKind.HR_DEPARTMENT, "河南省人力资源和社会保障厅", "410000")
    hr_zz = _org(OrganisationKind.HR_DEPARTMENT, "郑州市人力资源和社会保障局", "410100")
    hr_ly = _org(OrganisationKind.HR_DEPARTMENT, "洛阳市人力资源和社会保障局", "410300")
    hr_gy = _org(OrganisationKind.HR_DEPARTMENT, "巩义市人力资源和社会保障局", "410181")
    hr_js = _org(OrganisationKind.HR_DEPARTMENT, "郑州市金水区人力资源和社会保障局", "410105")
    ind_health = _org(OrganisationKind.INDUSTRY_AUTHORITY, "河南省卫生健康委员会", "410000", industry=health)
    ind_edu = _org(OrganisationKind.INDUSTRY_AUTHORITY, "河南省教育厅", "410000", industry=education)
    ind_eng = _org(OrganisationKind.INDUSTRY_AUTHORITY, "河南省住房和城乡建设厅", "410000", industry=engineering)

    def employer(name: str, region: str, authority: Organisation, body: str, **extra: object) -> Organisation:
        return _org(
            OrganisationKind.EMPLOYER,
            name,
            region,
            industry=authority.industry,
            authority=authority,
            uscc=make_uscc(body),
            **extra,
        )

    employers = [
        employer("郑州市金水区人民医院", "410105", ind_health, "12410105MB0000001"),
        employer("郑州市第一中学", "410102", ind_edu, "12410100MB0000002"),
        employer("洛阳市中心医院", "410302", ind_health, "12410300MB0000003"),
        employer("洛阳市建筑设计研究院", "410305", ind_eng, "91410300MA0000004"),
        employer("巩义市人民医院", "410181", ind_health, "12410181MB0000005"),
        employer("河南省人民医院", "410105", ind_health, "12410000MB0000006", provincial_direct=True),
    ]
    employer("郑州市惠济区卫生院（待审核）", "410108", ind_health, "12410108MB0000007", state=OrganisationState.PENDING)
    base = _org(OrganisationKind.TRAINING_BASE, "河南省专业技术人员继续教育基地（郑州大学）", "410102")

    _staff_user(world, "sysadmin", "系统管理员", Role.SYSADMIN, None)
    _staff_user(world, "auditor", "安全审计员", Role.AUDITOR, None)
    _staff_user(world, "hr_henan", "省人社厅经办人", Role.HR_OFFICER, hr_province)
    _staff_user(world, "hr_zhengzhou", "郑州市人社局经办人", Role.HR_OFFICER, hr_zz)
    _staff_user(world, "hr_luoyang", "洛阳市人社局经办人", Role.HR_OFFICER, hr_ly)
    _staff_user(world, "hr_gongyi", "巩义市人社局经办人", Role.HR_OFFICER, hr_gy)
    _staff_user(world, "hr_jinshui", "金水区人社局经办人", Role.HR_OFFICER, hr_js)
    _staff_user(world, "health_henan", "省卫健委经办人", Role.INDUSTRY_OFFICER, ind_health)
    _staff_user(world, "edu_henan", "省教育厅经办人", Role.INDUSTRY_OFFICER, ind_edu)
    _staff_user(world, "eng_henan", "省住建厅经办人", Role.INDUSTRY_OFFICER, ind_eng)
    for index, emp in enumerate(employers, start=1):
        _staff_user(world, f"employer{index}", f"{emp.name}管理员", Role.EMPLOYER_ADMIN, emp)
    _staff_user(world, "base1", "继续教育基地管理员", Role.BASE_ADMIN, base)
    # Article 11(3): an industry organisation the provincial health authority authorises to certify.
    medical = _org(
        OrganisationKind.INDUSTRY_ORGANISATION, "河南省医学会", "410000", industry=health, authority=ind_health
    )
    _staff_user(world, "medical_assoc", "省医学会经办人", Role.INDUSTRY_OFFICER, medical)

    if Person.objects.exists():
        world.people = Person.objects.count()
        return world
    # One hash for every demo professional: hashing 300 passwords with Argon2 would take a minute.
    password_hash = make_password(DEMO_PASSWORD)
    states = [RegistrationState.APPROVED] * 8 + [RegistrationState.PENDING, RegistrationState.RETURNED]
    for index in range(people):
        emp = employers[index % len(employers)]
        county = emp.region.code if emp.region.level != "province" else "410105"
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 35 * 365))
        id_number = make_id_number(county, birth, 100 + index)
        gender = "male" if int(id_number[16]) % 2 else "female"
        state = RegistrationState.APPROVED if index == 0 else rng.choice(states)
        digest = id_number_digest(id_number, settings.CECERT_ID_HASH_KEY)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        user = User.objects.create(
            username=PERSON_LOGIN_PREFIX + digest,
            display_name=name,
            password=password_hash,
            is_active=state == RegistrationState.APPROVED,
        )
        specialty, series = rng.choice(SPECIALTIES)
        person = Person.objects.create(
            user=user,
            id_number_digest=digest,
            id_number_encrypted=encrypt_text(id_number),
            id_number_masked=mask_id_number(id_number),
            name=name,
            gender=gender,
            birth_date=birth,
            education=rng.choice(Education.values),
            specialty=specialty,
            title_series=series,
            employer=emp,
            state=state,
            state_reason="学历信息与证明材料不符，请核对" if state == RegistrationState.RETURNED else "",
        )
        if state == RegistrationState.APPROVED:
            person.certificate_number = allocate_certificate_number(
                certificate_prefix(emp.region, provincial_direct=emp.provincial_direct)
            )
            person.approved_at = timezone.now()
            person.save(update_fields=["certificate_number", "approved_at"])
        if index == 0:
            world.logins.append(DemoLogin(Role.PROFESSIONAL, id_number, emp.name))
    world.people = people
    _demo_records(rng, base, Person.objects.filter(state=RegistrationState.APPROVED).order_by("pk")[:60])
    _demo_certificate(world)
    _demo_regulation_examples(ind_health, ind_edu)
    return world


def _demo_regulation_examples(ind_health: Organisation, ind_edu: Organisation) -> None:
    """One example of each: a guide co-authored with industry authorities and a record citing it (Article 4),
    an 8(4) leave approved by the employer's 业务主管部门 (Article 8), and an Article 15 case from a spot-check."""
    from decimal import Decimal

    from cecert.catalogs.domain.catalogs import (
        add_guide_course,
        guide_for_year,
        publish_guide,
        set_guide_co_authors,
    )
    from cecert.crediting.evaluation import today_in_henan
    from cecert.records.domain.declaring import Declaration, add_proof, declare_record
    from cecert.records.domain.leave import add_leave_proof, decide_leave, record_leave
    from cecert.records.enums import RecordState
    from cecert.records.models import Record
    from cecert.review.domain.spotchecks import decide_item, draw_spot_check
    from cecert.violations.domain.cases import open_case_from_spot_check

    pdf = blank_pdf()  # proofs are parsed in full (core.filecheck): a real, if empty, PDF
    hr_henan = User.objects.get(username="hr_henan")
    year = today_in_henan().year
    guide = guide_for_year(year, by=hr_henan)
    course = add_guide_course(
        guide,
        code=f"GX{year}-01",
        title="法治政府建设与依法行政",
        hours="12",
        provider="河南省人力资源和社会保障厅",
        by=hr_henan,
    )
    set_guide_co_authors(guide, [ind_health, ind_edu], by=hr_henan)
    publish_guide(guide, by=hr_henan)

    person = Person.objects.filter(state=RegistrationState.APPROVED).order_by("pk").first()
    if person is None:
        return
    from cecert.crediting.schemas import ActivityAdapter

    end = dt.date(year, 1, 20)
    activity = ActivityAdapter.validate_python(
        {"type": "training", "subject": "public", "organizer": "provincial", "hours": 12, "date": end.isoformat()}
    )
    draft = declare_record(
        person,
        activity,
        Declaration(
            title="法治政府建设与依法行政专题培训",
            start_date=end - dt.timedelta(days=1),
            end_date=end,
            form="面授",
            assessment="合格",
            guide_course=course,
        ),
        by=person.user,
    )
    from cecert.records.proofs import required_proofs

    for requirement in required_proofs(draft.activity_type, draft.activity):
        add_proof(draft, kind=requirement.kind, name=f"{requirement.label}.pdf", content=pdf, by=person.user)

    admin = User.objects.filter(
        memberships__organisation=person.employer, memberships__role=Role.EMPLOYER_ADMIN
    ).first()
    officer = User.objects.filter(
        memberships__organisation=person.employer.authority, memberships__role=Role.INDUSTRY_OFFICER
    ).first()
    if admin is not None and officer is not None:
        leave = record_leave(
            person,
            kind="other_approved",
            start=dt.date(year - 1, 3, 1),
            end=dt.date(year - 1, 10, 31),
            by=admin,
            note="经批准脱产参加援建项目",
        )
        add_leave_proof(leave, name="批准文件.pdf", content=pdf, by=admin)
        decide_leave(leave, confirm=True, by=admin)  # the employer submits (8(4))
        decide_leave(leave, confirm=True, by=officer)  # the 业务主管部门 approves

    hr_zz = Organisation.objects.get(name="郑州市人力资源和社会保障局")
    hr_user = User.objects.get(username="hr_zhengzhou")
    if Record.objects.filter(
        year=2025, state=RecordState.CERTIFIED, person__employer__jurisdiction_path__startswith=hr_zz.region.path
    ).exists():
        check = draw_spot_check(hr=hr_zz, year=2025, rate=Decimal("0.05"), by=hr_user, seed="demo-2025")
        item = check.items.order_by("position").first()
        if item is not None:
            decide_item(item, overturn=True, by=hr_user, reason="培训签到表与证书日期不符，经核实未参加培训")
            open_case_from_spot_check(item, by=hr_user)


def _demo_records(rng: random.Random, base: Organisation, people: Any) -> None:
    """Records at every stage of the review chain, registered by the demo base (Article 9) and walked
    through the whole Article 11 chain: the employer's first review, then HR (public) or the industry
    authority (professional)."""
    from cecert.crediting.schemas import ActivityAdapter
    from cecert.records.domain.declaring import Declaration, register_completion
    from cecert.records.enums import RecordState
    from cecert.review.domain.notifications import certifiers, employer_admins
    from cecert.review.domain.workflow import transition_record

    base_admin = User.objects.get(username="base1")
    order = [RecordState.SUBMITTED, RecordState.EMPLOYER_APPROVED, RecordState.CERTIFIED]
    stages = [RecordState.CERTIFIED] * 3 + [RecordState.SUBMITTED, RecordState.EMPLOYER_APPROVED]
    for index, person in enumerate(people):
        for year in (2025, 2026):
            plan = [("public", "公需科目网络培训：法治政府建设", 30), ("professional", "专业科目研修班", 62)]
            if index % 4 == 3:
                plan = plan[:1]  # some fall short of the requirement
            for subject, title, hours in plan:
                end = dt.date(year, rng.randrange(3, 11), rng.randrange(1, 28))
                activity = ActivityAdapter.validate_python(
                    {"type": "training_base", "subject": subject, "hours": hours, "date": end.isoformat()}
                )
                stage = RecordState.CERTIFIED if (year == 2025 or index == 0) else rng.choice(stages)
                record = register_completion(
                    person,
                    activity,
                    Declaration(title=title, start_date=end - dt.timedelta(days=3), end_date=end),
                    base=base,
                    by=base_admin,
                )
                for step in order[1 : order.index(stage) + 1]:
                    actors = employer_admins(person.employer_id) if step == order[1] else certifiers(record)
                    record = transition_record(record, step, by=User.objects.get(pk=min(actors)))


def _demo_certificate(world: DemoWorld) -> None:
    """The demo professional's 2025 certificate, sealed by the issuing HR department."""
    from cecert.certificates.domain.issuance import issue_annual_certificate, issuer_for

    person = Person.objects.order_by("pk").first()
    if person is None:
        return
    issuer = issuer_for(person)
    officer = User.objects.filter(memberships__organisation=issuer, memberships__role=Role.HR_OFFICER).first()
    certificate = issue_annual_certificate(person, 2025, by=officer)
    world.certificate_serial = str(getattr(certificate, "serial", ""))


def blank_pdf() -> bytes:
    """One blank A4 page written by pypdf: a proof file the upload checks accept."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
