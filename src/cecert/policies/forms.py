"""Forms of the drafting page (Article 16 / 7(13) rules) and the filing decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cecert.accounts.forms import DomainErrorFormMixin
from cecert.policies.domain.filing import OtherForm, RuleDraft
from cecert.policies.models import CreditingPolicy

SUBJECTS = [("professional", _("专业科目")), ("public", _("公需科目"))]


class RuleForm(DomainErrorFormMixin, forms.Form):
    title = forms.CharField(label=_("实施细则名称"), max_length=200)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    effective_from = forms.DateField(label=_("施行日期"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ChoiceField(label=_("计量单位"), choices=[("hour", _("学时")), ("credit", _("学分（学分制）"))])
    total = forms.IntegerField(label=_("年度总要求"), min_value=1, max_value=1000)
    public = forms.IntegerField(label=_("其中公需科目不少于"), min_value=0, max_value=1000)
    professional = forms.IntegerField(label=_("其中专业科目不少于"), min_value=0, max_value=1000)
    hours_per_credit = forms.DecimalField(
        label=_("多少学时折合 1 学分"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal(1000),
        decimal_places=1,
        help_text=_("仅学分制填写"),
    )

    @classmethod
    def initial_for(cls, rule: CreditingPolicy) -> dict[str, Any]:
        requirement = rule.requirement
        return {
            "title": rule.title,
            "document_number": rule.document_number,
            "effective_from": rule.effective_from,
            "unit": rule.body.get("unit", "hour"),
            "total": requirement.get("total"),
            "public": requirement.get("public"),
            "professional": requirement.get("professional"),
            "hours_per_credit": rule.body.get("hours_per_credit"),
        }


class OtherFormForm(forms.Form):
    code = forms.RegexField(
        label=_("形式代码"),
        regex=r"^[a-z][a-z0-9_]{0,39}$",
        required=False,
        help_text=_("小写字母、数字和下划线，如 lecture"),
        error_messages={"invalid": _("只能使用小写字母、数字和下划线，以字母开头")},
    )
    title = forms.CharField(label=_("形式名称"), max_length=100, required=False)
    subject = forms.ChoiceField(label=_("科目"), choices=SUBJECTS, required=False)
    hours = forms.DecimalField(
        label=_("每项学时"), required=False, min_value=Decimal("0.1"), max_value=Decimal(1000), decimal_places=1
    )
    hours_per_credit = forms.DecimalField(
        label=_("多少学时折合 1 学分"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal(1000),
        decimal_places=1,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("code") and not data.get("title"):
            self.add_error("title", _("请填写形式名称"))
        if data.get("title") and not data.get("code"):
            self.add_error("code", _("请填写形式代码"))
        return data


OtherFormSet = forms.formset_factory(OtherFormForm, extra=3, max_num=10)


def other_forms_initial(rule: CreditingPolicy) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "title": kind.get("title_zh", ""),
            "subject": kind.get("subject", "professional"),
            "hours": kind.get("hours"),
            "hours_per_credit": kind.get("hours_per_credit"),
        }
        for code, kind in rule.body.get("other_kinds", {}).items()
    ]


def rule_draft(form: RuleForm, formset: Any) -> RuleDraft:
    data = form.cleaned_data
    forms_ = tuple(
        OtherForm(
            code=f["code"],
            title=f["title"],
            subject=f.get("subject") or "professional",
            hours=f.get("hours"),
            hours_per_credit=f.get("hours_per_credit"),
        )
        for f in (fs.cleaned_data for fs in formset.forms)
        if f and f.get("code")
    )
    return RuleDraft(
        title=data["title"],
        document_number=data["document_number"],
        effective_from=data["effective_from"],
        total=data["total"],
        public=data["public"],
        professional=data["professional"],
        unit=data["unit"],
        hours_per_credit=data["hours_per_credit"],
        other_forms=forms_,
    )
