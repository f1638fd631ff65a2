"""The ``cecert`` console script: the project's manage.py, with our own commands listed first in ``--help``."""

from __future__ import annotations

import os
import sys

from django.core.management import ManagementUtility, get_commands, load_command_class

PROJECT_PACKAGE = "cecert"


def project_commands() -> list[tuple[str, str]]:
    """``(name, one-line description)`` of every command the project's own apps define, sorted by name.

    The description is the first line of the command's ``help`` (Chinese, then English).
    """
    found = []
    for name, app in get_commands().items():
        if app == PROJECT_PACKAGE or app.startswith(f"{PROJECT_PACKAGE}."):
            text = (load_command_class(app, name).help or "").strip().splitlines()
            found.append((name, text[0] if text else ""))
    return sorted(found)


class CecertUtility(ManagementUtility):
    """Django's command-line utility whose main help opens with the project's commands."""

    def main_help_text(self, commands_only: bool = False) -> str:
        django_text = super().main_help_text(commands_only)
        if commands_only or self.settings_exception is not None:
            return django_text
        ours = project_commands()
        width = max((len(name) for name, _ in ours), default=0)
        lines = [
            "",
            "cecert — 河南省专业技术人员继续教育证书管理平台 / Henan continuing-education certificates",
            "",
            "本平台命令 / cecert commands:",
            *(f"    {name.ljust(width)}  {text}" for name, text in ours),
            "",
            "Django 及其他组件的命令 / Django's and other components' commands:",
        ]
        return "\n".join(lines) + django_text


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cecert.settings")
    CecertUtility(sys.argv).execute()


if __name__ == "__main__":
    main()
