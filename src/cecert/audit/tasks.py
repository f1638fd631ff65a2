"""The periodic checkpoint of the audit chain's head (ADR 0017), enqueued by ``cecert scheduler``."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def checkpoint_task() -> dict[str, Any]:
    """Sign the chain head into the anchor directory."""
    from cecert.audit.anchoring import make_checkpoint

    made = make_checkpoint()
    return {"checkpoint": made.number if made is not None else None}
