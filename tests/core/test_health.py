"""Liveness and readiness: each dependency that fails takes the instance out of service, by name."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cecert.core.files import FILE_STORES, PROOFS
from cecert.core.filestores import file_stores


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_liveness_touches_no_database(client: Client, db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0
    assert "no-cache" in response["Cache-Control"]


def test_ready_when_every_dependency_answers(client: Client, db: None) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {
        "database",
        "cache",
        "storage:proofs",
        "storage:imports",
        "storage:certificates",
        "task_queue",
    }
    assert body["checks"]["task_queue"]["lag_seconds"] == 0
    for alias in FILE_STORES:
        assert storages[alias].listdir("health")[1] == []  # the storage probe cleans up after itself


def test_unreachable_redis_makes_the_instance_not_ready(client: Client, db: None, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_one_unwritable_store_makes_the_instance_not_ready(
    client: Client, db: None, settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file-not-a-directory"
    blocker.write_text("x")
    settings.STORAGES = {**settings.STORAGES, PROOFS: file_stores({}, blocker)[PROOFS]}
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert {name for name, check in checks.items() if not check["ok"]} == {"storage:proofs"}
    assert checks["storage:proofs"]["error"] == "NotADirectoryError"


def test_queue_lag_is_reported_but_does_not_take_the_instance_out(client: Client, db: None, settings: Any) -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.CECERT_QUEUE_LAG_WARN = 300
    waiting_since = timezone.now() - timedelta(minutes=20)
    DBTaskResult.objects.create(
        status=TaskResultStatus.READY,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="cecert.certificates.tasks.issue_batch",
        backend_name="default",
        run_after=waiting_since,
    )
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["task_queue"]["lagging"] is True
    assert body["checks"]["task_queue"]["lag_seconds"] == pytest.approx(1200, abs=30)
