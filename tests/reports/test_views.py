"""Report pages, exports and API: inside the jurisdiction 200, outside 404; exports hold nothing from outside."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from cecert.accounts.models import Person
from cecert.audit.models import AuditEntry
from cecert.reports.domain import queries
from cecert.reports.domain.scope import report_scope
from tests.factories import VISIBLE_PEOPLE, World, logged_in
from tests.reports.conftest import people_of_employers, read_xlsx

ALL_PEOPLE = ["emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"]
OFFICERS = sorted(k for k in VISIBLE_PEOPLE if k.startswith(("hr_", "admin_")) or k in ("health", "education"))
NOT_OFFICERS = ["sysadmin", "auditor", "person_jinshui"]
PAGES = [
    "/reports/",
    "/reports/trend/",
    "/reports/top-shortfall/",
    "/reports/backlog-overview/",
    "/reports/shortfall/",
    "/reports/backlog/",
    "/reports/check/",
    "/reports/export/area/",
    "/reports/export/industry/",
    "/reports/export/subject/",
    "/reports/export/trend/",
    "/reports/export/shortfall/",
    "/reports/export/backlog/",
    "/reports/export/backlog_records/",
]
# Regions an officer may open (drill-down nodes); anything else answers 404.
REGIONS = {"410000": "河南省", "410100": "郑州市", "410105": "金水区", "410300": "洛阳市", "410181": "巩义市"}
ALLOWED_REGIONS: dict[str, set[str]] = {
    "hr_province": set(REGIONS),
    "hr_zhengzhou": {"410100", "410105"},
    "hr_jinshui": {"410105"},
    "hr_luoyang": {"410300"},
    "hr_gongyi": {"410181"},
    "health": set(REGIONS),
    "education": set(REGIONS),
}


@pytest.mark.parametrize("user_key", NOT_OFFICERS)
@pytest.mark.parametrize("url", PAGES)
def test_pages_refuse_non_officers_with_404(world: World, user_key: str, url: str) -> None:
    assert logged_in(world.users[user_key]).get(url).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(world: World, url: str) -> None:
    assert Client().get(url).status_code == 302


@pytest.mark.parametrize("user_key", OFFICERS)
@pytest.mark.parametrize("url", PAGES)
def test_pages_open_for_officers(populated: World, user_key: str, url: str) -> None:
    response = logged_in(populated.users[user_key]).get(url + "?year=2025")
    assert response.status_code == 200


@pytest.mark.parametrize("user_key", OFFICERS)
@pytest.mark.parametrize("person_key", ALL_PEOPLE)
def test_person_history_inside_200_outside_404(world: World, user_key: str, person_key: str) -> None:
    client = logged_in(world.users[user_key])
    pk = world.people[person_key].pk
    expected = 200 if person_key in VISIBLE_PEOPLE[user_key] else 404
    assert client.get(f"/reports/people/{pk}/").status_code == expected
    assert client.get(f"/reports/people/{pk}/export/").status_code == expected
    assert client.get(f"/api/v1/reports/people/{pk}/history").status_code == expected


@pytest.mark.parametrize("user_key", NOT_OFFICERS)
def test_person_history_refuses_non_officers(world: World, user_key: str) -> None:
    client = logged_in(world.users[user_key])
    pk = world.people["emp_jinshui"].pk
    assert client.get(f"/reports/people/{pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/people/{pk}/history").status_code == 404
    assert client.get("/api/v1/reports/summary?year=2025").status_code == 404


@pytest.mark.parametrize("user_key", OFFICERS)
@pytest.mark.parametrize("employer_key", ALL_PEOPLE)
def test_employer_node_inside_200_outside_404(world: World, user_key: str, employer_key: str) -> None:
    client = logged_in(world.users[user_key])
    pk = world.orgs[employer_key].pk
    expected = 200 if employer_key in VISIBLE_PEOPLE[user_key] else 404
    for url in (
        f"/reports/?employer={pk}",
        f"/reports/shortfall/?employer={pk}",
        f"/reports/export/shortfall/?employer={pk}",
        f"/api/v1/reports/summary?year=2025&employer={pk}",
    ):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("user_key", sorted(ALLOWED_REGIONS))
@pytest.mark.parametrize("region", sorted(REGIONS))
def test_region_node_inside_200_outside_404(world: World, user_key: str, region: str) -> None:
    client = logged_in(world.users[user_key])
    expected = 200 if region in ALLOWED_REGIONS[user_key] else 404
    for url in (
        f"/reports/?region={region}",
        f"/reports/backlog/?region={region}&direct=1",
        f"/reports/export/area/?region={region}",
        f"/api/v1/reports/summary?year=2025&region={region}",
    ):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_employer_admins_cannot_open_regions(world: World, user_key: str) -> None:
    if not user_key.startswith("admin_"):
        return
    assert logged_in(world.users[user_key]).get("/reports/?region=410000").status_code == 404


def _cert_numbers(world: World, keys: set[str]) -> set[str]:
    ids = people_of_employers(world, keys)
    return {n for n in Person.objects.filter(pk__in=ids).values_list("certificate_number", flat=True) if n}


@pytest.mark.parametrize("user_key", OFFICERS)
def test_exports_hold_only_the_jurisdiction(populated: World, user_key: str) -> None:
    world = populated
    client = logged_in(world.users[user_key])
    inside = _cert_numbers(world, VISIBLE_PEOPLE[user_key])
    everyone = set(Person.objects.exclude(certificate_number=None).values_list("certificate_number", flat=True))
    response = client.get("/reports/export/shortfall/?year=2025")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(b"".join(response.streaming_content))
    assert rows[1][:4] == ["姓名", "身份证号码", "证书管理号", "工作单位"]
    exported = {r[2] for r in rows[2:]}
    assert exported <= inside
    assert exported  # every scope has someone short in 2025
    backlog = read_xlsx(b"".join(client.get("/reports/export/backlog_records/").streaming_content))
    names = {r[3] for r in backlog[2:]}
    allowed = {world.orgs[k].name for k in VISIBLE_PEOPLE[user_key]}
    assert names and names <= allowed
    # the page shows nobody from outside either
    page = client.get("/reports/shortfall/?year=2025").content.decode()
    assert not {n for n in everyone - inside if n in page}
    outside_employers = {o.name for k, o in world.orgs.items() if k.startswith("emp_")} - allowed
    for url in ("/reports/", "/reports/top-shortfall/", "/reports/backlog-overview/"):
        shown = client.get(url + "?year=2025").content.decode()
        assert not {n for n in outside_employers if n in shown}
        assert not {n for n in everyone - inside if n in shown}


def test_exports_are_audited_and_mask_id_numbers(populated: World) -> None:
    world = populated
    user = world.users["hr_province"]
    client = logged_in(user)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get("/reports/export/shortfall/?year=2025")
    rows = read_xlsx(b"".join(response.streaming_content))
    assert all("********" in r[1] for r in rows[2:])
    entry = AuditEntry.objects.order_by("-id").first()
    assert list(AuditEntry.objects.filter(id__gt=before).values_list("action", flat=True)) == ["export.shortfall"]
    assert entry is not None and entry.action == "export.shortfall" and entry.actor_id == user.pk
    assert entry.after is not None and entry.after["rows"] == len(rows) - 2 and entry.after["year"] == 2025
    assert entry.after["full_id_numbers"] is False


def test_full_id_numbers_only_for_own_staff_when_configured(populated: World, settings: object) -> None:
    world = populated
    settings.CECERT_REPORTS_FULL_ID_ROLES = ["employer_admin"]  # type: ignore[attr-defined]
    admin = world.users["admin_emp_jinshui"]
    rows = read_xlsx(b"".join(logged_in(admin).get("/reports/export/shortfall/?year=2025").streaming_content))
    full = {p.id_number for p in Person.objects.filter(employer=world.orgs["emp_jinshui"])}
    assert rows[2:] and {r[1] for r in rows[2:]} <= full
    # the HR officer still gets masked numbers
    hr = read_xlsx(
        b"".join(logged_in(world.users["hr_jinshui"]).get("/reports/export/shortfall/?year=2025").streaming_content)
    )
    assert all("********" in r[1] for r in hr[2:])


def test_person_history_lists_every_year(populated: World) -> None:
    world = populated
    person = (
        Person.objects.filter(employer=world.orgs["emp_zhongyuan"]).exclude(pk=world.people["emp_zhongyuan"].pk).first()
    )
    assert person is not None
    response = logged_in(world.users["education"]).get(f"/reports/people/{person.pk}/")
    assert response.status_code == 200
    data = logged_in(world.users["education"]).get(f"/api/v1/reports/people/{person.pk}/history").json()
    by_year = {row["year"]: row for row in data}
    assert by_year[2024]["met"] is True and float(by_year[2024]["earned_total"]) == 94
    assert by_year[2025]["met"] is False and float(by_year[2025]["earned_public"]) == 10
    assert by_year[2025]["required_total"] == 90


def _check(client: Client, numbers: str, **extra: object) -> object:
    return client.post("/reports/check/", {"numbers": numbers, "year_from": "2024", "year_to": "2025", **extra})


def test_title_check_reports_outsiders_as_not_found(populated: World) -> None:
    world = populated
    client = logged_in(world.users["hr_zhengzhou"])
    inside = Person.objects.filter(employer=world.orgs["emp_jinshui"]).order_by("pk")
    outside = world.people["emp_luoyang"]
    met_both = next(p for p in inside if p.pk != world.people["emp_jinshui"].pk)  # 30+60, 24+70
    numbers = "\n".join(
        [
            met_both.certificate_number or "",
            outside.certificate_number or "",
            outside.id_number,
            world.people["emp_jinshui"].id_number,
            "12345",
        ]
    )
    response = _check(client, numbers)
    html = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert html.count("<strong>未找到</strong>") == 2 and "号码格式不正确" in html
    assert outside.id_number not in html and "洛阳医院" not in html
    assert "各年度均已达标" in html and "有未达标年度" in html
    assert world.people["emp_jinshui"].id_number not in html  # shown masked
    export = _check(client, numbers, export="1")
    rows = read_xlsx(b"".join(export.streaming_content))  # type: ignore[attr-defined]
    assert rows[1][-4:] == ["2024年度", "2025年度", "核查结论", "完成情况证明"]
    assert [r[-2] for r in rows[2:]] == ["各年度均已达标", "未找到", "未找到", "有未达标年度", "号码格式不正确"]
    assert AuditEntry.objects.filter(action="export.check").count() == 1


def test_title_check_reads_uploaded_csv_and_xlsx(populated: World) -> None:
    from openpyxl import Workbook

    world = populated
    client = logged_in(world.users["hr_province"])
    number = world.people["emp_gongyi"].certificate_number or ""
    csv_file = io.BytesIO(f"证书管理号\n{number}\n".encode())
    csv_file.name = "list.csv"
    response = _check(client, "", file=csv_file)
    assert response.status_code == 200 and "巩义医院" in response.content.decode()  # type: ignore[attr-defined]
    workbook = Workbook()
    workbook.active.append(["身份证号码"])  # type: ignore[union-attr]
    workbook.active.append([world.people["emp_provincial"].id_number])  # type: ignore[union-attr]
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    xlsx.seek(0)
    xlsx.name = "list.xlsx"
    response = _check(client, "", file=xlsx)
    assert "省直医院" in response.content.decode()  # type: ignore[attr-defined]


def test_title_check_refuses_bad_spans(world: World) -> None:
    client = logged_in(world.users["hr_province"])
    response = client.post("/reports/check/", {"numbers": "4101050000001", "year_from": "2025", "year_to": "2024"})
    assert response.status_code == 400


def test_dashboard_shows_chart_and_table_with_chinese_labels(populated: World) -> None:
    html = logged_in(populated.users["hr_province"]).get("/reports/?year=2025").content.decode()
    assert "vendor/echarts.js" in html and 'id="chart-area"' in html
    assert "郑州市" in html and "省直单位" in html and "完成率（%）" in html
    assert "cdn" not in html.lower()


def test_dashboard_fragments_show_the_largest_shortfalls_and_the_backlog(populated: World) -> None:
    user = populated.users["hr_province"]
    client = logged_in(user)
    scope = report_scope(user)
    page = client.get("/reports/top-shortfall/?year=2025").content.decode()
    top = list(queries.shortfall_people(scope.people, 2025)[:10])
    assert top
    positions = [page.index(f"/reports/people/{r['pk']}/") for r in top]
    assert positions == sorted(positions)
    assert page.count("/reports/people/") == len(top)
    backlog = queries.backlog_summary(scope.people)
    page = client.get("/reports/backlog-overview/").content.decode()
    assert backlog and all(row.label in page for row in backlog)
