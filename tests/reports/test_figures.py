"""Every dashboard figure equals the sum computed independently from the records, for every officer's scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cecert.accounts.models import Person
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.reports.domain import queries
from cecert.reports.domain.scope import report_scope
from cecert.reports.tables import FIGURE_HEADERS, figure_cells
from tests.factories import VISIBLE_PEOPLE, World, logged_in
from tests.reports.conftest import expected_figures, expected_people, people_of_employers, read_xlsx
from tests.reports.factories import record_row

OFFICERS = sorted(k for k in VISIBLE_PEOPLE if k.startswith(("hr_", "admin_")) or k in ("health", "education"))


def _area_key(person: Person, node_path: str, has_children: bool) -> str:
    path = person.employer.jurisdiction_path
    if not has_children:
        return str(person.employer_id)
    if path == node_path:
        return "direct"
    return path[len(node_path) : len(node_path) + 6]


@pytest.mark.parametrize("user_key", OFFICERS)
@pytest.mark.parametrize("year", [2024, 2025])
def test_dashboard_figures_equal_independent_sums(populated: World, user_key: str, year: int) -> None:
    world = populated
    scope = report_scope(world.users[user_key])
    dash = queries.dashboard(scope, year)
    ids = people_of_employers(world, VISIBLE_PEOPLE[user_key])
    people = expected_people(ids, year)
    assert dash.total == expected_figures(people, ids)
    assert dash.total.people == len(ids)
    # by area (child regions, directly attached units, or employers)
    node = scope.node
    persons = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("employer")}
    if node.kind == "region":
        assert node.region is not None
        has_children = node.region.children.exists()
        path = node.region.path
    else:
        has_children, path = False, ""
    shown = {row.key: row.figures for row in dash.by_area if row.figures.people}
    groups: dict[str, set[int]] = {}
    for pid, person in persons.items():
        groups.setdefault(_area_key(person, path, has_children), set()).add(pid)
    assert shown == {key: expected_figures(people, members) for key, members in groups.items()}
    # by industry
    by_industry: dict[str, set[int]] = {}
    for pid, person in persons.items():
        by_industry.setdefault(str(person.employer.industry_id), set()).add(pid)
    assert {r.key: r.figures for r in dash.by_industry} == {
        k: expected_figures(people, members) for k, members in by_industry.items()
    }


def test_drill_down_nodes_add_up(populated: World) -> None:
    world = populated
    user = world.users["hr_province"]
    province = queries.dashboard(report_scope(user), 2025)
    by_key = {r.key: r.figures for r in province.by_area}
    zhengzhou = queries.dashboard(report_scope(user, region="410100"), 2025)
    assert zhengzhou.total == by_key["410100"]
    assert queries.dashboard(report_scope(user, region="410000", direct=True), 2025).total == by_key["direct"]
    # Province-administered county 巩义 hangs under the province, not under 郑州.
    assert by_key["410181"].people == len(people_of_employers(world, ["emp_gongyi"]))
    assert "410181" not in {r.key for r in zhengzhou.by_area if r.figures.people}
    jinshui = queries.dashboard(report_scope(user, region="410105"), 2025)
    employer = queries.dashboard(report_scope(user, employer=str(world.orgs["emp_jinshui"].pk)), 2025)
    assert (
        jinshui.total
        == employer.total
        == expected_figures(expected_people(ids := people_of_employers(world, ["emp_jinshui"]), 2025), ids)
    )
    # provincial-direct units located in 金水 are not 金水's
    assert [r.label for r in jinshui.by_area if r.figures.people] == ["金水医院"]


def test_only_certified_hours_count_and_shortfalls_match(populated: World) -> None:
    world = populated
    scope = report_scope(world.users["hr_province"])
    rows = list(queries.shortfall_people(scope.people, 2025, ensure=True))
    ids = people_of_employers(world, VISIBLE_PEOPLE["hr_province"])
    people = expected_people(ids, 2025)
    assert {r["pk"] for r in rows} == {pid for pid, p in people.items() if not p["met"]}
    assert [r["shortfall_total"] for r in rows] == sorted((r["shortfall_total"] for r in rows), reverse=True)
    for r in rows:
        assert Decimal(r["earned_total"]) == people[r["pk"]]["total"]
        assert Decimal(r["shortfall_total"]) == people[r["pk"]]["shortfall_total"]
    # a pending record, once certified, moves the figures
    before = queries.dashboard(scope, 2025).total
    pending = queries.backlog_records(scope.people).filter(state=RecordState.EMPLOYER_APPROVED).first()
    assert pending is not None
    type(pending).objects.filter(pk=pending.pk).update(state=RecordState.CERTIFIED)
    after = queries.dashboard(scope, 2025).total
    assert after.earned_total + after.earned_credits == before.earned_total + before.earned_credits + pending.amount


def test_trend_matches_each_year(populated: World) -> None:
    world = populated
    scope = report_scope(world.users["hr_zhengzhou"])
    rows = queries.trend(scope, [2024, 2025])
    ids = people_of_employers(world, VISIBLE_PEOPLE["hr_zhengzhou"])
    assert [r.figures for r in rows] == [expected_figures(expected_people(ids, y), ids) for y in (2024, 2025)]


def test_backlog_counts_waiting_records_by_state_and_age(populated: World) -> None:
    world = populated
    scope = report_scope(world.users["hr_luoyang"])
    ids = people_of_employers(world, ["emp_luoyang"])
    summary = {r.state: r for r in queries.backlog_summary(scope.people)}
    for state in (RecordState.SUBMITTED, RecordState.EMPLOYER_APPROVED):
        waiting = [r for r in Record.objects.all() if r.person_id in ids and r.state == state]
        assert summary[state].count == len(waiting)
        assert summary[state].oldest == min(r.state_changed_at for r in waiting)
        assert sum(summary[state].buckets) == len(waiting)
    assert summary[RecordState.SUBMITTED].buckets == (0, 0, summary[RecordState.SUBMITTED].count, 0)  # 40 days
    assert summary[RecordState.EMPLOYER_APPROVED].buckets == (summary[RecordState.EMPLOYER_APPROVED].count, 0, 0, 0)
    listed = list(queries.backlog_records(scope.people))
    assert [r.state_changed_at for r in listed] == sorted(r.state_changed_at for r in listed)
    assert {r.person_id for r in listed} <= ids


def test_area_export_equals_dashboard_table(populated: World) -> None:
    world = populated
    user = world.users["hr_province"]
    response = logged_in(user).get("/reports/export/area/?year=2025")
    assert response.status_code == 200
    rows = read_xlsx(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert rows[1] == ["地区", *FIGURE_HEADERS]
    dash = queries.dashboard(report_scope(user), 2025)
    total = [None if c is None else (float(c) if isinstance(c, Decimal) else c) for c in figure_cells(dash.total)]
    assert rows[-1][0] == "合计"
    assert [None if c is None else (float(c) if not isinstance(c, int) else c) for c in rows[-1][1:]] == total


def test_credit_people_are_counted_apart_from_hours(populated: World) -> None:
    world = populated
    person = world.people["emp_zhongyuan"]
    record_row(person, 2023, "public", 30)
    scope = report_scope(world.users["education"])
    dash = queries.dashboard(scope, 2023)
    assert dash.total.hour_people == dash.total.people
    assert dash.total.earned_total == Decimal(30)
