"""The shape of the house, read from the import graph (grimp, the graph behind import-linter).

- ``core`` is the ground floor: nothing under ``cecert.core`` imports an app above it, not even for
  type annotations;
- the crediting engine imports no Django and no other app (its Django face — the app config, form,
  page and command — sits beside it);
- the demo world sits above every app and nothing imports it;
- no import loop runs through the accounts models, the jurisdiction filters and the organisation
  models, nor through certificate issuance and its sources, nor joins the pairs in ``UNTIED_PAIRS``.
  An import inside a function counts (it only hides the loop); one under ``if TYPE_CHECKING:`` does
  not (it never runs: annotations only).
"""

from __future__ import annotations

from functools import cache

import grimp
import pytest

CORE = "cecert.core"
DEMO = "cecert.demo"
# The apps above core (everything in the project except core itself and the project modules).
APPS = (
    "accounts",
    "api",
    "audit",
    "catalogs",
    "certificates",
    "crediting",
    "demo",
    "movein",
    "notifications",
    "organisations",
    "policies",
    "records",
    "regions",
    "reports",
    "review",
    "verification",
    "violations",
)
# The crediting engine; the rest of ``cecert.crediting`` is its Django face.
CREDITING_ENGINE = ("compliance", "decimals", "errors", "evaluation", "policies", "schemas", "service")


@cache
def graph(*, type_checking: bool = True) -> grimp.ImportGraph:
    """Every import under ``cecert``: module-level and inside functions; with ``type_checking`` also
    those under ``if TYPE_CHECKING:``. External packages appear as their top-level name."""
    return grimp.build_graph(
        "cecert", include_external_packages=True, exclude_type_checking_imports=not type_checking, cache_dir=None
    )


def _imports(module: str, *, type_checking: bool = True) -> set[str]:
    return set(graph(type_checking=type_checking).find_modules_directly_imported_by(module))


def _where(importer: str, imported: str) -> list[str]:
    details = graph().get_import_details(importer=importer, imported=imported)
    return [f"{d['importer']}:{d['line_number']} {d['line_contents']}" for d in details]


def _app_of(module: str) -> str:
    """``"cecert.records.domain.years"`` → ``"records"``; ``""`` outside the project."""
    parts = module.split(".")
    return parts[1] if parts[0] == "cecert" and len(parts) > 1 else ""


def _modules_of(package: str) -> list[str]:
    return sorted({package} | graph().find_descendants(package))


def test_every_app_is_in_the_graph() -> None:
    """A renamed or added app that this test does not know would slip through the checks below."""
    packages = {_app_of(m) for m in graph().modules if _app_of(m) and graph().find_children(f"cecert.{_app_of(m)}")}
    assert packages == set(APPS) | {"core"}


@pytest.mark.parametrize("module", _modules_of(CORE))
def test_core_imports_no_app_above_it(module: str) -> None:
    upward = sorted(imported for imported in _imports(module) if _app_of(imported) in APPS)
    assert not upward, [line for imported in upward for line in _where(module, imported)]


@pytest.mark.parametrize("module", [f"cecert.crediting.{name}" for name in CREDITING_ENGINE])
def test_the_crediting_engine_imports_no_django_and_no_other_app(module: str) -> None:
    outside = sorted(
        imported
        for imported in _imports(module)
        if imported == "django"
        or imported.startswith("django_")
        or (imported.startswith("cecert.") and not imported.startswith("cecert.crediting."))
    )
    assert not outside, [line for imported in outside for line in _where(module, imported)]


def test_nothing_imports_the_demo_world() -> None:
    importers = sorted(
        importer
        for module in _modules_of(DEMO)
        for importer in graph().find_modules_that_directly_import(module)
        if not importer.startswith(DEMO)
    )
    assert not importers


UNTIED = (
    "cecert.accounts.models",
    "cecert.accounts.jurisdiction",
    "cecert.organisations.models",
    "cecert.certificates.domain.issuance",
    "cecert.certificates.domain.sources",
)


@pytest.mark.parametrize("module", UNTIED)
def test_no_import_loop_runs_through(module: str) -> None:
    runtime = graph(type_checking=False)
    loops = [
        (module, *runtime.find_shortest_chain(imported, module))
        for imported in sorted(_imports(module, type_checking=False))
        if imported.startswith("cecert.") and runtime.chain_exists(imported, module)
    ]
    assert not loops


# Pairs that once imported each other (inside functions too) and were untied: the models label, bump or
# point at what they need from a lower module (``certificates.domain.reasons``, ``policies.domain.generation``,
# ``records.enums``) instead of from the module that imports them.
UNTIED_PAIRS = (
    ("cecert.certificates.models", "cecert.certificates.domain.verification"),
    ("cecert.catalogs.models", "cecert.records.models"),
    ("cecert.policies.domain.registry", "cecert.policies.models"),
)


@pytest.mark.parametrize(("first", "second"), UNTIED_PAIRS)
def test_no_import_loop_joins(first: str, second: str) -> None:
    runtime = graph(type_checking=False)
    there, back = runtime.find_shortest_chain(first, second), runtime.find_shortest_chain(second, first)
    assert there is None or back is None, (there, back)


def test_the_checks_see_imports_inside_functions_and_type_checking_blocks() -> None:
    """The graph is not blind to the imports that used to hide a dependency (so the checks above can fail)."""
    # ``cecert.accounts.models`` imports the ID-number cipher and certificate sources the records
    # inside functions only; the decorators import ``User`` for annotations only.
    assert "cecert.core.crypto" in _imports("cecert.accounts.models", type_checking=False)
    assert "cecert.records.domain.years" in _imports("cecert.certificates.domain.sources", type_checking=False)
    assert "cecert.accounts.models" in _imports("cecert.accounts.decorators")
    assert "cecert.accounts.models" not in _imports("cecert.accounts.decorators", type_checking=False)
