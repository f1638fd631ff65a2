"""``cecert totp-code USERNAME``: the TOTP code a demo account's authenticator would show (never in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.accounts.domain.second_factor import authenticator, next_code
from cecert.accounts.models import User


class Command(BaseCommand):
    help = "打印演示账户当前的动态验证码 / print a demo account's current TOTP code"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("生产环境不可用 / not available in production")
        user = User.objects.filter(username=options["username"]).first()
        device = authenticator(user) if user is not None else None
        if device is None:
            raise CommandError("没有此账户或未绑定动态验证码 / no such account with a second factor")
        code = next_code(device)
        if code is None:  # this step's and the next step's codes were both used already
            raise CommandError("本时段验证码已使用，请30秒后再试 / this period's code was used; try again in 30 s")
        self.stdout.write(code)
