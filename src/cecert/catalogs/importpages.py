"""What every bulk-import page does alike, whichever app shows it (catalogs: bases' and employers' records;
movein: moving in from the current platform): storing an upload and starting its dry run, the report page,
its next step (commit, resume, check again) and the original sheet with the errors marked.

Each app keeps its own views (roles, scope, templates, wording); only the steps live here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse

from cecert.accounts.decorators import AuthenticatedHttpRequest
from cecert.catalogs.domain.imports import create_import, error_sheet, import_report
from cecert.catalogs.domain.imports.applying import RESUMABLE
from cecert.catalogs.enums import ImportState
from cecert.catalogs.models import ImportRun
from cecert.catalogs.tasks import enqueue_import
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start_import(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    organisation: Organisation,
    *,
    kind: str,
    activity_type: str = "",
    again: str,
) -> ImportRun | None:
    """Store the form's file and queue its dry run; ``None`` with the refusal on the form. The same file
    again is the same import: nothing queued, ``again`` said instead."""
    upload = form.cleaned_data["file"]
    try:
        run, created = create_import(
            organisation, kind=kind, filename=upload.name, content=upload, by=request.user, activity_type=activity_type
        )
    except DomainError as exc:
        form.add_error("file" if exc.field in ("file", "organisation") else None, exc.message_zh)
        return None
    if created:
        enqueue_import(run, "check", request.user.pk)
    else:
        messages.info(request, again)
    return run


def next_steps(run: ImportRun) -> set[str]:
    """What the report page offers: ``commit`` a checked run (or resume one that stopped: its worker died
    or the file store did not answer), ``check`` again one whose dry run could not finish."""
    if run.state in (ImportState.CHECKED, *RESUMABLE):
        return {"commit"}
    if run.state == ImportState.FAILED:
        return {"check"}
    return set()


def report_context(run: ImportRun) -> dict[str, Any]:
    """The report page's context: the report and its buttons."""
    steps = next_steps(run)
    return {
        "run": run,
        "report": import_report(run, limit=1000),
        "can_commit": "commit" in steps,
        "can_check": "check" in steps,
    }


def queue(run: ImportRun, action: str, request: AuthenticatedHttpRequest) -> None:
    """Queue ``action`` (``"check"`` or ``"commit"``) if the run offers it now; say so if it does not."""
    if action not in next_steps(run):
        messages.info(request, "该导入当前不能执行此操作，请查看其状态")
        return
    enqueue_import(run, action, request.user.pk)


def error_sheet_response(run: ImportRun, filename: str) -> HttpResponse:
    response = HttpResponse(error_sheet(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
