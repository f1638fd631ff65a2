"""The base integration API: signatures, timestamps, replay, idempotency, scope, and progress plausibility."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cecert.audit.models import AuditEntry
from cecert.catalogs.domain import apiauth
from cecert.catalogs.domain.bases import enrol
from cecert.catalogs.domain.progress import SECONDS_PER_CLASS_HOUR
from cecert.catalogs.enums import FlagKind
from cecert.catalogs.models import ApiCall, ApiCredential, ApiNonce, Enrolment, IdempotentRequest, ProgressReport
from cecert.records.enums import Channel, RecordState
from cecert.records.models import Record
from tests.catalogs.conftest import BaseWorld, program
from tests.factories import logged_in


class Api:
    def __init__(self, credential: ApiCredential, secret: str) -> None:
        self.key_id, self.secret, self.client = credential.key_id, secret, Client()

    def call(self, method: str, path: str, body: Any = None, *, key: str | None = None, **sign: Any) -> Any:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = apiauth.signed_headers(
            self.key_id, sign.pop("secret", self.secret), method, path, raw, idempotency_key=key, **sign
        )
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if method == "GET":
            return self.client.get(path, **extra)
        return self.client.post(path, data=raw, content_type="application/json", **extra)


@pytest.fixture
def api(bw: BaseWorld) -> Api:
    credential, secret = apiauth.issue_credential(bw.base, by=bw.admin)
    return Api(credential, secret)


def test_signed_requests_work_and_secrets_are_stored_encrypted(bw: BaseWorld, api: Api) -> None:
    response = api.call("GET", "/api/v1/bases/me")
    assert (response.status_code, response.json()["id"]) == (200, bw.base.pk)
    stored = ApiCredential.objects.get(key_id=api.key_id).secret_encrypted
    assert api.secret not in stored and stored.startswith("v1:")
    assert [p["id"] for p in api.call("GET", "/api/v1/bases/programs").json()] == [bw.classroom.pk, bw.online.pk]


@pytest.mark.parametrize("tamper", ["signature", "expired", "future", "unsigned", "wrong_key"])
def test_bad_signatures_and_stale_timestamps_are_refused(api: Api, tamper: str) -> None:
    now = int(timezone.now().timestamp())
    if tamper == "signature":
        response = api.call("GET", "/api/v1/bases/me", secret="not-the-secret")
    elif tamper == "expired":
        response = api.call("GET", "/api/v1/bases/me", timestamp=now - 301)
    elif tamper == "future":
        response = api.call("GET", "/api/v1/bases/me", timestamp=now + 301)
    elif tamper == "wrong_key":
        api.key_id = "cbk_doesnotexist"
        response = api.call("GET", "/api/v1/bases/me")
    else:
        response = Client().get("/api/v1/bases/me")
    assert response.status_code == 401


def test_a_replayed_request_is_refused(api: Api) -> None:
    assert api.call("GET", "/api/v1/bases/me", nonce="nonce-0001").status_code == 200
    assert api.call("GET", "/api/v1/bases/me", nonce="nonce-0001").status_code == 401


def test_rotation_keeps_the_old_key_during_the_overlap_and_revocation_stops_it(bw: BaseWorld, api: Api) -> None:
    new, secret = apiauth.issue_credential(bw.base, by=bw.admin, overlap=dt.timedelta(hours=1))
    assert api.call("GET", "/api/v1/bases/me").status_code == 200
    assert Api(new, secret).call("GET", "/api/v1/bases/me").status_code == 200
    old = ApiCredential.objects.get(key_id=api.key_id)
    ApiCredential.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.call("GET", "/api/v1/bases/me").status_code == 401
    apiauth.revoke_credential(new, by=bw.admin)
    assert Api(new, secret).call("GET", "/api/v1/bases/me").status_code == 401


def test_idempotency_same_key_same_body_same_response_different_body_refused(bw: BaseWorld, api: Api) -> None:
    person = bw.world.people["emp_zhongyuan"]
    body = {"program": bw.classroom.pk, "person": person.certificate_number}
    first = api.call("POST", "/api/v1/bases/enrolments", body, key="enrol-1")
    again = api.call("POST", "/api/v1/bases/enrolments", body, key="enrol-1")
    assert (first.status_code, again.status_code, again.json()) == (201, 201, first.json())
    assert Enrolment.objects.filter(program=bw.classroom, person=person).count() == 1
    other = api.call(
        "POST", "/api/v1/bases/enrolments", {**body, "person": bw.world.people["emp_luoyang"].id_number}, key="enrol-1"
    )
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    assert api.call("POST", "/api/v1/bases/enrolments", body).status_code == 400  # no key at all


def test_completion_through_the_api_and_acting_outside_the_enrolments_is_404(bw: BaseWorld, api: Api) -> None:
    person = bw.world.people["emp_jinshui"]
    outsider = bw.world.people["emp_luoyang"]
    not_enrolled = api.call(
        "POST",
        "/api/v1/bases/completions",
        {"program": bw.classroom.pk, "person": outsider.certificate_number},
        key="c-1",
    )
    assert not_enrolled.status_code == 404
    foreign = program(bw.other_base, bw.other_admin, title="洛阳班")
    enrol(foreign, person.certificate_number, by=bw.other_admin)
    other_base = api.call(
        "POST", "/api/v1/bases/completions", {"program": foreign.pk, "person": person.certificate_number}, key="c-2"
    )
    assert other_base.status_code == 404
    assert api.call("GET", f"/api/v1/bases/programs/{foreign.pk}/enrolments").status_code == 404
    assert (
        api.call(
            "POST",
            "/api/v1/bases/enrolments",
            {"program": foreign.pk, "person": outsider.certificate_number},
            key="e-x",
        ).status_code
        == 404
    )
    done = api.call(
        "POST",
        "/api/v1/bases/completions",
        {"program": bw.classroom.pk, "person": person.certificate_number},
        key="c-3",
    )
    assert done.status_code == 201
    record = Record.objects.get(pk=done.json()["record"])
    assert (record.channel, record.source_id, record.state, record.person_id) == (
        Channel.BASE,
        bw.base.pk,
        RecordState.SUBMITTED,
        person.pk,
    )
    assert Record.objects.filter(person=outsider).count() == 0


def _progress(
    api: Api, bw: BaseWorld, program_id: int, start: dt.datetime, minutes: float, seconds: int, key: str
) -> Any:
    person = bw.world.people["emp_jinshui"]
    return api.call(
        "POST",
        "/api/v1/bases/progress",
        {
            "program": program_id,
            "person": person.certificate_number,
            "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(minutes=minutes)).isoformat(),
            "seconds": seconds,
        },
        key=key,
    )


@pytest.fixture
def online(bw: BaseWorld) -> tuple[Enrolment, Enrolment]:
    person = bw.world.people["emp_jinshui"]
    second = program(
        bw.base,
        bw.admin,
        title="网络专题二",
        form="online",
        hours="4",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
    )
    first = enrol(bw.online, person.certificate_number, by=bw.admin)
    other = enrol(second, person.certificate_number, by=bw.admin)
    ago = timezone.now() - dt.timedelta(days=2)
    Enrolment.objects.filter(pk__in=[first.pk, other.pk]).update(enrolled_at=ago)
    first.refresh_from_db()
    other.refresh_from_db()
    return first, other


def test_faster_than_real_time_is_refused_and_flagged(
    bw: BaseWorld, api: Api, online: tuple[Enrolment, Enrolment]
) -> None:
    start = timezone.now() - dt.timedelta(hours=5)
    response = _progress(api, bw, bw.online.pk, start, 30, 3600, "p-1")
    assert (response.status_code, response.json()["flag"]) == (422, FlagKind.FASTER_THAN_REAL_TIME)
    flag = ProgressReport.objects.get(pk=response.json()["report"])
    assert (flag.accepted, flag.base_id, flag.person_id) == (False, bw.base.pk, bw.world.people["emp_jinshui"].pk)
    online[0].refresh_from_db()
    assert online[0].studied_seconds == 0
    # the same refused request again: the stored answer, no second flag
    assert _progress(api, bw, bw.online.pk, start, 30, 3600, "p-1").json() == response.json()
    assert ProgressReport.objects.filter(accepted=False).count() == 1


def test_studying_two_courses_at_the_same_moment_is_refused_and_flagged(
    bw: BaseWorld, api: Api, online: tuple[Enrolment, Enrolment]
) -> None:
    start = timezone.now() - dt.timedelta(hours=5)
    second_program = online[1].program_id
    assert _progress(api, bw, bw.online.pk, start, 60, 3600, "p-1").status_code == 200
    overlap = _progress(api, bw, second_program, start + dt.timedelta(minutes=30), 60, 3000, "p-2")
    assert (overlap.status_code, overlap.json()["flag"]) == (422, FlagKind.OVERLAP)
    repeated = _progress(api, bw, bw.online.pk, start + dt.timedelta(minutes=10), 20, 600, "p-3")
    assert repeated.json()["flag"] == FlagKind.REPEATED_INTERVAL
    later = _progress(api, bw, second_program, start + dt.timedelta(minutes=60), 60, 3600, "p-4")
    assert later.status_code == 200


def test_hours_cannot_exceed_the_catalog_and_reaching_them_credits_the_course(
    bw: BaseWorld, api: Api, online: tuple[Enrolment, Enrolment]
) -> None:
    needed = 4 * SECONDS_PER_CLASS_HOUR  # 4 学时
    start = timezone.now() - dt.timedelta(hours=30)
    too_much = _progress(api, bw, bw.online.pk, start, needed / 60 + 10, needed + 60, "p-0")
    assert (too_much.status_code, too_much.json()["flag"]) == (422, FlagKind.EXCEEDS_HOURS)
    half = needed // 2
    assert _progress(api, bw, bw.online.pk, start, half / 60, half, "p-1").json()["completed_record"] is None
    done = _progress(api, bw, bw.online.pk, start + dt.timedelta(hours=4), half / 60, half, "p-2")
    record = Record.objects.get(pk=done.json()["completed_record"])
    assert (record.channel, record.activity_type, record.hours, record.source_id) == (
        Channel.ONLINE,
        "online_course",
        4,
        bw.base.pk,
    )
    future = _progress(api, bw, bw.online.pk, timezone.now() + dt.timedelta(hours=1), 10, 60, "p-3")
    assert future.status_code == 400  # the enrolment is completed


def test_flags_are_visible_to_the_base_and_hr_above_and_no_one_else(
    bw: BaseWorld, api: Api, online: tuple[Enrolment, Enrolment]
) -> None:
    _progress(api, bw, bw.online.pk, timezone.now() - dt.timedelta(hours=3), 10, 3600, "p-1")
    assert [f["flag"] for f in api.call("GET", "/api/v1/bases/flags").json()] == [FlagKind.FASTER_THAN_REAL_TIME]
    for user, visible in [
        (bw.admin, True),
        (bw.world.users["hr_jinshui"], True),
        (bw.world.users["hr_province"], True),
        (bw.world.users["hr_luoyang"], False),
        (bw.other_admin, False),
    ]:
        page = logged_in(user).get("/catalogs/flags/").content.decode()
        assert ("学习时长不能快于真实时间" in page) is visible


def test_the_openapi_document_describes_the_base_endpoints(api: Api) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/bases/enrolments", "/api/v1/bases/completions", "/api/v1/bases/progress"} <= set(schema["paths"])
    assert "BaseSignature" in schema["components"]["securitySchemes"]


# --- the request budget of each base ---------------------------------------------------------------


@pytest.fixture
def budget(settings: Any) -> int:
    """Three signed requests per base and (hour-long, so the test never straddles a window) window."""
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "base_api": (3, 3600)}
    return 3


def test_over_the_budget_answers_429_with_retry_after_and_is_audited_once(bw: BaseWorld, api: Api, budget: int) -> None:
    assert [api.call("GET", "/api/v1/bases/me").status_code for _ in range(budget)] == [200] * budget
    refused = [api.call("GET", "/api/v1/bases/me") for _ in range(2)]
    assert [r.status_code for r in refused] == [429, 429]
    assert 1 <= int(refused[0]["Retry-After"]) <= 3600
    body = refused[0].json()
    assert body["error"] == "rate_limited"
    [error] = body["errors"]
    assert "请求过于频繁" in error["message_zh"] and "3" in error["message_zh"]
    assert "too many requests" in error["message_en"]
    entry = AuditEntry.objects.get(action="api.rate_limited")  # one entry per window, not one per refusal
    assert (entry.object_id, entry.after["key_id"]) == (str(bw.base.pk), api.key_id)
    assert (entry.actor_role, entry.after["path"]) == ("base_admin", "/api/v1/bases/me")
    assert ApiCall.objects.filter(base=bw.base, status=429).count() == 1


def test_a_refused_write_does_no_work_and_can_be_sent_again_after_the_refill(
    bw: BaseWorld, api: Api, budget: int
) -> None:
    for _ in range(budget):
        assert api.call("GET", "/api/v1/bases/me").status_code == 200
    person = bw.world.people["emp_zhongyuan"]
    body = {"program": bw.classroom.pk, "person": person.certificate_number}
    nonces = ApiNonce.objects.count()
    refused = api.call("POST", "/api/v1/bases/enrolments", body, key="enrol-late", nonce="late-nonce-1")
    assert refused.status_code == 429
    assert not Enrolment.objects.filter(program=bw.classroom, person=person).exists()
    assert not IdempotentRequest.objects.filter(key="enrol-late").exists()
    assert ApiNonce.objects.count() == nonces  # the nonce was not spent
    cache.clear()  # the window ends: the budget refills
    again = api.call("POST", "/api/v1/bases/enrolments", body, key="enrol-late", nonce="late-nonce-1")
    assert again.status_code == 201
    assert Enrolment.objects.filter(program=bw.classroom, person=person).count() == 1


def test_the_budget_is_per_base_and_shared_by_its_keys(bw: BaseWorld, api: Api, budget: int) -> None:
    other = Api(*apiauth.issue_credential(bw.other_base, by=bw.other_admin))
    for _ in range(budget):
        assert api.call("GET", "/api/v1/bases/me").status_code == 200
    assert api.call("GET", "/api/v1/bases/me").status_code == 429
    assert [other.call("GET", "/api/v1/bases/me").status_code for _ in range(budget)] == [200] * budget
    assert other.call("GET", "/api/v1/bases/me").status_code == 429
    rotated = Api(*apiauth.issue_credential(bw.base, by=bw.admin))  # a second key of the same base
    assert rotated.call("GET", "/api/v1/bases/me").status_code == 429


def test_unsigned_or_forged_requests_do_not_spend_a_base_budget(bw: BaseWorld, api: Api, budget: int) -> None:
    for _ in range(budget + 2):
        assert api.call("GET", "/api/v1/bases/me", secret="not-the-secret").status_code == 401
    assert api.call("GET", "/api/v1/bases/me").status_code == 200
