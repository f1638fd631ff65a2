"""Background work of accounts: the look-up and sending behind a forgotten-password request."""

from __future__ import annotations

from django_tasks import task


@task()
def send_reset_code_task(username: str, channel: str) -> str:
    from cecert.accounts.domain.passwords import send_reset_code

    return send_reset_code(username, channel)


@task()
def prune_codes_task() -> dict[str, int]:
    """One-time codes (password reset, contact verification) a day after they expired."""
    import datetime as dt

    from django.utils import timezone

    from cecert.accounts.models import PasswordResetCode

    codes, _ = PasswordResetCode.objects.filter(expires_at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    return {"codes": codes}
