"""Pages for logging in, registering, and people within the caller's jurisdiction."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cecert.accounts.decorators import AuthenticatedHttpRequest, role_required
from cecert.accounts.domain import contacts, passwords, second_factor
from cecert.accounts.domain.registration import (
    PersonApplication,
    correct_identity,
    register_person,
    request_transfer,
    transition_registration,
    transition_transfer,
)
from cecert.accounts.forms import (
    ContactCodesForm,
    ForgotPasswordForm,
    IdentityCorrectionForm,
    LoginForm,
    PersonRegistrationForm,
    ReasonForm,
    RegistrationStatusForm,
    ResetWithCodeForm,
    TotpForm,
    TransferRequestForm,
    employer_choices,
)
from cecert.accounts.models import (
    Membership,
    Person,
    RegistrationState,
    ResetChannel,
    Role,
    Transfer,
    TransferState,
    User,
)
from cecert.core.errors import DomainError
from cecert.core.ratelimit import over_limit
from cecert.core.redirects import safe_next
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.regions.models import Region

OFFICER_ROLES = (Role.HR_OFFICER, Role.INDUSTRY_OFFICER, Role.EMPLOYER_ADMIN)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The landing page after login: each role's pending work, counted, with a link to do it."""
    from cecert.reports.domain.worklist import pending_work

    user = request.user
    return render(
        request,
        "accounts/dashboard.html",
        {"memberships": user.active_memberships, "sections": pending_work(user)},
    )


def totp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or not user.is_privileged:
        raise Http404
    if second_factor.is_enrolled(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(reverse("accounts:totp_verify") + _next_query(request))
    form = TotpForm(request.POST or None)
    device = second_factor.authenticator(user, confirmed=False)
    if request.method == "POST" and device is not None and form.is_valid():
        allowed, info = device.verify_is_allowed()
        codes = second_factor.confirm_enrolment(user, device, form.cleaned_data["code"], request) if allowed else None
        if codes is not None:
            return render(
                request,
                "accounts/totp_recovery_codes.html",
                {"codes": codes, "next": safe_next(request)},
            )
        device.refresh_from_db()
        allowed, info = device.verify_is_allowed()
        message = "验证码不正确，请核对手机时间后重试。"
        if not allowed and info and _worth_saying(info["locked_until"]):
            message = second_factor.retry_message(info["locked_until"])
        form.add_error("code", message)
    if device is None or request.method == "GET":
        device = second_factor.enrol_device(user)
    qr_svg = segno.make(second_factor.provisioning_uri(device)).svg_inline(scale=4)
    return render(
        request,
        "accounts/totp_enrol.html",
        {"form": form, "secret": device.secret, "qr_svg": qr_svg},
    )


def totp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or not user.is_privileged or not second_factor.is_enrolled(user):
        raise Http404
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt = second_factor.verify(user, form.cleaned_data["code"], request)
        if attempt.device is not None:
            target = safe_next(request)
            if second_factor.recovery_codes_left(user) == 0:
                # The last recovery code was used (or the account came from before ADR 0016): new ones, shown once.
                codes = second_factor.issue_recovery_codes(user, request=request)
                return render(request, "accounts/totp_recovery_codes.html", {"codes": codes, "next": target})
            if attempt.method == "recovery_code":
                messages.warning(
                    request,
                    f"已使用一个恢复码，还剩 {second_factor.recovery_codes_left(user)} 个。手机丢失请重新绑定。",
                )
            return redirect(target)
        if attempt.retry_at is not None and _worth_saying(attempt.retry_at):
            form.add_error("code", second_factor.retry_message(attempt.retry_at))
        else:
            form.add_error("code", "验证码不正确" if attempt.method == "totp" else "恢复码不正确或已使用")
    return render(request, "accounts/totp_verify.html", {"form": form})


def _worth_saying(retry_at: dt.datetime) -> bool:
    """A wait of a second or two after one slip is not worth a message; longer ones are."""
    return (retry_at - timezone.now()).total_seconds() >= 3


def _next_query(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    return "?" + urlencode({"next": target}) if target else ""


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
                contacts.send_verification_codes(person.user, request)
                request.session[PENDING_CONTACTS] = person.user_id
                return render(request, "accounts/register_done.html", {"person": person, "form": ContactCodesForm()})
    return render(request, "accounts/register.html", {"form": form, "regions": _region_tree()})


PENDING_CONTACTS = "cecert.contacts_to_verify"


@never_cache
def verify_contacts(request: HttpRequest) -> HttpResponse:
    """Enter the codes sent to one's mobile number and e-mail address: the signed-in user, or the
    applicant who has just registered (who cannot sign in before approval) in the same session."""
    user = _contacts_owner(request)
    if user is None:
        return redirect("accounts:registration_status")
    form = ContactCodesForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "password"):
            return HttpResponse("请求过于频繁，请稍后再试 / too many requests", status=429)
        if request.POST.get("resend") == "1":
            sent = contacts.send_verification_codes(user, request)
            messages.success(
                request, "验证码已重新发送" if sent else "没有需要验证的联系方式，或发送过于频繁，请稍后再试"
            )
            return redirect("accounts:verify_contacts")
        if form.is_valid():
            for field, channel in (("phone_code", ResetChannel.SMS), ("email_code", ResetChannel.EMAIL)):
                code = form.cleaned_data.get(field) or ""
                if code and not contacts.verify_contact(user, channel, code, request):
                    form.add_error(field, "验证码不正确或已过期")
            if not form.errors:
                return redirect("accounts:verify_contacts")
    return render(request, "accounts/verify_contacts.html", {"form": form, "contact_user": user})


def _contacts_owner(request: HttpRequest) -> User | None:
    if request.user.is_authenticated:
        return request.user  # type: ignore[return-value]
    pending = request.session.get(PENDING_CONTACTS)
    return User.objects.filter(pk=pending).first() if isinstance(pending, int) else None


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
            "can_reset_password": user.has_perm("accounts.reset_staff_password", person),
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


TOO_MANY = "请求过于频繁，请稍后再试 / too many requests"
SAME_ANSWER = "如果该账户存在并登记了所选的联系方式，验证码已发送，10分钟内有效。"


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if over_limit(request, "password"):
            return HttpResponse(TOO_MANY, status=429)
        if form.is_valid():
            passwords.change_password(request.user, form.cleaned_data["new_password1"], request)
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, "密码已修改")
            return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": request.user.password_must_change},
    )


def password_forgot(request: HttpRequest) -> HttpResponse:
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "password"):
            return HttpResponse(TOO_MANY, status=429)
        if form.is_valid():
            passwords.request_reset_code(form.cleaned_data["login"], form.cleaned_data["channel"], request)
            messages.info(request, SAME_ANSWER)
            return redirect("accounts:password_reset")
    return render(request, "accounts/password_forgot.html", {"form": form})


@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    form = ResetWithCodeForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "password"):
            return HttpResponse(TOO_MANY, status=429)
        if form.is_valid():
            data = form.cleaned_data
            if passwords.reset_with_code(data["login"], data["code"], data["new_password1"], request):
                messages.success(request, "密码已重置，请用新密码登录")
                return redirect("accounts:login")
            form.add_error("code", "验证码不正确或已失效，请重新获取")
    return render(request, "accounts/password_reset.html", {"form": form})


@role_required(Role.EMPLOYER_ADMIN)
@require_POST
@never_cache
def reset_staff_password(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An employer administrator resets a staff member's password (their own staff only, else 404)."""
    person = get_object_or_404(Person.objects.restrict(request.user).select_related("user"), pk=pk)
    if not request.user.has_perm("accounts.reset_staff_password", person):
        raise Http404
    password = passwords.assisted_reset(person.user, by=request.user, request=request)
    return render(
        request,
        "accounts/assisted_reset_done.html",
        {"name": person.name, "password": password, "back": reverse("people:detail", args=[person.pk])},
    )


@role_required(Role.HR_OFFICER)
@require_POST
@never_cache
def reset_employer_admin_password(request: AuthenticatedHttpRequest, org_pk: int, user_pk: int) -> HttpResponse:
    """An HR officer resets the password of an employer administrator within its region (else 404)."""
    employer = get_object_or_404(
        Organisation.objects.restrict(request.user).filter(kind=OrganisationKind.EMPLOYER), pk=org_pk
    )
    if not request.user.has_perm("accounts.reset_employer_admin_password", employer):
        raise Http404
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        organisation=employer,
        role=Role.EMPLOYER_ADMIN,
        active=True,
        user_id=user_pk,
    )
    password = passwords.assisted_reset(membership.user, by=request.user, request=request)
    return render(
        request,
        "accounts/assisted_reset_done.html",
        {
            "name": membership.user.display_name,
            "password": password,
            "back": reverse("organisations:employer", args=[employer.pk]),
        },
    )
