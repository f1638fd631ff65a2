"""``cecert totp-code USERNAME``: the current TOTP code of a demo account (never in production)."""

from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.accounts.domain.second_factor import secret_of
from cecert.accounts.models import User


class Command(BaseCommand):
    help = "打印演示账户当前的动态验证码 / print a demo account's current TOTP code"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("生产环境不可用 / not available in production")
        user = User.objects.filter(username=options["username"]).first()
        if user is None or not user.totp_confirmed_at:
            raise CommandError("没有此账户或未绑定动态验证码 / no such account with a second factor")
        self.stdout.write(pyotp.TOTP(secret_of(user)).now())
