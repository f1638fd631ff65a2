"""``cecert hours`` (the calculator) runs on a machine without the certificate font.

The font is needed to draw certificates, and the server still refuses to start without it
(``certificates.E001``); the calculator draws nothing. Both are run as the ``cecert`` console
script in a subprocess whose font lookup (``CECERT_CJK_FONT``) points at a file that does not exist,
against the test database (PostgreSQL by name; SQLite's in-memory one copied into a file).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

SRC = Path(__file__).resolve().parents[2] / "src"
CONFERENCE = {"type": "conference", "level": "provincial", "days": 2, "presented": True, "date": "2026-05-01"}


def database_url(tmp_path: Path) -> str:
    """A URL another process can open for the test database as it is now."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    assert connection.vendor == "sqlite"
    copy = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(copy) as target:
        connection.connection.backup(target)
    return f"sqlite:///{copy}"


def cecert(*args: str, tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "cecert.settings",
        "CECERT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url(tmp_path),
        "CECERT_CJK_FONT": str(tmp_path / "no-such-font.ttf"),
    }
    return subprocess.run(  # noqa: S603 - our own console script with arguments built here
        [sys.executable, "-m", "cecert.manage", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_the_calculator_runs_without_the_certificate_font(tmp_path: Path) -> None:
    refused = cecert("check", tmp_path=tmp_path)
    assert refused.returncode != 0 and "certificates.E001" in refused.stderr, refused.stderr  # the font is missing

    evaluated = cecert("hours", "evaluate", "-", tmp_path=tmp_path, stdin=json.dumps(CONFERENCE))
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout)
    assert (result["hours"], result["clause"]) == (12, "7(4)")

    invalid = cecert("hours", "evaluate", "-", tmp_path=tmp_path, stdin='{"type": "teleportation"}')
    assert invalid.returncode == 2, invalid.stderr  # input errors still exit 2, naming the field
    assert "type" in invalid.stderr
