"""Playwright against Debian's Chromium, driving the live test server.

The browser cannot be downloaded here, so we launch ``/usr/bin/chromium``
(override with ``CECERT_CHROMIUM``) headless without a sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CECERT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop; Django must allow ORM calls from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """On SQLite, the browser runs use a test database file instead of shared-cache memory.

    A page's htmx fragments arrive at the live server in parallel; in shared-cache memory a write
    in one (a missing requirement row created) fails the others at once with "database table is
    locked", where a file with WAL and a busy timeout (the project's SQLite settings) makes them wait.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("browser-db") / "test.sqlite3")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright driver for the session (its sync API allows only one at a time)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps`")
    with sync_playwright() as driver:
        yield driver


def launch(playwright: Any, *extra_args: str) -> Any:
    """Debian's Chromium, headless, with our flags (and ``extra_args``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args])


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    browser = launch(playwright)
    yield browser
    browser.close()


def csp_violations(page: Any) -> list[str]:
    """Collects what the browser reports as refused by the Content-Security-Policy (ADR 0015)."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = csp_violations(page)
    yield page
    context.close()
    assert not refused, f"the page broke the Content-Security-Policy: {refused}"


def login(page: Any, username: str, password: str, totp_secret: str | None = None) -> None:
    """Log in through the real login page (and the TOTP page for privileged users)."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit(page)
    if totp_secret:
        page.wait_for_url("**/accounts/2fa/**")
        page.fill("input[name=code]", next_code(username, totp_secret))
        submit(page)


def next_code(username: str, totp_secret: str) -> str:
    """The code the officer's authenticator shows that the server still accepts.

    A code is accepted once (ADR 0016): a test that logs the same officer in twice within one
    30-second step gets the next step's code, which the one-step tolerance accepts.
    """
    from cecert.accounts.domain.second_factor import authenticator, next_code
    from cecert.accounts.models import User

    device = authenticator(User.objects.get(username=username))
    assert device is not None and device.secret == totp_secret
    code = next_code(device)
    assert code is not None, "this step's and the next step's codes were both used"
    return code


def submit(page: Any, selector: str = "main button[type=submit]") -> None:
    """Click a submit button and wait for the navigation it causes (not just the current load)."""
    with page.expect_navigation():
        page.click(selector)


def logout(page: Any) -> None:
    submit(page, "header form button")


def enrolled_officer(user: Any) -> str:
    """Give a privileged test user a confirmed authenticator and recovery codes; returns the TOTP secret."""
    from cecert.accounts.domain.second_factor import enrol_device, issue_recovery_codes

    device = enrol_device(user, confirmed=True)
    issue_recovery_codes(user)  # else the first login shows new recovery codes before going on
    return device.secret
