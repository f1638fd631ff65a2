"""Pages: upload an export (or a staff list), the dry-run report, commit, the marked-up sheet, templates."""

from __future__ import annotations

from io import BytesIO

from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.models import Role
from cecert.catalogs.enums import ImportKind
from cecert.catalogs.importpages import XLSX, error_sheet_response, queue, report_context, start_import
from cecert.catalogs.models import ImportRun
from cecert.movein.domain import layout
from cecert.movein.domain.scope import importers, movein_import_scope

HR, EMPLOYER = Role.HR_OFFICER, Role.EMPLOYER_ADMIN


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容")
    file = forms.FileField(label="文件（.xlsx 或 CSV）")

    def __init__(self, *args: object, kinds: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [(k, ImportKind(k).label) for k in kinds]  # type: ignore[attr-defined]


@role_required(HR, EMPLOYER)
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    allowed = importers(request.user)  # empty for a district's HR officer: the page says who moves people in
    form = UploadForm(request.POST or None, request.FILES or None, kinds=list(allowed))
    if allowed and request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        run = start_import(request, form, allowed[kind][0], kind=kind, again="该文件已上传过，不会重复导入")
        if run is not None:
            return redirect("movein:import", pk=run.pk)
    runs = ImportRun.objects.filter(movein_import_scope(request.user)).select_related("organisation")
    return render(request, "movein/imports.html", {"form": form, "runs": runs[:100], "kinds": list(allowed)})


def _run(request: AuthenticatedHttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.filter(movein_import_scope(request.user)), pk=pk)


@role_required(HR, EMPLOYER)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(request, "movein/import.html", report_context(_run(request, pk)))


@role_required(HR, EMPLOYER)
@require_POST
def import_step(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """The report page's buttons: ``commit`` (or resume) and ``check`` (again, after a failure)."""
    run = _run(request, pk)
    queue(run, action, request)
    return redirect("movein:import", pk=run.pk)


@role_required(HR, EMPLOYER)
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return error_sheet_response(run, f"movein-{run.pk}-errors.xlsx")


@role_required(HR, EMPLOYER)
def template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    if kind not in importers(request.user):
        raise Http404
    return FileResponse(
        BytesIO(layout.template_bytes(kind)), as_attachment=True, filename=f"{kind}.xlsx", content_type=XLSX
    )
