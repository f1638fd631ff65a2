"""Background work of accounts: the look-up and sending behind a forgotten-password request."""

from __future__ import annotations

from django_tasks import task


@task()
def send_reset_code_task(username: str, channel: str) -> str:
    from cecert.accounts.domain.passwords import send_reset_code

    return send_reset_code(username, channel)
