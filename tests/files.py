"""What the platform's file stores hold, read through the storage API (the same for a directory and a bucket)."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from django.core.files.storage import storages

from cecert.core.filestores import file_stores
from tests.s3_server import free_port, s3_environ


def stored_names(alias: str) -> list[str]:
    """Every file in the store ``alias`` (``settings.STORAGES``), sorted, readiness probes left out."""
    store = storages[alias]
    names: list[str] = []
    pending = [""]
    while pending:
        directory = pending.pop()
        try:
            directories, files = store.listdir(directory)
        except FileNotFoundError:  # a directory store nothing was ever written to
            continue
        names += [posixpath.join(directory, name) for name in files]
        pending += [posixpath.join(directory, name) for name in directories if name != "health"]
    return sorted(names)


def broken_stores(kind: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """``STORAGES`` entries of stores that cannot work (``kind`` "filesystem" or "s3"): under a path that
    is a file, or an S3 endpoint where nothing listens."""
    if kind == "filesystem":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("x")
        return file_stores({}, blocker)
    return file_stores(s3_environ(f"http://127.0.0.1:{free_port()}", "cecert-nowhere"), tmp_path)
