"""What the platform's file stores hold, read through the storage API (the same for a directory and a bucket)."""

from __future__ import annotations

import posixpath

from django.core.files.storage import storages


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
