"""Project-wide test fixtures: fast hashing, immediate tasks, and a small world with every role."""

from __future__ import annotations

import pytest

from cecert.core.filestores import file_stores
from tests.factories import World, build_world


@pytest.fixture(autouse=True)
def _fast_settings(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.PASSWORD_HASHERS = ["cecert.accounts.hashers.FastTestPasswordHasher"]  # type: ignore[attr-defined]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # type: ignore[attr-defined]
    # Each test its own (not yet created) audit anchor directory, never the developer's var/.
    settings.CECERT_AUDIT_ANCHOR_DIR = str(tmp_path_factory.mktemp("anchor") / "audit-anchors")  # type: ignore[attr-defined]
    # Each test its own file stores (proofs, imports, certificate cache) in directories of its own.
    stores = file_stores({}, tmp_path_factory.mktemp("var"))
    settings.STORAGES = {**settings.STORAGES, **stores}  # type: ignore[attr-defined]
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _master_data_after_flush(request: pytest.FixtureRequest) -> None:
    """Regions and industries come from data migrations, and a transactional test's flush removes them:
    put them back so transactional tests (browser, concurrency) do not depend on their order."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import json
    from importlib import resources

    from cecert.organisations.models import Industry
    from cecert.regions.loading import load_regions
    from cecert.regions.models import Region

    if not Region.objects.exists():
        load_regions(Region)
    from cecert.policies.domain.seeding import seed_policies
    from cecert.policies.models import CreditingPolicy

    if not CreditingPolicy.objects.exists():
        seed_policies(CreditingPolicy, Region, Industry)
    data = resources.files("cecert.organisations").joinpath("data/industries.json").read_text("utf-8")
    for item in json.loads(data):
        Industry.objects.update_or_create(code=item["code"], defaults={"name": item["name"]})
