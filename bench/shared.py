"""What the benchmarks share: their PostgreSQL database made (or made again), its URL, and another
benchmark's script loaded as a module (the rush's world builder, the compliance data generator).

Each benchmark runs as a script (``bench/`` is no package), so a script puts ``bench/`` on
``sys.path`` and imports from here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from urllib.parse import urlparse, urlunparse

BENCH = Path(__file__).resolve().parent


def load(name: str) -> ModuleType:
    """``bench/<name>/run.py`` as a module of its own (``bench_<name>``)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / name / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def database_url(base: str, name: str) -> str:
    """``base`` (any database URL of the server) naming the database ``name`` instead."""
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def create_database(base: str, name: str, fresh: bool) -> None:
    """Create the database ``name`` on ``base``'s server if missing; with ``fresh``, drop it first."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
