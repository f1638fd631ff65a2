"""Pages for records: declaring, proofs, history, progress, year status, leave and year deadlines.

Every lookup goes through ``Record.objects.restrict(user)`` (or the person
scope): outside the caller's jurisdiction the answer is 404, and the miss is
audited (``get_in_scope_or_404``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import role_required
from cecert.accounts.models import Person, RegistrationState, Role, User
from cecert.audit.domain import record as audit
from cecert.audit.models import AuditEntry
from cecert.core.errors import DomainError
from cecert.core.redirects import safe_next
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.forms import activity_form, activity_type_choices
from cecert.policies.domain.registry import policy_title
from cecert.records.access import get_in_scope_or_404
from cecert.records.domain.closing import set_year_deadline
from cecert.records.domain.declaring import add_proof, declare_record, discard_draft, update_record
from cecert.records.domain.leave import add_leave_proof, decide_leave, record_leave
from cecert.records.domain.years import person_progress, year_status, years_of
from cecert.records.enums import EDITABLE_STATES, LeaveKind, LeaveState, RecordState
from cecert.records.forms import (
    DeadlineForm,
    DeclarationForm,
    LeaveForm,
    ProofUploadForm,
    ReasonForm,
    RecordFilterForm,
    default_year_choices,
    this_year,
)
from cecert.records.models import Leave, ProofFile, Record, YearClosing
from cecert.records.proofs import LEAVE_PROOF, proof_kinds_for, required_proofs
from cecert.records.storage import read_proof, read_upload
from cecert.review.domain.queues import overdue_since
from cecert.review.domain.workflow import allowed_targets, merge_record, transition_record

OFFICER_ROLES = (Role.EMPLOYER_ADMIN, Role.HR_OFFICER, Role.INDUSTRY_OFFICER)
DECLARING_ROLES = (Role.PROFESSIONAL, Role.EMPLOYER_ADMIN)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _records(request: HttpRequest) -> Any:
    return Record.objects.restrict(_user(request)).select_related("person", "person__employer")


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    qs = _records(request).exclude(state=RecordState.MERGED)
    filters = RecordFilterForm(request.GET or None)
    if filters.is_valid():
        f = filters.cleaned_data
        if f["year"]:
            qs = qs.filter(year=f["year"])
        if f["type"]:
            qs = qs.filter(activity_type=f["type"])
        if f["subject"]:
            qs = qs.filter(subject=f["subject"])
        if f["employer"]:
            qs = qs.filter(person__employer_id=f["employer"])
    state = request.GET.get("state", "")
    if state in RecordState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-updated_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request, "records/list.html", {"page": page, "filters": filters, "states": RecordState.choices, "state": state}
    )


def _declarable_people(user: User) -> Any:
    return Person.objects.restrict(user).filter(state=RegistrationState.APPROVED).filter(
        employer__in=user.organisations_for(Role.EMPLOYER_ADMIN)
    ) | Person.objects.filter(user=user, state=RegistrationState.APPROVED)


@role_required(*DECLARING_ROLES)
def declare(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    activity_type = request.GET.get("type", "")
    person_id = request.GET.get("person") or ""
    if person_id:
        person = get_in_scope_or_404(_declarable_people(user), request, pk=person_id)
    else:
        person = Person.objects.filter(user=user, state=RegistrationState.APPROVED).first()
    types = activity_type_choices()
    if activity_type not in dict(types) or person is None:
        staff = (
            Person.objects.restrict(user)
            .filter(state=RegistrationState.APPROVED, employer__in=user.organisations_for(Role.EMPLOYER_ADMIN))
            .order_by("name")
            if Role.EMPLOYER_ADMIN in user.roles
            else []
        )
        return render(
            request,
            "records/declare_choose.html",
            {"types": types, "person": person, "staff": staff, "chosen_type": activity_type},
        )
    schema_form_class = activity_form(activity_type)
    form = DeclarationForm(request.POST or None, activity_type=activity_type)
    activity = schema_form_class(request.POST or None, prefix="a")
    if request.method == "POST" and form.is_valid():
        activity.extra = {"date": form.cleaned_data["end_date"]}
        if activity.is_valid():
            try:
                record = declare_record(
                    person, activity.cleaned_data["activity"], form.declaration(), by=user, request=request
                )
            except DomainError as exc:
                _form_error(form, activity, exc)
            else:
                messages.success(request, f"已保存草稿，核定 {record.hours} 学时。请上传证明材料后提交。")
                return redirect("records:detail", pk=record.pk)
    return render(
        request,
        "records/declare.html",
        {
            "form": form,
            "activity_form": activity,
            "type_label": dict(types)[activity_type],
            "person": person,
            "activity_type": activity_type,
            "proofs": proof_kinds_for(activity_type)[:-1],
        },
    )


def _form_error(form: Any, activity: Any, exc: DomainError) -> None:
    if exc.field in activity.fields:
        activity.add_error(exc.field, exc.message_zh)
    elif exc.field in form.fields:
        form.add_error(exc.field, exc.message_zh)
    else:
        form.add_error(None, exc.message_zh)


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_in_scope_or_404(_records(request), request, pk=pk)
    user = _user(request)
    editable = record.state in EDITABLE_STATES and user.has_perm("records.submit", record)
    history = AuditEntry.objects.filter(object_type="records.record", object_id=str(record.pk)).order_by("id")
    have = set(record.proofs.values_list("kind", flat=True))
    required = [(r, r.kind in have) for r in required_proofs(record.activity_type, record.activity)]
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "proofs": record.proofs.order_by("pk"),
            "history": history,
            "targets": allowed_targets(record, user),
            "editable": editable,
            "required": required,
            "upload_form": ProofUploadForm(kinds=proof_kinds_for(record.activity_type)) if editable else None,
            "reason_form": ReasonForm(),
            "overdue": record.state_changed_at < overdue_since()
            and record.state in (RecordState.SUBMITTED, RecordState.EMPLOYER_APPROVED),
            "merged": record.merged_records.all(),
            "can_merge": record.duplicate_of_id is not None
            and record.state in (RecordState.SUBMITTED, RecordState.RETURNED)
            and user.has_perm("records.merge", record),
            "can_discard": record.state == RecordState.DRAFT
            and record.submitted_at is None
            and user.has_perm("records.submit", record),
        },
    )


@login_required
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_in_scope_or_404(_records(request), request, pk=pk)
    user = _user(request)
    if record.state not in EDITABLE_STATES or not user.has_perm("records.submit", record):
        messages.error(request, "只有草稿或已退回的记录可以修改")
        return redirect("records:detail", pk=record.pk)
    initial = {
        "title": record.title,
        "form": record.form,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "assessment": record.assessment,
        "guide_course": record.guide_course_id,
        "catalog_item": record.catalog_item_id,
    }
    form = DeclarationForm(request.POST or None, initial=initial, activity_type=record.activity_type)
    activity_initial = {k: v for k, v in record.activity.items() if k not in ("type", "date")}
    activity = activity_form(record.activity_type)(request.POST or None, prefix="a", initial=activity_initial)
    if request.method == "POST" and form.is_valid():
        activity.extra = {"date": form.cleaned_data["end_date"]}
        if activity.is_valid():
            try:
                update_record(record, activity.cleaned_data["activity"], form.declaration(), by=user, request=request)
            except DomainError as exc:
                _form_error(form, activity, exc)
            else:
                messages.success(request, "已保存修改")
                return redirect("records:detail", pk=record.pk)
    return render(
        request,
        "records/declare.html",
        {
            "form": form,
            "activity_form": activity,
            "type_label": dict(activity_type_choices())[record.activity_type],
            "person": record.person,
            "activity_type": record.activity_type,
            "record": record,
            "proofs": proof_kinds_for(record.activity_type)[:-1],
        },
    )


@login_required
@require_POST
def upload_proof(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_in_scope_or_404(_records(request), request, pk=pk)
    form = ProofUploadForm(request.POST, request.FILES, kinds=proof_kinds_for(record.activity_type))
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("records:detail", pk=record.pk)
    upload = form.cleaned_data["file"]
    try:
        add_proof(
            record,
            kind=form.cleaned_data["kind"],
            name=upload.name,
            content=read_upload(upload),
            by=_user(request),
            request=request,
        )
        messages.success(request, f"已上传：{upload.name}")
    except DomainError as exc:
        messages.error(request, f"上传被拒绝：{exc.message_zh}")
    return redirect("records:detail", pk=record.pk)


@login_required
@require_POST
def record_transition(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_in_scope_or_404(_records(request), request, pk=pk)
    to_state = request.POST.get("to", "")
    try:
        record = transition_record(
            record, to_state, by=_user(request), reason=request.POST.get("reason", ""), request=request
        )
        messages.success(
            request,
            f"记录状态：{record.get_state_display()}" if to_state != RecordState.SUBMITTED else "已提交，等待单位初审",
        )
    except DomainError as exc:
        messages.error(request, exc.message_zh)
    except CreditingInputError as exc:
        messages.error(request, str(exc))
    return redirect(safe_next(request, f"/records/{record.pk}/"))


@login_required
@require_POST
def record_merge(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_in_scope_or_404(_records(request), request, pk=pk)
    if record.duplicate_of_id is None:
        raise Http404
    kept = get_in_scope_or_404(_records(request), request, pk=record.duplicate_of_id)
    try:
        merge_record(record, into=kept, by=_user(request), request=request)
        messages.success(request, f"已合并到记录 #{kept.pk}")
        return redirect("records:detail", pk=kept.pk)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("records:detail", pk=record.pk)


@login_required
@require_POST
def record_discard(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_in_scope_or_404(_records(request), request, pk=pk)
    try:
        discard_draft(record, by=_user(request), request=request)
        messages.success(request, "草稿已删除")
        return redirect("records:list")
    except DomainError as exc:
        messages.error(request, exc.message_zh)
        return redirect("records:detail", pk=record.pk)


@login_required
def proof_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a proof only to those who may see its record (or leave); always as a download."""
    user = _user(request)
    from django.db.models import Q

    from cecert.accounts.jurisdiction import person_scope

    visible = ProofFile.objects.filter(
        Q(record__in=Record.objects.restrict(user).values("pk"))
        | Q(leave__in=Leave.objects.filter(person_scope(user, via="person__")).values("pk"))
    )
    proof = get_in_scope_or_404(visible, request, pk=pk)
    content = read_proof(proof)
    response = HttpResponse(content, content_type=proof.content_type)
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, proof.original_name) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def progress(request: HttpRequest, person_pk: int | None = None) -> HttpResponse:
    """Each year: requirement, certified hours by subject, pending, shortfall and the engine's words."""
    user = _user(request)
    if person_pk is None:
        person = Person.objects.filter(user=user).select_related("employer").first()
        if person is None:
            raise Http404
    else:
        person = get_in_scope_or_404(Person.objects.restrict(user).select_related("employer"), request, pk=person_pk)
    years = years_of(person)
    try:
        year = int(request.GET.get("year") or years[0])
    except ValueError:
        year = years[0]
    progress = person_progress(person, year)
    required = progress.compliance.required
    return render(
        request,
        "records/progress.html",
        {
            "person": person,
            "years": years,
            "year": year,
            "progress": progress,
            # One unit per person: every amount on the page is in the unit of the policy that judged the year.
            "unit_zh": "学分" if required.unit == "credit" else "学时",
            "policy_title": policy_title(required.policy_id),
        },
    )


@role_required(*OFFICER_ROLES)
def status(request: HttpRequest) -> HttpResponseBase:
    """The year status of everyone in the caller's jurisdiction (one grouped query); CSV export audited."""
    user = _user(request)
    try:
        year = int(request.GET.get("year") or this_year())
    except ValueError:
        year = this_year()
    people = Person.objects.restrict(user).filter(state=RegistrationState.APPROVED)
    only = request.GET.get("only", "")
    rows = year_status(people, year).select_related("employer").order_by("employer__name", "name", "pk")
    if only == "short":
        rows = rows.filter(met=False)
    if request.GET.get("format") == "csv":
        audit(
            "export.year_status", actor=user, after={"year": year, "only": only, "rows": rows.count()}, request=request
        )
        from cecert.reports.exports import csv_response
        from cecert.reports.tables import year_status_table

        return csv_response(year_status_table(rows.iterator(), year), filename=f"year-status-{year}.csv")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request, "records/status.html", {"page": page, "year": year, "years": default_year_choices(), "only": only}
    )


@login_required
def leave_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    from cecert.accounts.jurisdiction import person_scope

    leaves = Leave.objects.filter(person_scope(user, via="person__")).select_related("person").order_by("-created_at")
    person = Person.objects.filter(user=user, state=RegistrationState.APPROVED).first()
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and person is not None and form.is_valid():
        d = form.cleaned_data
        try:
            leave = record_leave(
                person, kind=d["kind"], start=d["start"], end=d["end"], note=d["note"], by=user, request=request
            )
            messages.success(request, "已登记，请上传证明材料，等待单位确认")
            return redirect("records:leave_detail", pk=leave.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message_zh)
    return render(request, "records/leave_list.html", {"leaves": leaves, "form": form if person else None})


@login_required
def leave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    from cecert.accounts.jurisdiction import person_scope

    leave = get_in_scope_or_404(
        Leave.objects.filter(person_scope(user, via="person__")).select_related("person"), request, pk=pk
    )
    if request.method == "POST":
        try:
            if "file" in request.FILES:
                upload = request.FILES["file"]
                assert not isinstance(upload, list)
                try:
                    add_leave_proof(
                        leave, name=upload.name or "", content=read_upload(upload), by=user, request=request
                    )
                except DomainError as exc:
                    raise DomainError(exc.field, f"上传被拒绝：{exc.message_zh}", exc.message_en) from None
                messages.success(request, "已上传证明材料")
            elif request.POST.get("decision") in ("confirm", "return"):
                leave = decide_leave(
                    leave,
                    confirm=request.POST["decision"] == "confirm",
                    by=user,
                    reason=request.POST.get("reason", ""),
                    request=request,
                )
                messages.success(request, f"请假{leave.get_state_display()}")
        except DomainError as exc:
            messages.error(request, exc.message_zh)
        return redirect("records:leave_detail", pk=leave.pk)
    return render(
        request,
        "records/leave_detail.html",
        {
            "leave": leave,
            "proofs": leave.proofs.order_by("pk"),
            "proof_label": LEAVE_PROOF.label,
            "can_upload": leave.state == LeaveState.PENDING and user.has_perm("records.record_leave", leave.person),
            "can_decide": (leave.state == LeaveState.PENDING and user.has_perm("records.confirm_leave", leave))
            or (leave.state == LeaveState.SUBMITTED and user.has_perm("records.approve_leave", leave)),
            "submits": leave.state == LeaveState.PENDING and leave.kind == LeaveKind.OTHER_APPROVED,
            "approves": leave.state == LeaveState.SUBMITTED,
        },
    )


@role_required(Role.HR_OFFICER, Role.INDUSTRY_OFFICER, Role.EMPLOYER_ADMIN)
def year_closings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DeadlineForm(request.POST or None)
    can_set = user.has_perm("records.close_year")
    if request.method == "POST":
        if not can_set:
            raise Http404
        if form.is_valid():
            try:
                set_year_deadline(form.cleaned_data["year"], form.cleaned_data["deadline"], by=user, request=request)
                messages.success(request, "已设置年度截止日期")
                return redirect("records:years")
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message_zh)
    return render(
        request, "records/years.html", {"closings": YearClosing.objects.all(), "form": form, "can_set": can_set}
    )
