"""Pages: the public-subject guide, catalogs, base recognition, base dashboards, programs, imports, flags.

Every object page looks its object up through a scope filter: outside answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.models import Role
from cecert.catalogs.domain import apiauth
from cecert.catalogs.domain.bases import (
    BaseApplication,
    ProgramInput,
    apply_for_recognition,
    base_dashboard,
    check_resubmittable,
    complete_enrolment,
    enrol,
    publish_program,
    recognition_of,
    resubmit_application,
    transition_base,
)
from cecert.catalogs.domain.catalogs import (
    add_catalog_item,
    add_guide_course,
    create_catalog,
    guide_for_year,
    guide_suggestions,
    publish_guide,
    set_guide_co_authors,
    transition_catalog,
)
from cecert.catalogs.domain.imports import ACTIVITY_TYPES, import_report, template_bytes
from cecert.catalogs.domain.progress import flags_for
from cecert.catalogs.domain.scope import base_scope, catalog_scope, enrolment_scope, flag_scope, import_scope
from cecert.catalogs.enums import ImportKind, RecognitionState
from cecert.catalogs.forms import (
    CATALOG_KINDS,
    BaseApplicationForm,
    BaseCorrectionForm,
    CatalogForm,
    CatalogItemForm,
    GuideCourseForm,
    ProgramForm_,
    UploadForm,
)
from cecert.catalogs.importpages import XLSX, error_sheet_response, queue, report_context, start_import
from cecert.catalogs.models import (
    ApiCall,
    ApiCredential,
    Catalog,
    Enrolment,
    ImportRun,
    Program,
    PublicGuide,
)
from cecert.core.errors import DomainError
from cecert.core.ratelimit import over_limit
from cecert.crediting.evaluation import today_in_henan
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState

HR, INDUSTRY, BASE, EMPLOYER = Role.HR_OFFICER, Role.INDUSTRY_OFFICER, Role.BASE_ADMIN, Role.EMPLOYER_ADMIN


def _fail(request: AuthenticatedHttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message_zh)


# --- the public-subject guide ---------------------------------------------------------------------------


def guide(request: AuthenticatedHttpRequest, year: int | None = None) -> HttpResponse:
    """Published guides are public (Article 4: 每年定期发布公需科目指南)."""
    guides = PublicGuide.objects.published()
    chosen = guides.filter(year=year).first() if year else guides.first()
    if year and chosen is None:
        raise Http404
    can_publish = request.user.is_authenticated and request.user.has_perm("catalogs.publish_guide")
    return render(
        request,
        "catalogs/guide.html",
        {
            "guides": guides,
            "guide": chosen,
            "courses": chosen.courses.select_related("base") if chosen else [],
            "can_publish": can_publish,
            "this_year": today_in_henan().year,
        },
    )


@role_required(HR)
def guide_manage(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    if not request.user.has_perm("catalogs.publish_guide"):
        raise Http404
    draft = guide_for_year(year, by=request.user)
    form = GuideCourseForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "publish":
            try:
                publish_guide(draft, by=request.user, request=request)
                messages.success(request, "公需科目指南已发布")
                return redirect("catalogs:guide_year", year=year)
            except DomainError as exc:
                _fail(request, exc)
        elif request.POST.get("action") == "co_authors":
            chosen = Organisation.objects.filter(pk__in=request.POST.getlist("co_authors"))
            try:
                set_guide_co_authors(draft, list(chosen), by=request.user, request=request)
                messages.success(request, "已登记会同确定指南的行业主管部门")
                return redirect("catalogs:guide_manage", year=year)
            except DomainError as exc:
                _fail(request, exc)
        elif form.is_valid():
            try:
                add_guide_course(draft, by=request.user, **form.cleaned_data)
                return redirect("catalogs:guide_manage", year=year)
            except DomainError as exc:
                form.add_domain_error(exc)
    authorities = Organisation.objects.filter(
        kind=OrganisationKind.INDUSTRY_AUTHORITY, state=OrganisationState.APPROVED, region__level="province"
    ).order_by("name")
    return render(
        request,
        "catalogs/guide_manage.html",
        {
            "guide": draft,
            "form": form,
            "courses": draft.courses.all(),
            "authorities": authorities,
            "co_authors": set(draft.co_authors.values_list("pk", flat=True)),
        },
    )


# --- catalogs -------------------------------------------------------------------------------------------


@role_required(HR, INDUSTRY, BASE)
def catalogs(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = CatalogForm(request.POST or None, initial={"year": today_in_henan().year})
    authorities = user.organisations_for(INDUSTRY)
    if request.method == "POST":
        if not authorities:
            raise Http404
        if form.is_valid():
            try:
                catalog = create_catalog(
                    authority=authorities[0],
                    by=user,
                    request=request,
                    **form.cleaned_data,
                )
                return redirect("catalogs:catalog", pk=catalog.pk)
            except DomainError as exc:
                form.add_domain_error(exc)
    rows = Catalog.objects.filter(catalog_scope(user)).select_related("authority", "industry")
    return render(request, "catalogs/catalogs.html", {"catalogs": rows[:500], "form": form if authorities else None})


@role_required(HR, INDUSTRY, BASE)
def catalog_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    catalog = get_object_or_404(Catalog.objects.filter(catalog_scope(user)).select_related("authority"), pk=pk)
    form = CatalogItemForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "item":
                if form.is_valid():
                    add_catalog_item(catalog, by=user, **form.cleaned_data)
                    return redirect("catalogs:catalog", pk=pk)
            elif action in ("filed", "accepted", "returned"):
                transition_catalog(
                    catalog,
                    action,
                    by=user,
                    reason=request.POST.get("reason", ""),
                    request=request,
                )
                messages.success(request, "已处理")
                return redirect("catalogs:catalog", pk=pk)
        except DomainError as exc:
            form.add_domain_error(exc) if action == "item" else _fail(request, exc)
    return render(
        request,
        "catalogs/catalog.html",
        {
            "catalog": catalog,
            "items": catalog.items.all(),
            "form": form,
            "is_author": user.has_perm("catalogs.file_catalog", catalog),
            "can_decide": user.has_perm("catalogs.decide_catalog"),
        },
    )


# --- bases: application and recognition ---------------------------------------------------------------------


def base_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BaseApplicationForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "register"):
            return HttpResponse("请求过于频繁，请稍后再试 / too many requests", status=429)
        if form.is_valid():
            try:
                base = apply_for_recognition(BaseApplication(**form.cleaned_data), request=request)
                return render(request, "catalogs/base_applied.html", {"base": base})
            except DomainError as exc:
                form.add_domain_error(exc)
    return render(request, "catalogs/base_apply.html", {"form": form})


@role_required(HR, BASE)
def bases(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = (
        Organisation.objects.filter(base_scope(request.user), kind=OrganisationKind.TRAINING_BASE)
        .select_related("region", "recognition")
        .order_by("name")
    )
    state = request.GET.get("state", "")
    if state in RecognitionState.values:
        qs = qs.filter(recognition__state=state)
    return render(
        request, "catalogs/bases.html", {"bases": qs[:500], "state": state, "states": RecognitionState.choices}
    )


def _base(request: AuthenticatedHttpRequest, pk: int) -> Organisation:
    return get_object_or_404(
        Organisation.objects.filter(
            base_scope(request.user),
            kind=OrganisationKind.TRAINING_BASE,
        ).select_related("region"),
        pk=pk,
    )


@role_required(HR, BASE)
def base_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    base = _base(request, pk)
    user = request.user
    is_admin = user.has_perm("catalogs.manage_base", base)
    context: dict[str, Any] = {
        "base": base,
        "recognition": recognition_of(base),
        "is_admin": is_admin,
        "can_decide": user.has_perm("catalogs.recognise_base", base),
        "program_form": ProgramForm_(),
        "kinds": ImportKind.choices,
        "activity_types": sorted(ACTIVITY_TYPES),
        **base_dashboard(base),
    }
    if is_admin:
        context["credentials"] = ApiCredential.objects.filter(base=base)
        context["recent_calls"] = ApiCall.objects.filter(base=base)[:20]
    return render(request, "catalogs/base.html", context)


@role_required(HR)
@require_POST
def base_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    base = _base(request, pk)
    try:
        transition_base(
            base,
            request.POST.get("decision", ""),
            by=request.user,
            reason=request.POST.get("reason", ""),
            request=request,
        )
        messages.success(request, "已处理")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("catalogs:base", pk=base.pk)


@role_required(BASE)
def base_resubmit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A returned application: its reason, the form to correct it, and resubmission to HR."""
    base = _base(request, pk)
    user = request.user
    if not user.has_perm("catalogs.manage_base", base):
        raise Http404
    recognition = recognition_of(base)
    try:
        check_resubmittable(recognition)
    except DomainError as exc:
        _fail(request, exc)
        return redirect("catalogs:base", pk=base.pk)
    initial = {
        "name": base.name,
        "region": base.region,
        "scope": recognition.scope,
        "admin_name": user.display_name,
        "admin_phone": user.phone,
    }
    form = BaseCorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        application = BaseApplication(**form.cleaned_data, admin_username=user.username, admin_password="")
        try:
            resubmit_application(base, application, by=user, request=request)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            base.refresh_from_db()
            return render(request, "catalogs/base_applied.html", {"base": base, "resubmitted": True})
    return render(request, "catalogs/base_resubmit.html", {"base": base, "recognition": recognition, "form": form})


@role_required(BASE)
def program_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    base = _base(request, pk)
    if not request.user.has_perm("catalogs.manage_base", base):
        raise Http404
    form = ProgramForm_(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = publish_program(
                base,
                ProgramInput(**form.cleaned_data),
                by=request.user,
                request=request,
            )
            messages.success(request, "培训项目已发布")
            return redirect("catalogs:program", pk=program.pk)
        except DomainError as exc:
            form.add_domain_error(exc)
    return render(request, "catalogs/program_new.html", {"base": base, "form": form})


@role_required(HR, BASE)
def program_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(
        Program.objects.filter(base_scope(request.user, via="base__")).select_related(
            "base", "catalog_item", "guide_course"
        ),
        pk=pk,
    )
    is_admin = request.user.has_perm("catalogs.manage_base", program.base)
    enrolments = program.enrolments.select_related("person", "record").order_by("pk")
    return render(
        request, "catalogs/program.html", {"program": program, "is_admin": is_admin, "enrolments": enrolments[:1000]}
    )


@role_required(BASE)
@require_POST
def program_enrol(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program.objects.filter(base_scope(request.user, via="base__")), pk=pk)
    try:
        enrol(program, request.POST.get("person", ""), by=request.user, request=request)
        messages.success(request, "已报名")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("catalogs:program", pk=program.pk)


@role_required(BASE)
@require_POST
def enrolment_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(
        Enrolment.objects.filter(enrolment_scope(request.user)).select_related("program__base"),
        pk=pk,
    )
    try:
        complete_enrolment(
            enrolment,
            by=request.user,
            assessment=request.POST.get("assessment", "合格") or "合格",
            request=request,
        )
        messages.success(request, "已登记结业")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("catalogs:program", pk=enrolment.program_id)


@role_required(BASE)
@require_POST
def credentials(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    base = _base(request, pk)
    try:
        if request.POST.get("revoke"):
            credential = get_object_or_404(ApiCredential, base=base, pk=request.POST["revoke"])
            apiauth.revoke_credential(credential, by=request.user, request=request)
            messages.success(request, "密钥已撤销")
        else:
            credential, secret = apiauth.issue_credential(base, by=request.user, request=request)
            return render(
                request, "catalogs/credential_issued.html", {"base": base, "credential": credential, "secret": secret}
            )
    except DomainError as exc:
        _fail(request, exc)
    return redirect("catalogs:base", pk=base.pk)


@role_required(HR, BASE)
def flags(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "catalogs/flags.html", {"flags": flags_for(flag_scope(request.user))})


# --- imports --------------------------------------------------------------------------------------------


def _importer(request: AuthenticatedHttpRequest, kind: str) -> Organisation | None:
    role = EMPLOYER if kind == ImportKind.EMPLOYER_RECORDS else BASE
    orgs = request.user.organisations_for(role)
    return orgs[0] if orgs else None


@role_required(BASE, EMPLOYER)
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "kind": ImportKind.EMPLOYER_RECORDS if EMPLOYER in request.user.roles else ImportKind.BASE_COMPLETIONS
        },
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        organisation = _importer(request, kind)
        if organisation is None:
            form.add_error("kind", "您不能导入该类别")
        else:
            run = start_import(
                request,
                form,
                organisation,
                kind=kind,
                activity_type=form.cleaned_data["activity_type"],
                again="该文件已导入过，不会重复导入",
            )
            if run is not None:
                return redirect("catalogs:import", pk=run.pk)
    runs = ImportRun.objects.filter(import_scope(request.user)).select_related("organisation")
    return render(
        request,
        "catalogs/imports.html",
        {"form": form, "runs": runs[:100], "kinds": ImportKind.choices, "activity_types": sorted(ACTIVITY_TYPES)},
    )


def _run(request: AuthenticatedHttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.filter(import_scope(request.user)), pk=pk)


@role_required(BASE, EMPLOYER)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(request, "catalogs/import.html", report_context(_run(request, pk)))


@role_required(BASE, EMPLOYER)
@require_POST
def import_step(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """The report page's buttons: ``commit`` (or resume) and ``check`` (again, after a failure)."""
    run = _run(request, pk)
    queue(run, action, request)
    return redirect("catalogs:import", pk=run.pk)


@role_required(BASE, EMPLOYER)
def import_report_json(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(import_report(_run(request, pk)), json_dumps_params={"ensure_ascii": False})


@role_required(BASE, EMPLOYER)
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return error_sheet_response(run, f"import-{run.pk}-errors.xlsx")


@role_required(BASE, EMPLOYER)
def template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    activity_type = request.GET.get("type", "")
    if kind not in CATALOG_KINDS:
        raise Http404
    try:
        content = template_bytes(kind, activity_type)
    except DomainError:
        raise Http404 from None
    from io import BytesIO

    name = f"{kind}{'-' + activity_type if activity_type else ''}.xlsx"
    return FileResponse(BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)


# --- professionals ---------------------------------------------------------------------------------------


@role_required(Role.PROFESSIONAL)
def my_training(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = request.user.person
    year = int(request.GET.get("year") or today_in_henan().year)
    enrolments = (
        Enrolment.objects.filter(enrolment_scope(request.user), person=person)
        .select_related("program__base", "record")
        .order_by("-enrolled_at")
    )
    return render(
        request,
        "catalogs/my_training.html",
        {
            "person": person,
            "year": year,
            "enrolments": enrolments,
            "suggestions": guide_suggestions(person, year),
        },
    )
