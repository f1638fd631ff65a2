"""``cecert --help`` opens with the project's own commands, each with a Chinese and English line."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from cecert import manage

OURS = ("audit", "certificates", "demo", "hours", "import", "keys", "policies", "scheduler", "totp-code", "years")


def _help(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["cecert", *args])
    manage.main()
    return capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--help", "help", "-h"])
def test_help_lists_our_commands_first(monkeypatch: pytest.MonkeyPatch, capsys: Any, flag: str) -> None:
    text = _help(monkeypatch, capsys, flag)
    ours, _, django_part = text.partition("Django 及其他组件的命令")
    assert "本平台命令 / cecert commands:" in ours and "[django]" in django_part and "migrate" in django_part
    listed = {line.split()[0]: line for line in ours.splitlines() if line.startswith("    ")}
    assert set(OURS) <= set(listed)
    for name in OURS:
        line = listed[name]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in line), line  # Chinese
        assert " / " in line and any(ch.isascii() and ch.isalpha() for ch in line.split(" / ", 1)[1]), line
    assert "migrate" not in listed  # Django's own stay in their section


def test_the_command_list_only_is_unchanged(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    text = _help(monkeypatch, capsys, "help", "--commands")
    assert "本平台命令" not in text and "certificates" in text.split() and "migrate" in text.split()


def test_project_commands_are_the_cecert_apps_ones() -> None:
    names = [name for name, _ in manage.project_commands()]
    assert names == sorted(names) and set(OURS) <= set(names) and "runserver" not in names
