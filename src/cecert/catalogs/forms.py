"""The forms of the catalog, base, program and import pages (``catalogs.views``)."""

from __future__ import annotations

from typing import Any

from django import forms

from cecert.accounts.forms import DomainErrorFormMixin
from cecert.catalogs.domain.imports import ACTIVITY_TYPES
from cecert.catalogs.enums import CatalogKind, GuideState, ImportKind, ProgramForm
from cecert.catalogs.models import CatalogItem, GuideCourse
from cecert.core.labels import activity_label
from cecert.regions.models import Region


class GuideCourseForm(DomainErrorFormMixin, forms.Form):
    code = forms.CharField(label="课程编号", max_length=32)
    title = forms.CharField(label="课程名称", max_length=200)
    hours = forms.DecimalField(label="学时", max_digits=6, decimal_places=1, min_value=0.1)
    provider = forms.CharField(label="提供机构", max_length=128)
    online = forms.BooleanField(label="网络课程", required=False, initial=True)
    url = forms.URLField(label="学习地址", required=False, assume_scheme="https")


class CatalogForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=CatalogKind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="标题", max_length=200)


class CatalogItemForm(DomainErrorFormMixin, forms.Form):
    code = forms.CharField(label="编号", max_length=32)
    title = forms.CharField(label="名称", max_length=200)
    hours = forms.DecimalField(label="学时", max_digits=6, decimal_places=1, min_value=0.1)
    description = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BaseApplicationForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="基地名称", max_length=128)
    region = forms.ModelChoiceField(label="所在地区", queryset=Region.objects.all())
    scope = forms.CharField(label="培训范围", max_length=200)
    admin_username = forms.CharField(label="管理员登录名", max_length=80)
    admin_name = forms.CharField(label="管理员姓名", max_length=64)
    admin_phone = forms.RegexField(label="手机号码", regex=r"^1\d{10}$")
    admin_password = forms.CharField(label="密码", widget=forms.PasswordInput)


class ProgramForm_(DomainErrorFormMixin, forms.Form):
    title = forms.CharField(label="项目名称", max_length=200)
    subject = forms.ChoiceField(label="科目", choices=[("public", "公需科目"), ("professional", "专业科目")])
    form = forms.ChoiceField(label="形式", choices=ProgramForm.choices)
    hours = forms.DecimalField(label="学时", max_digits=6, decimal_places=1, min_value=0.1)
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    capacity = forms.IntegerField(label="名额", min_value=1)
    catalog_item = forms.ModelChoiceField(
        label="专业科目目录条目（专业科目必选）",
        required=False,
        queryset=CatalogItem.objects.counting().select_related("catalog"),
    )
    guide_course = forms.ModelChoiceField(
        label="公需科目指南课程（可选）",
        required=False,
        queryset=GuideCourse.objects.filter(guide__state=GuideState.PUBLISHED),
    )


class BaseCorrectionForm(BaseApplicationForm):
    """The application form without the login: a returned base's admin corrects the rest and resubmits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["admin_username"], self.fields["admin_password"]


# This page's kinds; moving in has its own pages (cecert.movein).
CATALOG_KINDS = (ImportKind.BASE_ENROLMENTS, ImportKind.BASE_COMPLETIONS, ImportKind.EMPLOYER_RECORDS)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入类别", choices=[(k.value, k.label) for k in CATALOG_KINDS])
    activity_type = forms.ChoiceField(
        label="活动类型（单位导入）",
        required=False,
        choices=[("", "—"), *[(t, activity_label(t)) for t in sorted(ACTIVITY_TYPES)]],
    )
    file = forms.FileField(label="文件（.xlsx 或 CSV）")
