"""scripts/system-deps.sh: running needs only the certificate font, the tests also Chromium, poppler and
nginx; a busy or failing apt-get, or no root, ends in a message naming the packages to install by hand.

The script runs for real under /bin/sh with a PATH holding only fakes of the two system programs it
calls (``apt-get``, ``id``) and our Python, so nothing is installed and the machine's own packages
cannot hide a missing one (chromium, pdfsig and nginx are not on that PATH).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-deps.sh"
FONT = "fonts-wqy-microhei"
LOCKED = (
    "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)\n"
    "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n"
)
BROKEN = "E: Unable to locate package chromium\n"


@dataclass
class Run:
    returncode: int
    stderr: str
    apt_calls: list[str]


def run_script(tmp_path: Path, purpose: str, *, uid: int = 0, apt_says: str = "", font: Path | None = None) -> Run:
    """Run the script; the fake apt-get logs its arguments and, given ``apt_says``, prints it and fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "apt-calls"
    fakes = {
        "apt-get": f'echo "$*" >> {calls}\n'
        + (f"printf '%s' {shlex.quote(apt_says)} >&2; exit 100\n" if apt_says else "exit 0\n"),
        "id": f'[ "$1" = -u ] && echo {uid}\n',
    }
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}")
        (bin_dir / name).chmod(0o755)
    env = {
        "PATH": str(bin_dir),
        "PYTHON": sys.executable,
        "CECERT_CJK_FONT": str(font or tmp_path / "no-such-font.ttf"),
    }
    completed = subprocess.run(  # noqa: S603 - our own script under /bin/sh
        ["/bin/sh", str(SCRIPT), purpose], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return Run(completed.returncode, completed.stderr, calls.read_text().splitlines() if calls.exists() else [])


def installed(run: Run) -> set[str]:
    """The packages the script asked apt-get to install."""
    (install,) = [call for call in run.apt_calls if call.startswith("install")]
    return {word for word in install.split() if not word.startswith("-") and word != "install"}


def test_running_installs_only_the_font(tmp_path: Path) -> None:
    run = run_script(tmp_path, "run")
    assert run.returncode == 0, run.stderr
    assert run.apt_calls[0].startswith("update")
    assert installed(run) == {FONT}


def test_tests_install_the_browser_pdf_tools_and_the_font(tmp_path: Path) -> None:
    run = run_script(tmp_path, "test")
    assert run.returncode == 0, run.stderr
    expected = {FONT, "chromium", "poppler-utils"}
    if not Path("/usr/sbin/nginx").exists():  # the script also looks there (not on a non-root PATH)
        expected.add("nginx-light")
    assert installed(run) == expected


def test_nothing_missing_calls_no_package_manager(tmp_path: Path) -> None:
    font = tmp_path / "font.ttf"
    font.write_bytes(b"\0\1\0\0")
    run = run_script(tmp_path, "run", uid=1000, font=font)
    assert (run.returncode, run.apt_calls, run.stderr) == (0, [], "")


@pytest.mark.parametrize(
    ("apt_says", "reason"),
    [(LOCKED, "the system package manager is busy"), (BROKEN, "apt-get could not install")],
    ids=["busy", "failing"],
)
def test_a_busy_or_failing_apt_names_what_to_install_by_hand(tmp_path: Path, apt_says: str, reason: str) -> None:
    run = run_script(tmp_path, "test", apt_says=apt_says)
    assert run.returncode == 1
    assert reason in run.stderr
    assert "sudo apt-get install fonts-wqy-microhei chromium poppler-utils" in run.stderr
    if apt_says == BROKEN:
        assert "Unable to locate package chromium" in run.stderr  # apt's own words, for the reader
    else:
        assert "正忙" in run.stderr


def test_without_root_nothing_is_tried_and_the_packages_are_named(tmp_path: Path) -> None:
    run = run_script(tmp_path, "run", uid=1000)
    assert run.returncode == 1
    assert run.apt_calls == []
    assert f"install by hand: sudo apt-get install {FONT}" in run.stderr
    assert "chromium" not in run.stderr


def test_an_unknown_purpose_is_refused(tmp_path: Path) -> None:
    run = run_script(tmp_path, "everything")
    assert run.returncode == 2
    assert "usage" in run.stderr
    assert run.apt_calls == []
