"""Pages: upload an export (or a staff list), the dry-run report, commit, the marked-up sheet, templates."""

from __future__ import annotations

from io import BytesIO

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.models import Role
from cecert.catalogs.domain.imports import create_import, error_sheet, import_report
from cecert.catalogs.enums import ImportKind, ImportState
from cecert.catalogs.models import ImportRun
from cecert.catalogs.tasks import enqueue_import
from cecert.core.errors import DomainError
from cecert.movein.domain import layout
from cecert.movein.domain.scope import importers, movein_import_scope

HR, EMPLOYER = Role.HR_OFFICER, Role.EMPLOYER_ADMIN
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        upload = form.cleaned_data["file"]
        try:
            run, created = create_import(
                allowed[kind][0], kind=kind, filename=upload.name, content=upload, by=request.user
            )
        except DomainError as exc:
            form.add_error("file" if exc.field in ("file", "organisation") else None, exc.message_zh)
        else:
            if created:
                enqueue_import(run, "check", request.user.pk)
            else:
                messages.info(request, "该文件已上传过，不会重复导入")
            return redirect("movein:import", pk=run.pk)
    runs = ImportRun.objects.filter(movein_import_scope(request.user)).select_related("organisation")
    return render(request, "movein/imports.html", {"form": form, "runs": runs[:100], "kinds": list(allowed)})


def _run(request: AuthenticatedHttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.filter(movein_import_scope(request.user)), pk=pk)


@role_required(HR, EMPLOYER)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    report = import_report(run, limit=1000)
    return render(
        request,
        "movein/import.html",
        {"run": run, "report": report, "can_commit": run.state in (ImportState.CHECKED, ImportState.COMMITTING)},
    )


@role_required(HR, EMPLOYER)
@require_POST
def import_commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    enqueue_import(run, "commit", request.user.pk)
    return redirect("movein:import", pk=run.pk)


@role_required(HR, EMPLOYER)
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    response = HttpResponse(error_sheet(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="movein-{run.pk}-errors.xlsx"'
    return response


@role_required(HR, EMPLOYER)
def template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    if kind not in importers(request.user):
        raise Http404
    return FileResponse(
        BytesIO(layout.template_bytes(kind)), as_attachment=True, filename=f"{kind}.xlsx", content_type=XLSX
    )
