"""Redis for tests: the machine's server (a database number of its own) and throw-away servers a test
starts and stops itself (to see what happens while Redis is away)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import redis

# The machine's Redis; CECERT_TEST_REDIS_URL picks another database where several checkouts share it.
REDIS = os.environ.get("CECERT_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_up(url: str = REDIS) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def redis_cache(url: str, **options: Any) -> dict[str, Any]:
    """``settings.CACHES`` for Django's Redis backend at ``url``, with the time-outs of the settings."""
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **options}
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "OPTIONS": options}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A ``redis-server`` of the test's own on a free loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = tempfile.mkdtemp(prefix="cecert-redis-")
        self.process: subprocess.Popen[bytes] | None = None
        self.executable = executable

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 — our own fixed arguments
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_up(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def throwaway_redis() -> Iterator[Server]:
    server = Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
