"""Report pages: dashboards, people short of the requirement, review backlog, histories, checks, exports.

Every page starts from ``report_scope`` / ``person_in_scope``: anything outside
the officer's jurisdiction, and anyone without an officer role, gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cecert.accounts.models import Role, User
from cecert.audit.domain import record as audit
from cecert.certificates.domain.suspicious import summary as suspicious_summary
from cecert.core.replica import report_reads
from cecert.reports.domain import queries
from cecert.reports.domain.check_types import DEFAULT as DEFAULT_CHECK
from cecert.reports.domain.check_types import types_for
from cecert.reports.domain.checks import (
    MAX_FILE_BYTES,
    MAX_LINES,
    CheckInputError,
    identifiers_from_file,
    identifiers_from_text,
    run_check,
)
from cecert.reports.domain.scope import REPORT_ROLES, Node, OutOfScope, ReportScope, person_in_scope, report_scope
from cecert.reports.exports import export_response
from cecert.reports.tables import (
    BACKLOG_FIELDS,
    IdNumberPolicy,
    Table,
    backlog_records_table,
    backlog_summary_table,
    check_table,
    group_table,
    history_table,
    shortfall_table,
    subject_table,
)

PAGE_SIZE = 50
TREND_YEARS = 5
FIRST_YEAR = 2017  # the regulation took effect in 2017


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def officer_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Logged in with an officer role; anything else, and any ``OutOfScope``, answers 404.

    The page's reads go to the reporting replica when one is fit (``report_reads``; writes stay on the
    primary); ``request.read_source`` says where they went, and the page shows it.
    """

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not (_user(request).roles & set(REPORT_ROLES)):
            raise Http404
        try:
            with report_reads() as source:
                request.read_source = source  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)
        except OutOfScope:
            raise Http404 from None

    return wrapped


def _read_alias(request: HttpRequest) -> str:
    """The database a streamed export reads after the view has returned (where its page read)."""
    return str(request.read_source.alias)  # type: ignore[attr-defined]


def acting_role(user: User) -> str:
    return next((str(r) for r in REPORT_ROLES if r in user.roles), "")


def current_year() -> int:
    return timezone.localdate().year


def requested_year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    this_year = current_year()
    if value.isdigit() and FIRST_YEAR <= int(value) <= this_year + 1:
        return int(value)
    return this_year


def requested_scope(request: HttpRequest) -> ReportScope:
    return report_scope(
        _user(request),
        region=request.GET.get("region", ""),
        direct=request.GET.get("direct") == "1",
        employer=request.GET.get("employer", ""),
    )


def node_query(node: Node | None, year: int, **extra: Any) -> str:
    params = {**(node.query() if node else {}), "year": str(year), **{k: str(v) for k, v in extra.items()}}
    return urlencode(params)


def _page(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and int(value) >= 1 else 1


def _number(value: Any) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return float(value)


def _chart(categories: list[str], series: list[dict[str, Any]], *, percent_axis: bool = False) -> dict[str, Any]:
    """An ECharts spec the page's script reads (via ``json_script``): categories and series."""
    for s in series:
        s["data"] = [_number(v) for v in s["data"]]
    return {"categories": categories, "series": series, "percent": percent_axis}


def _group_chart(rows: list[queries.GroupRow]) -> dict[str, Any]:
    return _chart(
        [r.label for r in rows],
        [
            {"name": "达标人数", "type": "bar", "stack": "people", "data": [r.figures.met for r in rows]},
            {"name": "未达标人数", "type": "bar", "stack": "people", "data": [r.figures.short for r in rows]},
            {"name": "完成率（%）", "type": "line", "yAxisIndex": 1, "data": [r.figures.rate for r in rows]},
        ],
        percent_axis=True,
    )


def _linked(table: Table, rows: list[queries.GroupRow], year: int) -> list[tuple[str, list[Any]]]:
    """Table rows with the drill-down link of each (the total row has none)."""
    out = []
    for i, cells in enumerate(table.rows):
        row = rows[i] if i < len(rows) else None
        url = f"?{node_query(row.node, year)}" if row is not None and row.node is not None else ""
        out.append((url, list(cells)))
    return out


# --------------------------------------------------------------------------------------------
# dashboard


def _dashboard_tables(scope: ReportScope, year: int) -> tuple[queries.Dashboard, Table, Table, Table]:
    dash = queries.dashboard(scope, year)
    area = group_table(
        "area", f"{year}年度 {scope.node.label} 按{dash.area_header}统计", dash.area_header, dash.by_area, dash.total
    )
    industry = group_table(
        "industry", f"{year}年度 {scope.node.label} 按行业统计", "行业", dash.by_industry, dash.total
    )
    subject = subject_table(dash.total)
    subject.title = f"{year}年度 {scope.node.label} 按科目统计"
    return dash, area, industry, subject


@officer_only
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = requested_scope(request)
    year = requested_year(request)
    dash, area, industry, subject = _dashboard_tables(scope, year)
    subject_rows = list(subject.rows)
    context = {
        "scope": scope,
        "year": year,
        "years": list(range(current_year(), FIRST_YEAR - 1, -1)),
        "dash": dash,
        "query": node_query(scope.node, year),
        "crumbs": [(c.label, f"?{node_query(c, year)}") for c in scope.breadcrumbs()],
        "roots": [(r.label, f"?{node_query(r, year)}") for r in scope.roots],
        "area": area,
        "area_rows": _linked(area, dash.by_area, year),
        "area_chart": _group_chart(dash.by_area),
        "industry": industry,
        "industry_rows": _linked(industry, dash.by_industry, year),
        "industry_chart": _group_chart(dash.by_industry),
        "subject": subject,
        "subject_rows": subject_rows,
        "subject_chart": _chart(
            [str(r[0]) for r in subject_rows],
            [
                {"name": "应修学时", "type": "bar", "data": [r[1] for r in subject_rows]},
                {"name": "已认定学时", "type": "bar", "data": [r[2] for r in subject_rows]},
            ],
        ),
        "trend_query": node_query(scope.node, year),
        "suspicious": suspicious_summary(_user(request)),
        "violations": _violation_counts(scope, year),
    }
    return render(request, "reports/dashboard.html", context)


def _violation_counts(scope: ReportScope, year: int) -> dict[str, Any] | None:
    """Article 15 cases opened in ``year`` under the node, for HR officers (the departments that handle them)."""
    from cecert.violations.domain.cases import case_counts
    from cecert.violations.models import Case

    if not scope.user.organisations_for(Role.HR_OFFICER):
        return None
    cases = Case.objects.restrict(scope.user).filter(opened_at__year=year)
    node = scope.node
    if node.kind == "employer" and node.employer is not None:
        cases = cases.filter(Q(organisation=node.employer) | Q(person__employer=node.employer))
    elif node.region is not None:
        path = node.region.path
        cases = cases.filter(region_path=path) if node.kind == "direct" else cases.filter(region_path__startswith=path)
    return case_counts(cases)


@officer_only
def top_shortfall(request: HttpRequest) -> HttpResponse:
    """The ten largest shortfalls (a fragment the dashboard loads after the first paint)."""
    scope = requested_scope(request)
    year = requested_year(request)
    shortfall = list(queries.shortfall_people(scope.people, year, ensure=True)[:10])
    table = shortfall_table(shortfall, IdNumberPolicy(_user(request)), year)
    rows = [(r["pk"], c) for r, c in zip(shortfall, table.rows, strict=True)]
    return render(request, "reports/_top_shortfall.html", {"shortfall": table, "shortfall_rows": rows})


@officer_only
def backlog_overview(request: HttpRequest) -> HttpResponse:
    """Pending records by review step and age (a fragment the dashboard loads after the first paint)."""
    backlog = queries.backlog_summary(requested_scope(request).people)
    return render(
        request,
        "reports/_backlog_overview.html",
        {"backlog": backlog_summary_table(backlog), "backlog_chart": _backlog_chart(backlog)},
    )


def _backlog_chart(rows: list[queries.BacklogRow]) -> dict[str, Any]:
    return _chart(
        [r.label for r in rows],
        [
            {"name": label, "type": "bar", "stack": "age", "data": [r.buckets[i] for r in rows]}
            for i, (_days, label) in enumerate(queries.AGE_BUCKETS)
        ],
    )


def _trend_table(scope: ReportScope, year: int) -> tuple[Table, list[queries.GroupRow]]:
    first = max(FIRST_YEAR, year - TREND_YEARS + 1)
    rows = queries.trend(scope, range(first, year + 1))
    return group_table("trend", f"{scope.node.label} {first}—{year}年度趋势", "年度", rows, None), rows


@officer_only
def trend(request: HttpRequest) -> HttpResponse:
    """The trend over years (a fragment the dashboard loads after the first paint)."""
    scope = requested_scope(request)
    year = requested_year(request)
    table, rows = _trend_table(scope, year)
    chart = _chart(
        [r.label for r in rows],
        [
            {"name": "完成率（%）", "type": "line", "data": [r.figures.rate for r in rows]},
            {"name": "人均学时", "type": "bar", "yAxisIndex": 1, "data": [r.figures.average_hours for r in rows]},
        ],
        percent_axis=True,
    )
    return render(
        request,
        "reports/_trend.html",
        {"table": table, "rows": list(table.rows), "chart": chart, "query": node_query(scope.node, year)},
    )


# --------------------------------------------------------------------------------------------
# lists


@officer_only
def shortfall(request: HttpRequest) -> HttpResponse:
    scope = requested_scope(request)
    year = requested_year(request)
    page = _page(request)
    start = (page - 1) * PAGE_SIZE
    rows = list(queries.shortfall_people(scope.people, year, ensure=True)[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    table = shortfall_table(rows, IdNumberPolicy(_user(request)), year)
    return render(
        request,
        "reports/shortfall.html",
        {
            "scope": scope,
            "year": year,
            "table": table,
            "rows": [(r["pk"], c) for r, c in zip(rows, table.rows, strict=True)],
            "page": page,
            "has_next": has_next,
            "query": node_query(scope.node, year),
            "crumbs": [(c.label, f"?{node_query(c, year)}") for c in scope.breadcrumbs()],
        },
    )


def _backlog_values(scope: ReportScope, ids: IdNumberPolicy) -> Any:
    fields = [*BACKLOG_FIELDS, *(["person__id_number_encrypted"] if ids.any_full else [])]
    return queries.backlog_records(scope.people).values(*fields)


@officer_only
def backlog(request: HttpRequest) -> HttpResponse:
    scope = requested_scope(request)
    year = requested_year(request)
    page = _page(request)
    start = (page - 1) * PAGE_SIZE
    ids = IdNumberPolicy(_user(request))
    records = list(_backlog_values(scope, ids)[start : start + PAGE_SIZE + 1])
    has_next = len(records) > PAGE_SIZE
    summary = queries.backlog_summary(scope.people)
    return render(
        request,
        "reports/backlog.html",
        {
            "scope": scope,
            "year": year,
            "summary": backlog_summary_table(summary),
            "chart": _backlog_chart(summary),
            "table": backlog_records_table(records[:PAGE_SIZE], ids),
            "page": page,
            "has_next": has_next,
            "query": node_query(scope.node, year),
            "crumbs": [(c.label, f"?{node_query(c, year)}") for c in scope.breadcrumbs()],
        },
    )


# --------------------------------------------------------------------------------------------
# exports


def _shortfall_export(scope: ReportScope, year: int, ids: IdNumberPolicy, using: str) -> Table:
    qs = queries.shortfall_people(scope.people, year, ensure=True).using(using)
    if ids.any_full:
        qs = qs.values(*queries.SHORTFALL_FIELDS, "id_number_encrypted")
    return shortfall_table(qs.iterator(chunk_size=2000), ids, year)


EXPORTS = ("area", "industry", "subject", "trend", "shortfall", "backlog", "backlog_records")


@officer_only
def export(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in EXPORTS:
        raise Http404
    user = _user(request)
    scope = requested_scope(request)
    year = requested_year(request)
    ids = IdNumberPolicy(user)
    if name in ("area", "industry", "subject"):
        _dash, area, industry, subject = _dashboard_tables(scope, year)
        table = {"area": area, "industry": industry, "subject": subject}[name]
    elif name == "trend":
        table, _rows = _trend_table(scope, year)
    elif name == "shortfall":
        table = _shortfall_export(scope, year, ids, _read_alias(request))
    elif name == "backlog":
        table = backlog_summary_table(queries.backlog_summary(scope.people))
    else:
        records = _backlog_values(scope, ids).using(_read_alias(request))
        table = backlog_records_table(records.iterator(chunk_size=2000), ids)
    details = {"year": year, "node": scope.node.query(), "full_id_numbers": ids.any_full}
    return export_response(table, user=user, role=acting_role(user), request=request, details=details)


# --------------------------------------------------------------------------------------------
# a person's history


@officer_only
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_in_scope(_user(request), pk)
    years = queries.person_history(person)
    table = history_table(person.name, years)
    return render(
        request,
        "reports/person_history.html",
        {
            "person": person,
            "years": years,
            "table": table,
            "rows": list(table.rows),
            "certificates_available": _certificates_available(),
            "chart": _chart(
                [str(h.year) for h in reversed(years)],
                [
                    {
                        "name": "已认定公需科目",
                        "type": "bar",
                        "stack": "earned",
                        "data": [h.status.get("earned_public") for h in reversed(years)],
                    },
                    {
                        "name": "已认定专业科目",
                        "type": "bar",
                        "stack": "earned",
                        "data": [h.status.get("earned_professional") for h in reversed(years)],
                    },
                    {
                        "name": "应修合计",
                        "type": "line",
                        "data": [h.status.get("required_total") for h in reversed(years)],
                    },
                ],
            ),
        },
    )


def _certificates_available() -> bool:
    from cecert.reports.domain.certificates import available

    return available()


@officer_only
def person_history_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = _user(request)
    person = person_in_scope(user, pk)
    table = history_table(person.name, queries.person_history(person))
    return export_response(table, user=user, role=acting_role(user), request=request, details={"person": person.pk})


# --------------------------------------------------------------------------------------------
# title-evaluation and expert checks


@officer_only
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    this_year = current_year()
    allowed = {t.code: t for t in types_for(user)}
    data = request.POST if request.method == "POST" else request.GET
    check_type = allowed.get(data.get("type", "") or DEFAULT_CHECK)
    context: dict[str, Any] = {
        "max_lines": MAX_LINES,
        "types": list(allowed.values()),
        "check_type": check_type or allowed[DEFAULT_CHECK],
        "year_from": this_year - (check_type.years if check_type else 3),
        "year_to": this_year - 1,
        "text": "",
        "error": "",
    }
    if request.method != "POST":
        if check_type is None:
            context["error"] = "请选择核查类型"
            return render(request, "reports/check.html", context, status=400)
        return render(request, "reports/check.html", context)
    text = request.POST.get("numbers", "")
    year_from, year_to = request.POST.get("year_from", ""), request.POST.get("year_to", "")
    context.update(text=text, year_from=year_from, year_to=year_to)
    try:
        if check_type is None:
            raise CheckInputError("请选择核查类型")
        if not (year_from.isdigit() and year_to.isdigit()):
            raise CheckInputError("请填写起止年度")
        identifiers = identifiers_from_text(text)
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size is not None and upload.size > MAX_FILE_BYTES:
                raise CheckInputError(f"文件过大（上限 {MAX_FILE_BYTES >> 20} MB）")
            identifiers += identifiers_from_file(upload.name or "", upload.read(MAX_FILE_BYTES + 1))
        scope = report_scope(user)
        rows = run_check(scope.base_people, identifiers, int(year_from), int(year_to), check_type)
    except CheckInputError as error:
        context["error"] = str(error)
        return render(request, "reports/check.html", context, status=400)
    years = list(range(int(year_from), int(year_to) + 1))
    table = check_table(rows, years, check_type)
    details = {
        "type": check_type.code,
        "year_from": years[0],
        "year_to": years[-1],
        "lines": len(rows),
        "found": sum(1 for r in rows if r.found),
    }
    if request.POST.get("export"):
        return export_response(table, user=user, role=acting_role(user), request=request, details=details)
    audit("report.check", actor=user, role=acting_role(user), request=request, after=details)
    # The list is not echoed back: the results show ID numbers masked.
    context.update(rows=rows, years=years, table=table, cells=list(table.rows), text="")
    return render(request, "reports/check.html", context)
