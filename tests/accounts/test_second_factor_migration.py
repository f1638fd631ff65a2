"""Migrations 0002/0003: existing TOTP secrets become django-otp devices, and back (ADR 0016)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cecert.core.crypto import encrypt_text
from tests.accounts.test_second_factor import SECRET

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0003_remove_hand_rolled_second_factor")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_secrets_move_into_devices_and_back() -> None:
    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        User = old.get_model("accounts", "User")
        sealed = encrypt_text(SECRET)
        confirmed = User.objects.create(
            username="migrated_hr", display_name="经办人", password="!", totp_secret=sealed,
            totp_confirmed_at=timezone.now(),
        )  # fmt: skip
        half = User.objects.create(username="half_enrolled", display_name="未完成", password="!", totp_secret=sealed)
        User.objects.create(username="no_second_factor", display_name="无", password="!")

        executor = migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Device = new.get_model("accounts", "AuthenticatorDevice")
        rows = {d.user_id: d for d in Device.objects.all()}
        assert set(rows) == {confirmed.pk, half.pk}
        assert rows[confirmed.pk].confirmed and not rows[half.pk].confirmed
        assert rows[confirmed.pk].key_encrypted == sealed  # the same sealed secret: the phone keeps working
        assert rows[confirmed.pk].last_t == -1 and rows[confirmed.pk].throttling_failure_count == 0

        executor = migrate(BEFORE)
        back = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
        restored = back.objects.get(pk=confirmed.pk)
        assert restored.totp_secret == sealed and restored.totp_confirmed_at is not None
        assert back.objects.get(pk=half.pk).totp_confirmed_at is None
        assert back.objects.get(username="no_second_factor").totp_secret == ""
    finally:
        migrate(executor.loader.graph.leaf_nodes())
