"""Forms of the records pages. Activity fields come from ``cecert.crediting.forms`` (the schemas)."""

from __future__ import annotations

from typing import Any

from django import forms

from cecert.crediting.forms import activity_type_choices
from cecert.records.domain.declaring import Declaration
from cecert.records.enums import TRAINING_TYPES, LeaveKind, RecordSubject

DATE = forms.DateInput(attrs={"type": "date"})


class DeclarationForm(forms.Form):
    title = forms.CharField(label="内容（名称）", max_length=200)
    form = forms.CharField(label="形式", max_length=64, required=False, help_text="如：面授、网络、会议、自学")
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE, help_text="学时计入结束日期所在年度")
    assessment = forms.CharField(label="考核结果", max_length=64, required=False, help_text="如：合格")
    # Article 4 (optional, training only): the guide course or filed catalog entry followed.
    guide_course: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="公需科目指南课程",
        queryset=None,
        required=False,
        help_text="所学内容列入当年已发布的公需科目指南的，请选择（可不选）",
    )
    catalog_item: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="专业科目目录条目",
        queryset=None,
        required=False,
        help_text="所学内容列入本行业已备案的专业科目目录的，请选择（可不选）",
    )

    def __init__(self, *args: Any, activity_type: str = "", **kwargs: Any) -> None:
        from cecert.catalogs.enums import GuideState
        from cecert.catalogs.models import CatalogItem, GuideCourse

        super().__init__(*args, **kwargs)
        if activity_type not in TRAINING_TYPES:
            del self.fields["guide_course"], self.fields["catalog_item"]
            return
        guide = self.fields["guide_course"]
        guide.queryset = (  # type: ignore[attr-defined]
            GuideCourse.objects.filter(guide__state=GuideState.PUBLISHED)
            .select_related("guide")
            .order_by("-guide__year", "code")
        )
        guide.label_from_instance = lambda c: f"{c.guide.year}年 {c.code} {c.title}"  # type: ignore[attr-defined]
        item = self.fields["catalog_item"]
        item.queryset = CatalogItem.objects.counting().select_related("catalog").order_by("-catalog__year", "code")  # type: ignore[attr-defined]
        item.label_from_instance = lambda i: f"{i.catalog.year}年 {i.catalog.title} {i.code} {i.title}"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期早于开始日期")
        return data

    def declaration(self) -> Declaration:
        d = self.cleaned_data
        return Declaration(
            title=d["title"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            form=d["form"],
            assessment=d["assessment"],
            guide_course=d.get("guide_course"),
            catalog_item=d.get("catalog_item"),
        )


class ProofUploadForm(forms.Form):
    kind = forms.ChoiceField(label="材料类别")
    file = forms.FileField(label="文件", help_text="PDF、JPEG、PNG，按文件内容识别", allow_empty_file=True)

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=LeaveKind.choices)
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)


class DeadlineForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2017, max_value=2100)
    deadline = forms.DateField(label="截止日期", widget=DATE)


class RecordFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False)
    type = forms.ChoiceField(label="活动类型", required=False)
    subject = forms.ChoiceField(label="科目", required=False, choices=[("", "全部"), *RecordSubject.choices])
    employer = forms.IntegerField(label="单位", required=False, widget=forms.HiddenInput)
    age = forms.IntegerField(label="等待天数不少于", required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "全部"), *activity_type_choices()]  # type: ignore[attr-defined]


def this_year() -> int:
    from cecert.crediting.evaluation import today_in_henan

    return today_in_henan().year


def default_year_choices() -> list[int]:
    year = this_year()
    return list(range(year, max(2017, year - 8) - 1, -1))


__all__ = [
    "DeadlineForm",
    "DeclarationForm",
    "LeaveForm",
    "ProofUploadForm",
    "ReasonForm",
    "RecordFilterForm",
    "default_year_choices",
]
