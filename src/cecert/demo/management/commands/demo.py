"""``cecert demo``: load the demo world and print one login per role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.demo.world import DEMO_PASSWORD, build_demo_world


class Command(BaseCommand):
    help = "加载演示数据并打印各角色登录账号 / load demo data and print demo logins"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("生产环境不能加载演示数据 / no demo data in production")
        world = build_demo_world(people=options["people"])
        self.stdout.write(f"\n演示数据已就绪：{world.people} 名专业技术人员。所有演示账户密码：{DEMO_PASSWORD}")
        self.stdout.write("经办人员和管理员需动态验证码：用下列密钥绑定验证器，或运行 `cecert totp-code 登录名`。\n")
        self.stdout.write(f"{'角色':<18}{'登录名':<22}{'TOTP 密钥':<36}机构")
        for login in world.logins:
            self.stdout.write(f"{login.role:<20}{login.username:<24}{login.totp_secret:<36}{login.organisation}")
        if world.certificate_serial:
            self.stdout.write(f"\n演示证书（2025年度）：{world.certificate_serial}，可在 /verify/ 查验")
        self.stdout.write("\n打开 http://127.0.0.1:8000\n")
