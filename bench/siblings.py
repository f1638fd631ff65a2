"""One benchmark's script loaded from another: the benchmarks share their world builders this way.

Each benchmark runs as a script (``bench/`` is no package), so a script that needs another puts
``bench/`` on ``sys.path`` and imports ``load`` from here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent


def load(name: str) -> ModuleType:
    """``bench/<name>/run.py`` as a module of its own (``bench_<name>``)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / name / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
