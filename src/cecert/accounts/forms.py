"""Forms: field validation here, business rules in ``domain/`` (their errors land on the named field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from cecert.accounts.idnumbers import IdNumberError, parse_id_number
from cecert.accounts.models import Education, Gender, ResetChannel
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
from cecert.regions.models import Region


class DomainErrorFormMixin:
    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, error.message_zh)  # type: ignore[attr-defined]


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("身份证号码或登录名"),
        max_length=80,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("登录名或密码错误，或账户尚未通过审核。连续失败5次将锁定30分钟。"),
        "inactive": _("账户尚未通过审核。"),
    }


class IdNumberField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            return parse_id_number(value).value
        except IdNumberError as exc:
            raise forms.ValidationError(exc.message_zh) from None


def employer_choices(region_code: str | None) -> Any:
    qs = Organisation.objects.employers().approved()
    if region_code:
        return qs.filter(region__code=region_code)
    return qs.none()


class PersonRegistrationForm(DomainErrorFormMixin, forms.Form):
    id_number = IdNumberField(label=_("身份证号码"), max_length=18, min_length=18)
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput,
        min_length=8,
        help_text=_("至少8位，包含大写字母、小写字母、数字、特殊字符中的至少三类"),
    )
    password_confirm = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)
    name = forms.CharField(label=_("姓名"), max_length=64)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.RegexField(
        label=_("手机号码"), regex=r"^1\d{10}$", error_messages={"invalid": _("请输入11位手机号码")}
    )
    email = forms.EmailField(label=_("电子邮箱"))
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    specialty = forms.CharField(label=_("所学专业"), max_length=64)
    title_series = forms.CharField(label=_("职称系列"), max_length=64)
    region = forms.ModelChoiceField(label=_("单位所在地区"), queryset=Region.objects.all(), to_field_name="code")
    employer = forms.ModelChoiceField(label=_("工作单位"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_code = self.data.get("region") if self.is_bound else None
        self.fields["employer"].queryset = employer_choices(region_code)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致"))
        return data


class RegistrationStatusForm(forms.Form):
    id_number = IdNumberField(label=_("身份证号码"), max_length=18)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class ReasonForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("return", _("退回"))])
    reason = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TransferRequestForm(forms.Form):
    region = forms.ModelChoiceField(label=_("新单位所在地区"), queryset=Region.objects.all(), to_field_name="code")
    employer = forms.ModelChoiceField(label=_("新工作单位"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_code = self.data.get("region") if self.is_bound else None
        self.fields["employer"].queryset = employer_choices(region_code)  # type: ignore[attr-defined]


class IdentityCorrectionForm(DomainErrorFormMixin, forms.Form):
    id_number = IdNumberField(label=_("更正后的身份证号码"), required=False, max_length=18)
    name = forms.CharField(label=_("更正后的姓名"), required=False, max_length=64)
    reason = forms.CharField(label=_("更正原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("id_number") and not data.get("name"):
            raise forms.ValidationError(_("请填写需要更正的身份证号码或姓名"))
        return data


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("动态验证码或恢复码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class EmployerRegistrationForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=128)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18)
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Region.objects.all(), to_field_name="code")
    authority = forms.ModelChoiceField(
        label=_("行业主管部门"),
        queryset=Organisation.objects.filter(
            kind=OrganisationKind.INDUSTRY_AUTHORITY, state=OrganisationState.APPROVED
        ),
    )
    provincial_direct = forms.BooleanField(label=_("省直单位"), required=False)
    admin_username = forms.RegexField(
        label=_("管理员登录名"),
        regex=r"^[A-Za-z][A-Za-z0-9_.-]{3,39}$",
        error_messages={"invalid": _("登录名为4至40位字母、数字或 _ . -，以字母开头")},
    )
    admin_name = forms.CharField(label=_("管理员姓名"), max_length=64)
    admin_phone = forms.RegexField(
        label=_("管理员手机号码"), regex=r"^1\d{10}$", error_messages={"invalid": _("请输入11位手机号码")}
    )
    admin_password = forms.CharField(label=_("管理员密码"), widget=forms.PasswordInput, min_length=8)


class ForgotPasswordForm(forms.Form):
    login = forms.CharField(label=_("身份证号码或登录名"), max_length=80)
    channel = forms.ChoiceField(
        label=_("验证码发送到"), choices=ResetChannel.choices, initial=ResetChannel.SMS, widget=forms.RadioSelect
    )


class ResetWithCodeForm(forms.Form):
    login = forms.CharField(label=_("身份证号码或登录名"), max_length=80)
    code = forms.RegexField(
        label=_("验证码"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("请输入收到的6位数字验证码")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，包含大写字母、小写字母、数字、特殊字符中的至少三类，且不能是常见密码"),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("两次输入的密码不一致"))
        elif first:
            try:
                validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


class ContactCodesForm(forms.Form):
    """The codes sent to the mobile number and the e-mail address; either may be entered alone."""

    phone_code = forms.RegexField(
        label=_("手机短信验证码"),
        regex=r"^\s*\d{6}\s*$",
        required=False,
        error_messages={"invalid": _("请输入收到的6位数字验证码")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    email_code = forms.RegexField(
        label=_("邮箱验证码"),
        regex=r"^\s*\d{6}\s*$",
        required=False,
        error_messages={"invalid": _("请输入收到的6位数字验证码")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
