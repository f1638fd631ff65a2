"""The form an HR officer opens an Article 15 case with (people and organisations looked up in scope)."""

from __future__ import annotations

from django import forms

from cecert.violations.enums import CaseKind, CaseSource


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label="违规类型", choices=CaseKind.choices)
    source = forms.ChoiceField(
        label="发现途径", choices=[c for c in CaseSource.choices if c[0] != CaseSource.SPOT_CHECK]
    )
    evidence = forms.CharField(label="证据说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    certificate_serial = forms.CharField(label="证书序列号", required=False, max_length=32)
    record = forms.IntegerField(label="记录编号", required=False, min_value=1)
    person = forms.CharField(label="涉及人员证书管理号", required=False, max_length=13)
    organisation = forms.CharField(label="涉及单位统一社会信用代码或名称", required=False, max_length=128)
    suspicious_verification = forms.CharField(label="可疑查验编号", required=False, max_length=64)


class DecisionForm(forms.Form):
    decision = forms.CharField(label="处理决定", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label="处理依据（条例条款）", required=False, max_length=100)
    reason = forms.CharField(label="结案说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
