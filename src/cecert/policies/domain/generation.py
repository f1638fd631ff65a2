"""The policy generation: a cache key that every save of a policy row bumps, so that each process
rebuilds its policy set (``registry``) instead of deciding by a stale one.

Apart from ``registry`` (which reads the policy rows) so that the models can bump it on save without
importing the registry, which imports the models.
"""

from __future__ import annotations

import threading
import uuid

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "cecert:policies:generation"
# This thread's policy set, with the generation it was built at (``registry``); dropped by a bump.
memo = threading.local()


def _set_generation() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:
        memo.built = None


def bump_generation() -> None:
    """Mark every process's cached policy set stale (now, and again once the transaction commits)."""
    memo.built = None
    _set_generation()
    transaction.on_commit(_set_generation)


def current_generation() -> str | None:
    """The current generation; ``None`` when the cache cannot be reached (then nothing is memoised)."""
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY)
    except Exception:
        return None
    return None if generation is None else str(generation)
