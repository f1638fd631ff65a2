"""``cecert.core.bulk``: COPY on PostgreSQL, bulk_create elsewhere, with the same results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cecert.accounts.models import User
from cecert.core.bulk import insert_rows, insert_rows_returning_ids
from cecert.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_returned_ids_name_the_rows_in_order_and_the_sequence_stays_ahead() -> None:
    user = User.objects.create_user("bulk_user", "Bulk@2026pass")
    now = timezone.now()
    rows = [(user.pk, f"消息{n}", "", None, now, None) for n in range(5)]
    columns = ("user_id", "message", "url", "record_id", "created_at", "read_at")

    ids = insert_rows_returning_ids(Notification, columns, rows)

    assert len(set(ids)) == 5
    assert [Notification.objects.get(pk=pk).message for pk in ids] == [f"消息{n}" for n in range(5)]
    later = Notification.objects.create(user=user, message="之后")
    assert later.pk not in ids


def test_insert_rows_writes_every_column_given() -> None:
    user = User.objects.create_user("bulk_user2", "Bulk@2026pass")
    at = timezone.make_aware(dt.datetime(2026, 1, 2, 3, 4, 5))
    columns = ("user_id", "message", "url", "created_at", "read_at")
    insert_rows(Notification, columns, [(user.pk, "一", "/x", at, at), (user.pk, "二", "", at, None)])

    stored = Notification.objects.filter(user=user).order_by("pk")
    # auto_now_add does not overwrite the given time, on either database
    assert [(n.message, n.url, n.created_at, n.read_at) for n in stored] == [("一", "/x", at, at), ("二", "", at, None)]


def test_no_rows_no_statement(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(0):
        assert insert_rows_returning_ids(Notification, ("user_id",), []) == []


@pytest.mark.django_db(transaction=True)
def test_returned_ids_are_right_in_autocommit_too() -> None:
    user = User.objects.create_user("bulk_user3", "Bulk@2026pass")
    now = timezone.now()
    columns = ("user_id", "message", "url", "record_id", "created_at", "read_at")
    ids = insert_rows_returning_ids(Notification, columns, [(user.pk, f"条{n}", "", None, now, None) for n in range(3)])
    assert [Notification.objects.get(pk=pk).message for pk in ids] == ["条0", "条1", "条2"]
