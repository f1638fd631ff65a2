"""Article 11 exactly: role × subject × channel → who may first-review and who may certify.

11(1) 用人单位必须对所属专业技术人员公需科目和专业科目学习登记情况进行初审 — every record, whatever its channel;
11(2) 公需科目……由各级人力资源社会保障行政部门进行审核认定;
11(3) 专业科目……由各级行业主管部门或行业组织进行审核认定 (an industry organisation when the authority
authorises it). A "both" record is certified in two parts, each by the body named for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from cecert.accounts.models import Role, User
from cecert.audit.models import AuditEntry
from cecert.catalogs.domain.bulk import BulkRecord, PersonRef, PolicyCache, bulk_register, record_fields
from cecert.core.errors import DomainError
from cecert.crediting.schemas import ActivityAdapter
from cecert.notifications.models import Notification
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.records.domain.declaring import Declaration, register_completion
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.review.domain.queues import review_queue
from cecert.review.domain.workflow import batch_first_review, transition_record
from tests.factories import World, industry, organisation, user_with_role
from tests.records.factories import advanced, declared

S = RecordState
END = dt.date(2025, 6, 30)
ACTORS = [
    "owner",
    "admin_own",
    "admin_other",
    "base_admin",
    "hr_province",
    "hr_zhengzhou",
    "hr_jinshui",
    "hr_luoyang",
    "health",
    "health_org",
    "rogue_org",
    "education",
    "sysadmin",
]
FIRST_REVIEWERS = {"admin_own"}
PUBLIC_CERTIFIERS = {"hr_province", "hr_zhengzhou", "hr_jinshui"}
PROFESSIONAL_CERTIFIERS = {"health", "health_org"}
CERTIFIERS = {
    "public": PUBLIC_CERTIFIERS,
    "professional": PROFESSIONAL_CERTIFIERS,
    "both": PUBLIC_CERTIFIERS | PROFESSIONAL_CERTIFIERS,
}
ACTIVITIES: dict[str, dict[str, Any]] = {
    "public": {"type": "training", "subject": "public", "organizer": "provincial", "hours": 24},
    "professional": {"type": "training", "subject": "professional", "organizer": "provincial", "hours": 60},
    "both": {"type": "aid_assignment", "months": 12},
}
CHANNELS = ["person", "employer", "base", "online", "import"]
CASES = [(c, s) for c in CHANNELS for s in ("public", "professional", "both") if s != "both" or c in CHANNELS[:2]]


@pytest.fixture
def chain(world: World) -> dict[str, Any]:
    base = organisation(OrganisationKind.TRAINING_BASE, "继续教育基地", "410102")
    # An industry organisation the provincial health authority authorises (11(3)), and one nobody authorises.
    authorised = organisation(
        OrganisationKind.INDUSTRY_ORGANISATION,
        "郑州市医学会",
        "410100",
        industry=industry("health"),
        authority=world.orgs["health"],
    )
    rogue = organisation(OrganisationKind.INDUSTRY_ORGANISATION, "某协会", "410100", industry=industry("health"))
    users = {
        "owner": world.people["emp_jinshui"].user,
        "admin_own": world.users["admin_emp_jinshui"],
        "admin_other": world.users["admin_emp_luoyang"],
        "base_admin": user_with_role(Role.BASE_ADMIN, base),
        "health_org": user_with_role(Role.INDUSTRY_OFFICER, authorised),
        "rogue_org": user_with_role(Role.INDUSTRY_OFFICER, rogue),
    }
    return {"base": base, "users": users, "world": world}


def _actor(chain: dict[str, Any], key: str) -> User:
    return chain["users"].get(key) or chain["world"].users[key]


def _submitted(chain: dict[str, Any], channel: str, subject: str) -> Record:
    world: World = chain["world"]
    person = world.people["emp_jinshui"]
    data = dict(ACTIVITIES[subject])
    if channel == "person":
        return advanced(world, declared(person, data), S.SUBMITTED)
    if channel == "employer":
        admin = world.users["admin_emp_jinshui"]
        return transition_record(declared(person, data, by=admin), S.SUBMITTED, by=admin)
    kind = "online_course" if channel == "online" else "training_base"
    activity = ActivityAdapter.validate_python({"type": kind, "subject": subject, "hours": 12})
    declaration = Declaration(title="基地培训", start_date=END - dt.timedelta(days=2), end_date=END)
    base, base_admin = chain["base"], chain["users"]["base_admin"]
    if channel == "import":
        fields = record_fields(person.pk, person.employer, activity, declaration, PolicyCache())
        [row] = bulk_register(
            [BulkRecord(PersonRef.of(person), fields)],
            channel="base",
            by=base_admin,
            source=base,
            to_state=S.SUBMITTED,
            audit_obj=base,
        )
        return Record.objects.get(pk=row.pk)
    return register_completion(person, activity, declaration, base=base, by=base_admin, channel=channel)


class _Undo(Exception):
    pass


def _who_may(chain: dict[str, Any], record: Record, target: str) -> set[str]:
    allowed = set()
    for key in ACTORS:
        try:
            with transaction.atomic():
                transition_record(record, target, by=_actor(chain, key))
                allowed.add(key)
                raise _Undo
        except _Undo:
            pass
        except DomainError:
            pass
    return allowed


@pytest.mark.parametrize(("channel", "subject"), CASES)
def test_every_channel_passes_the_first_review_then_the_certifier_of_its_subject(
    chain: dict[str, Any], channel: str, subject: str
) -> None:
    record = _submitted(chain, channel, subject)
    assert (record.state, record.subject) == (S.SUBMITTED, subject)
    # Nobody certifies before the employer's first review (no shortcut for any channel).
    assert _who_may(chain, record, S.CERTIFIED) == set()
    assert _who_may(chain, record, S.EMPLOYER_APPROVED) == FIRST_REVIEWERS
    record = transition_record(record, S.EMPLOYER_APPROVED, by=_actor(chain, "admin_own"))
    assert _who_may(chain, record, S.CERTIFIED) == CERTIFIERS[subject]


def test_a_both_record_is_certified_in_two_parts(chain: dict[str, Any]) -> None:
    record = advanced(chain["world"], declared(chain["world"].people["emp_jinshui"], ACTIVITIES["both"]), S.SUBMITTED)
    record = transition_record(record, S.EMPLOYER_APPROVED, by=_actor(chain, "admin_own"))
    hr, org = _actor(chain, "hr_jinshui"), _actor(chain, "health_org")
    record = transition_record(record, S.CERTIFIED, by=hr)
    assert (record.state, record.public_certified_by, record.professional_certified_by) == (
        S.EMPLOYER_APPROVED,
        hr,
        None,
    )
    # HR cannot certify the professional part; it now waits only in the industry side's queue.
    assert _who_may(chain, record, S.CERTIFIED) == PROFESSIONAL_CERTIFIERS
    assert record not in review_queue(hr) and record in review_queue(org)
    assert AuditEntry.objects.filter(action="record.certified_part", object_id=str(record.pk)).count() == 1
    record = transition_record(record, S.CERTIFIED, by=org)
    assert (record.state, record.certified_by, record.professional_certified_by) == (S.CERTIFIED, org, org)


@pytest.mark.parametrize(
    ("subject", "queue_of"),
    [("public", PUBLIC_CERTIFIERS), ("professional", PROFESSIONAL_CERTIFIERS)],
)
def test_queues_show_exactly_what_each_body_may_certify(chain: dict[str, Any], subject: str, queue_of: set) -> None:  # type: ignore[type-arg]
    record = _submitted(chain, "base", subject)
    record = transition_record(record, S.EMPLOYER_APPROVED, by=_actor(chain, "admin_own"))
    shown = {key for key in ACTORS if review_queue(_actor(chain, key)).filter(pk=record.pk).exists()}
    assert shown == queue_of


def test_batch_first_review_is_set_based_and_refuses_what_is_not_the_admins(
    chain: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    own = [_submitted(chain, "base", "public") for _ in range(3)] + [_submitted(chain, "import", "professional")]
    world: World = chain["world"]
    other = advanced(world, declared(world.people["emp_luoyang"]), S.SUBMITTED)
    draft = declared(world.people["emp_jinshui"], title="草稿")
    admin = _actor(chain, "admin_own")
    ids = [r.pk for r in own] + [other.pk, draft.pk]
    with django_assert_max_num_queries(25):
        approved, refused = batch_first_review(ids, by=admin)
    assert sorted(approved) == sorted(r.pk for r in own)
    assert set(refused) == {other.pk, draft.pk}
    assert "草稿" in refused[draft.pk]
    states = dict(Record.objects.filter(pk__in=ids).values_list("pk", "state"))
    assert all(states[r.pk] == S.EMPLOYER_APPROVED for r in own)
    assert (states[other.pk], states[draft.pk]) == (S.SUBMITTED, S.DRAFT)
    assert set(Record.objects.filter(pk__in=approved).values_list("first_reviewed_by", flat=True)) == {admin.pk}
    entry = AuditEntry.objects.get(action="record.bulk_employer_approved")
    assert sorted(entry.after["records"]) == sorted(approved)
    hr = world.users["hr_jinshui"]
    assert Notification.objects.filter(user=hr, message__contains="待认定").exists()
    # A certifier cannot use the batch first review.
    assert batch_first_review([other.pk], by=hr)[0] == []


def test_the_queue_page_batch_approves_for_the_employer(chain: dict[str, Any]) -> None:
    from tests.factories import logged_in

    records = [_submitted(chain, "online", "public") for _ in range(2)]
    client = logged_in(_actor(chain, "admin_own"))
    response = client.post("/review/queue/", {"ids": [r.pk for r in records], "decision": "approve"})
    assert response.status_code == 302
    assert set(Record.objects.filter(pk__in=[r.pk for r in records]).values_list("state", flat=True)) == {
        S.EMPLOYER_APPROVED
    }


def test_an_unauthorised_or_suspended_industry_organisation_certifies_nothing(chain: dict[str, Any]) -> None:
    record = _submitted(chain, "person", "professional")
    record = transition_record(record, S.EMPLOYER_APPROVED, by=_actor(chain, "admin_own"))
    org: Organisation = Organisation.objects.get(name="郑州市医学会")
    Organisation.objects.filter(pk=org.pk).update(state="suspended")
    fresh = User.objects.get(pk=_actor(chain, "health_org").pk)
    with pytest.raises(DomainError):
        transition_record(record, S.CERTIFIED, by=fresh)


def test_an_industry_body_without_an_industry_sees_nobody(world: World) -> None:
    """``industry_id=None`` must not match every employer that has no industry."""
    from cecert.accounts.models import Person
    from tests.factories import employer, registered_person

    loose = organisation(OrganisationKind.INDUSTRY_ORGANISATION, "无行业协会", "410100", authority=world.orgs["health"])
    officer = user_with_role(Role.INDUSTRY_OFFICER, loose)
    orphan = employer("410105", world.orgs["health"], name="无行业单位")
    Organisation.objects.filter(pk=orphan.pk).update(industry=None)
    registered_person(Organisation.objects.get(pk=orphan.pk))
    assert not Person.objects.restrict(officer).exists()
    assert list(Organisation.objects.restrict(officer)) == [loose]
