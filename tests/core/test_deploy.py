"""``cecert check --deploy`` is clean under the production settings that docs/deployment.md documents.

The environment is read from the guide's own "Environment" block (so the test follows the guide),
the elided secrets filled with fresh random values; the checks run in a fresh process because the
settings are read from the environment when they are imported.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deployment.md"
SETTINGS = {"DJANGO_SETTINGS_MODULE": "cecert.settings"}


def documented_environment() -> dict[str, str]:
    block = GUIDE.read_text("utf-8").split("## Environment", 1)[1].split("\n## ", 1)[0]
    env: dict[str, str] = {}
    for line in block.splitlines():
        if not line.startswith("    "):
            continue
        for name, value in re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", line.split("#", 1)[0]):
            env[name] = secrets.token_urlsafe(48) if value == "…" else value
    return env


def run(env: dict[str, str], *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [sys.executable, *args],
        env={**keep, **env, "CECERT_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT / "src"), **SETTINGS},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    env = documented_environment()
    assert env["CECERT_ENV"] == "production"
    assert {"SECRET_KEY", "CECERT_TRUSTED_PROXIES", "CECERT_ALLOWED_HOSTS"} <= env.keys()
    return env, tmp_path_factory.mktemp("var")


def test_deploy_checks_are_clean(production: tuple[dict[str, str], Path]) -> None:
    env, var = production
    done = run(env, "-m", "cecert.manage", "check", "--deploy", "--fail-level", "DEBUG", tmp_path=var)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_production_settings_send_hsts_and_believe_only_the_proxies(production: tuple[dict[str, str], Path]) -> None:
    env, var = production
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "'redirect': s.SECURE_SSL_REDIRECT, 'proxy_header': s.SECURE_PROXY_SSL_HEADER,"
        "'proxies': s.CECERT_TRUSTED_PROXIES, 'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],"
        "'first': s.MIDDLEWARE[0], 'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src']}))"
    )
    done = run(env, "-c", script, tmp_path=var)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["debug"] is False
    assert seen["hsts"] >= 365 * 24 * 3600 and seen["sub"] is True
    assert seen["redirect"] is True and seen["cookies"] == [True, True]
    assert seen["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["proxies"] == ["10.20.0.0/24"]
    assert seen["first"] == "cecert.core.network.TrustedProxyMiddleware"
    assert seen["csp"] == ["'self'"]
