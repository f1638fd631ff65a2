"""An S3 API for tests: moto's standalone server, a process of its own on a free loopback port.

The platform talks to it over HTTP exactly as to a production object store (django-storages, boto3),
so the tests see real requests, real status codes and real object listings — no mocked client.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ACCESS_KEY, SECRET_KEY, REGION = "cecert-test", "cecert-test-secret", "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        bucket = f"cecert-{uuid.uuid4().hex[:20]}"
        self.client().create_bucket(Bucket=bucket)
        return bucket

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def s3_environ(endpoint: str, bucket: str) -> dict[str, str]:
    """The platform's settings for an S3 store at ``endpoint`` (what deploy/cecert.env.example shows)."""
    return {
        "CECERT_FILE_STORE": "s3",
        "CECERT_S3_ENDPOINT_URL": endpoint,
        "CECERT_S3_BUCKET": bucket,
        "CECERT_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "CECERT_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "CECERT_S3_REGION": REGION,
        "CECERT_S3_ADDRESSING_STYLE": "path",
        "CECERT_S3_TIMEOUT": "2",
    }


@contextlib.contextmanager
def moto_server(log: Path | None = None) -> Iterator[S3Server]:
    """``moto_server`` on a free loopback port, until the block ends."""
    port = free_port()
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    server = S3Server(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.client().list_buckets()
                break
            except Exception:  # not listening yet
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on port {port}") from None
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            output.close()  # type: ignore[union-attr]
