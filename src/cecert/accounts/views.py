"""Pages for logging in, registering, and people within the caller's jurisdiction."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cecert.accounts.domain import second_factor
from cecert.accounts.domain.registration import (
    PersonApplication,
    correct_identity,
    register_person,
    request_transfer,
    transition_registration,
    transition_transfer,
)
from cecert.accounts.forms import (
    IdentityCorrectionForm,
    LoginForm,
    PersonRegistrationForm,
    ReasonForm,
    RegistrationStatusForm,
    TotpForm,
    TransferRequestForm,
    employer_choices,
)
from cecert.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from cecert.accounts.models import (
    Person,
    RegistrationState,
    Role,
    Transfer,
    TransferState,
)
from cecert.audit.domain import record
from cecert.core.errors import DomainError
from cecert.core.ratelimit import over_limit
from cecert.core.views import AuthenticatedHttpRequest, role_required
from cecert.regions.models import Region

OFFICER_ROLES = (Role.HR_OFFICER, Role.INDUSTRY_OFFICER, Role.EMPLOYER_ADMIN)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    roles = user.roles
    if Role.PROFESSIONAL in roles and len(roles) == 1:
        return redirect("accounts:me")
    return render(
        request,
        "accounts/dashboard.html",
        {
            "memberships": user.active_memberships,
            "pending_registrations": Person.objects.restrict(user)
            .filter(
                state=RegistrationState.PENDING,
                employer__in=user.organisations_for(Role.EMPLOYER_ADMIN),
            )
            .count(),
        },
    )


def totp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or not user.is_privileged:
        raise Http404
    if user.totp_confirmed_at and not request.session.get(SECOND_FACTOR_SESSION_KEY):
        return redirect("accounts:totp_verify")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(user, form.cleaned_data["code"])
        if codes is not None:
            request.session[SECOND_FACTOR_SESSION_KEY] = True
            return render(request, "accounts/totp_recovery_codes.html", {"codes": codes})
        form.add_error("code", "验证码不正确，请核对手机时间后重试")
    uri = second_factor.start_enrolment(user) if request.method == "GET" else None
    secret = second_factor.secret_of(user)
    qr_svg = segno.make(uri or f"otpauth://totp/{user.username}?secret={secret}").svg_inline(scale=4)
    return render(request, "accounts/totp_enrol.html", {"form": form, "secret": secret, "qr_svg": qr_svg})


def totp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or not user.is_privileged or not user.totp_confirmed_at:
        raise Http404
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if second_factor.code_is_valid(user, code) or second_factor.use_recovery_code(user, code):
            request.session[SECOND_FACTOR_SESSION_KEY] = True
            record("login.second_factor", actor=user, request=request)
            return redirect(request.GET.get("next") or reverse("accounts:dashboard"))
        record("login.second_factor_failed", actor=user, request=request)
        form.add_error("code", "验证码不正确")
    return render(request, "accounts/totp_verify.html", {"form": form})


def register(request: HttpRequest) -> HttpResponse:
    form = PersonRegistrationForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "register"):
            return HttpResponse("请求过于频繁，请稍后再试 / too many requests", status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = register_person(
                    PersonApplication(
                        id_number=data["id_number"],
                        password=data["password"],
                        name=data["name"],
                        gender=data["gender"],
                        birth_date=data["birth_date"],
                        education=data["education"],
                        specialty=data["specialty"],
                        title_series=data["title_series"],
                        phone=data["phone"],
                        email=data["email"],
                        employer=data["employer"],
                    ),
                    request=request,
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                return render(request, "accounts/register_done.html", {"person": person})
    return render(request, "accounts/register.html", {"form": form, "regions": _region_tree()})


def _region_tree() -> list[Region]:
    return list(Region.objects.select_related("parent").order_by("path"))


def employer_options(request: HttpRequest) -> HttpResponse:
    """htmx partial: approved employers of a region, for the registration and transfer forms."""
    employers = employer_choices(request.GET.get("region"))
    return render(request, "accounts/_employer_options.html", {"employers": employers})


def registration_status(request: HttpRequest) -> HttpResponse:
    """Applicants cannot log in before approval, so they prove who they are with ID number and password."""
    form = RegistrationStatusForm(request.POST or None)
    person = None
    if request.method == "POST":
        if over_limit(request, "register"):
            return HttpResponse("请求过于频繁，请稍后再试 / too many requests", status=429)
        if form.is_valid():
            person = _applicant(form.cleaned_data["id_number"], form.cleaned_data["password"])
            if person is None:
                form.add_error(None, "身份证号码或密码不正确")
            elif request.POST.get("withdraw") == "1":
                try:
                    person = transition_registration(
                        person, RegistrationState.WITHDRAWN, by=person.user, request=request
                    )
                    messages.success(request, "注册申请已撤回")
                except DomainError as exc:
                    form.add_error(None, exc.message_zh)
    return render(request, "accounts/registration_status.html", {"form": form, "person": person})


def _applicant(id_number: str, password: str) -> Person | None:
    from django.conf import settings

    from cecert.accounts.idnumbers import id_number_digest

    person = (
        Person.objects.select_related("user", "employer")
        .filter(id_number_digest=id_number_digest(id_number, settings.CECERT_ID_HASH_KEY))
        .first()
    )
    if person is None or not person.user.check_password(password):
        return None
    return person


@role_required(Role.PROFESSIONAL)
def me(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("employer", "employer__region"), user=request.user)
    transfers = person.transfers.select_related("to_employer").order_by("-requested_at")
    form = TransferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_transfer(person, form.cleaned_data["employer"], by=request.user, request=request)
            messages.success(request, "调动申请已提交，等待新单位审核")
            return redirect("accounts:me")
        except DomainError as exc:
            form.add_error("employer", exc.message_zh)
    return render(
        request,
        "accounts/me.html",
        {
            "person": person,
            "id_number": person.id_number,
            "transfers": transfers,
            "form": form,
            "regions": _region_tree(),
        },
    )


@role_required(Role.PROFESSIONAL)
@require_POST
def withdraw_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = get_object_or_404(Transfer, pk=pk, person__user=request.user)
    try:
        transition_transfer(transfer, TransferState.WITHDRAWN, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message_zh)
    return redirect("accounts:me")


@role_required(*OFFICER_ROLES)
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = Person.objects.restrict(request.user).select_related("employer").order_by("-registered_at")
    state = request.GET.get("state", "")
    if state in RegistrationState.values:
        qs = qs.filter(state=state)
    number = request.GET.get("q", "").strip()
    if number:
        qs = qs.filter(certificate_number=number) if number.isdigit() else qs.filter(name=number)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people.html",
        {"page": page, "state": state, "q": number, "states": RegistrationState.choices},
    )


@role_required(*OFFICER_ROLES)
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.restrict(request.user).select_related("employer", "employer__region"),
        pk=pk,
    )
    user = request.user
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "can_review": user.has_perm("accounts.review_registration", person),
            "review_form": ReasonForm(),
            "correction_form": IdentityCorrectionForm(),
            "transfers": person.transfers.select_related("from_employer", "to_employer").order_by("-requested_at"),
        },
    )


@role_required(Role.EMPLOYER_ADMIN)
@require_POST
def review_registration(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.restrict(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        target = (
            RegistrationState.APPROVED if form.cleaned_data["decision"] == "approve" else RegistrationState.RETURNED
        )
        try:
            person = transition_registration(
                person,
                target,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, f"注册状态：{person.get_state_display()}")
        except DomainError as exc:
            messages.error(request, exc.message_zh)
    return redirect("people:detail", pk=person.pk)


@role_required(Role.EMPLOYER_ADMIN)
@require_POST
def correct_person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.restrict(request.user), pk=pk)
    form = IdentityCorrectionForm(request.POST)
    if form.is_valid():
        try:
            correct_identity(
                person,
                by=request.user,
                reason=form.cleaned_data["reason"],
                id_number=form.cleaned_data["id_number"] or None,
                name=form.cleaned_data["name"] or None,
                request=request,
            )
            messages.success(request, "已更正")
        except DomainError as exc:
            messages.error(request, exc.message_zh)
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("people:detail", pk=person.pk)


@role_required(Role.EMPLOYER_ADMIN)
def transfers(request: AuthenticatedHttpRequest) -> HttpResponse:
    incoming = Transfer.objects.filter(
        to_employer__in=request.user.organisations_for(Role.EMPLOYER_ADMIN),
        state=TransferState.PENDING,
    ).select_related("person", "from_employer")
    return render(request, "accounts/transfers.html", {"transfers": incoming, "form": ReasonForm()})


@role_required(Role.EMPLOYER_ADMIN)
@require_POST
def review_transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = get_object_or_404(
        Transfer,
        pk=pk,
        to_employer__in=request.user.organisations_for(Role.EMPLOYER_ADMIN),
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        target = TransferState.APPROVED if form.cleaned_data["decision"] == "approve" else TransferState.RETURNED
        try:
            transition_transfer(
                transfer,
                target,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, "已处理调动申请")
        except DomainError as exc:
            messages.error(request, exc.message_zh)
    return redirect("accounts:transfers")
