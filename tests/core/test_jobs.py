"""The scheduled housekeeping jobs: the certified-sums check and pruning (core, accounts, catalogs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from cecert.accounts.models import PasswordResetCode
from cecert.accounts.tasks import prune_codes_task
from cecert.catalogs.models import ApiNonce, IdempotentRequest
from cecert.catalogs.tasks import prune_api_records_task
from cecert.core.jobs import prune_task
from cecert.records.tasks import check_certified_sums_task
from tests.certificates.factories import certified_record
from tests.factories import World


def test_the_sums_check_reports_a_difference(world: World, caplog: Any) -> None:
    certified_record(world.people["emp_jinshui"], hours=24)
    assert check_certified_sums_task.call() == {"consistent": True, "mismatches": []}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_certifiedyearsum SET public_tenths = public_tenths + 10")
    result = check_certified_sums_task.call()
    assert result["consistent"] is False
    assert result["mismatches"] == [[world.people["emp_jinshui"].pk, 2025]]
    assert "certified sums differ" in caplog.text


@pytest.mark.django_db
def test_prune_deletes_only_what_has_outlived_its_use(world: World, settings: Any) -> None:
    settings.CECERT_IDEMPOTENCY_KEEP_DAYS = 30
    now = timezone.now()
    live, dead = SessionStore(), SessionStore()
    live.create()
    dead.create()
    Session.objects.filter(session_key=dead.session_key).update(expire_date=now - dt.timedelta(seconds=1))
    ApiNonce.objects.create(key_id="k1", nonce="old-nonce-1", seen_at=now - dt.timedelta(hours=1))
    ApiNonce.objects.create(key_id="k1", nonce="new-nonce-1", seen_at=now)
    base = world.orgs["emp_jinshui"]  # any organisation serves as the row's owner here
    for key, age in (("old", 31), ("new", 29)):
        row = IdempotentRequest.objects.create(
            base=base, key=key, method="POST", path="/x", body_sha256="0" * 64, status=201, response={}
        )
        IdempotentRequest.objects.filter(pk=row.pk).update(created_at=now - dt.timedelta(days=age))
    user = world.users["person_jinshui"]
    for hours in (30, 1):
        PasswordResetCode.objects.create(
            user=user, channel="sms", digest="d", created_at=now, expires_at=now - dt.timedelta(hours=hours)
        )

    assert prune_task.call() == {}
    assert prune_api_records_task.call() == {"nonces": 1, "idempotency": 1}
    assert prune_codes_task.call() == {"codes": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert list(ApiNonce.objects.values_list("nonce", flat=True)) == ["new-nonce-1"]
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    assert PasswordResetCode.objects.count() == 1
