"""The production shape on loopback: Debian's nginx with TLS in front of gunicorn instances.

These tests start real processes against the test database, so they need a database other
processes can reach (PostgreSQL) and run apart from the unit suite: `make test-deploy`.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import playwright  # noqa: F401 - the one Playwright driver, shared with the browser tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/deploy/" in str(item.fspath):
            item.add_marker(pytest.mark.deploy)
            item.add_marker(pytest.mark.django_db(transaction=True))
