"""The demo world's officers log in with the TOTP secret it prints (ADR 0016)."""

from __future__ import annotations

import pytest
from django.test import Client

from cecert.demo.world import DEMO_PASSWORD, build_demo_world
from tests.accounts.test_second_factor import code_at


@pytest.mark.django_db
def test_a_demo_officer_logs_in_with_the_printed_secret() -> None:
    world = build_demo_world(people=3)
    login = next(entry for entry in world.logins if entry.username == "hr_zhengzhou")
    assert len(login.totp_secret) == 32
    client = Client()
    client.post("/accounts/login/", {"username": login.username, "password": DEMO_PASSWORD})
    response = client.post("/accounts/2fa/verify/", {"code": code_at(login.totp_secret)})
    assert response.url == "/accounts/dashboard/"
    assert client.get("/accounts/dashboard/").status_code == 200
    again = build_demo_world(people=3)  # run twice: the same secret is printed again
    assert next(e for e in again.logins if e.username == "hr_zhengzhou").totp_secret == login.totp_secret
