"""Each role's main pages, at 390 px and 1280 px, pass axe-core's WCAG 2.0/2.1 A and AA rules (and its
best practices) with no serious or critical violation, and none scrolls sideways on the phone
(government sites: GB/T 37668-2019). The keyboard's first stop is a link past the navigation.

axe-core comes from the npm registry (``package.json``, a dev dependency) and is evaluated in the
page through the DevTools protocol, which the Content-Security-Policy's ``script-src 'self'`` does
not govern (a ``<script>`` tag with its text would be refused, and the ``page`` fixture fails on a
refusal). With ``CECERT_SHOTS_DIR`` set, every page is saved there at both widths to be looked at.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import enrolled_officer, login
from tests.catalogs.conftest import make_base
from tests.factories import PASSWORD, build_world
from tests.reports.factories import populate

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.js"
# WCAG 2.0 and 2.1, levels A and AA (what GB/T 37668-2019 asks of web content), and axe's best practices
# (landmarks, headings, empty table headers…): a serious or critical finding of either fails.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = {"serious", "critical"}
WIDTHS = (1280, 390)
SHOTS = os.environ.get("CECERT_SHOTS_DIR")

PUBLIC = ["/", "/verify/", "/hours/", "/accounts/login/", "/accounts/register/", "/organisations/register/"]
OFFICER = [
    "/accounts/dashboard/",
    "/review/queue/",
    "/people/",
    "/records/status/",
    "/reports/?year=2025",
    "/certificates/",
    "/organisations/employers/",
    "/notifications/",
]
HR = [*OFFICER, "/review/spot-checks/", "/violations/"]


@dataclass(frozen=True)
class Role:
    name: str  # the file-name prefix of its screenshots
    user: str | None  # a World user, "base" for the training base's admin, None for the public pages
    pages: tuple[str, ...]


ROLES = [
    Role("public", None, tuple(PUBLIC)),
    Role(
        "professional",
        "person_jinshui",
        ("/accounts/me/", "/records/", "/records/progress/", "/records/declare/", "/catalogs/me/", "/certificates/"),
    ),
    Role(
        "employer",
        "admin_emp_jinshui",
        (
            "/accounts/dashboard/",
            "/review/queue/",
            "/people/",
            "/records/status/",
            "/accounts/transfers/",
            "/catalogs/imports/",
        ),
    ),
    Role("hr-county", "hr_jinshui", ("/accounts/dashboard/", "/review/queue/", "/people/", "/reports/?year=2025")),
    Role("hr-city", "hr_zhengzhou", ("/accounts/dashboard/", "/review/queue/", "/people/", "/reports/?year=2025")),
    Role("hr-province", "hr_province", tuple(HR)),
    Role("industry", "health", tuple(OFFICER)),
    Role("base", "base", ("/catalogs/bases/", "/catalogs/imports/", "/catalogs/catalogs/")),
    Role("sysadmin", "sysadmin", ("/accounts/dashboard/", "/regions/issuing-codes/")),
    Role("auditor", "auditor", ("/accounts/dashboard/", "/audit/")),
]


def axe_findings(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG A/AA violations on the page as it is now: rule, impact, and the elements."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text("utf-8"))
    return list(
        page.evaluate(
            """async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                        resultTypes: ['violations']})).violations
                .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.html.slice(0, 160))}))""",
            AXE_TAGS,
        )
    )


def shot(page: Any, role: str, path: str, width: int) -> None:
    if SHOTS:
        slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{role}-{slug}-{width}.png"), full_page=True)


def check_pages(page: Any, role: str, paths: tuple[str, ...]) -> None:
    """Every page at both widths; fails once at the end listing every serious or critical violation."""
    problems: list[str] = []
    for path in paths:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(path, wait_until="networkidle")
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        assert page.evaluate("document.documentElement.lang") == "zh-CN", path
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for finding in axe_findings(page):
                line = f"{path} @{width}px {finding['impact']} {finding['rule']} ({finding['help']})"
                line += f": {finding['nodes']}"
                if finding["impact"] in FAILING:
                    problems.append(line)
                else:
                    print(line)  # moderate or minor: shown with -s, not failing
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                problems.append(f"{path} @{width}px: the page scrolls sideways (WCAG 1.4.10 reflow)")
            shot(page, role, path, width)
    assert not problems, "axe-core (WCAG 2 A/AA, best practices):\n" + "\n".join(problems)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_main_pages_have_no_serious_accessibility_violation(page: Any, transactional_db: None, role: Role) -> None:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm install` (make install does)")
    world = build_world()
    populate(world)
    if role.user == "base":
        base, user = make_base("河南专技培训基地", "410105", "a11y_base", world.users["hr_jinshui"])
        paths = (*role.pages, f"/catalogs/bases/{base.pk}/")
    else:
        user = world.users[role.user] if role.user else None
        paths = role.pages
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    if role.user == "person_jinshui":
        login(page, world.people["emp_jinshui"].id_number, PASSWORD)
    elif user is not None:
        login(page, user.username, PASSWORD, enrolled_officer(user))
    check_pages(page, role.name, paths)


def test_the_first_tab_stop_skips_to_the_page(page: Any, transactional_db: None) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/hours/")
    skip = page.locator("a.skip-link")
    assert not skip.is_visible() or (skip.bounding_box() or {"y": -1})["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["x"] >= 0, box  # now on screen
    assert skip.inner_text() == "跳到主要内容"
    page.keyboard.press("Enter")
    page.wait_for_url("**/hours/#main", timeout=5000)  # following a link is asynchronous, even to a fragment
    page.keyboard.press("Tab")  # the next stop lies inside the page's main content, past the header
    assert page.evaluate("document.activeElement.closest('main') !== null")
