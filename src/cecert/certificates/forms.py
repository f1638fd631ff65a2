"""The issuing page's filters (year, area, employer, met or not, issued or not)."""

from __future__ import annotations

from typing import Any

from django import forms

from cecert.certificates.domain.eligibility import EligibilityFilters, region_choices
from cecert.crediting.evaluation import today_in_henan
from cecert.organisations.models import Organisation
from cecert.regions.models import Region

EITHER, YES, NO = "", "yes", "no"
FIRST_YEAR = 2017  # the regulation's first year (豫人社〔2017〕121号)


def year_choices() -> list[tuple[int, str]]:
    this_year = today_in_henan().year
    return [(y, f"{y}年") for y in range(this_year, FIRST_YEAR - 1, -1)]


def default_year() -> int:
    """Certificates are issued after the year ends: last year by default."""
    return max(FIRST_YEAR, today_in_henan().year - 1)


class IssuingFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False)
    region = forms.ChoiceField(label="地区", required=False)
    employer = forms.CharField(label="单位名称", required=False, max_length=64)
    met = forms.ChoiceField(
        label="达标情况", required=False, choices=[(EITHER, "全部"), (YES, "已达到年度要求"), (NO, "未达到年度要求")]
    )
    issued = forms.ChoiceField(
        label="发证情况", required=False, choices=[(EITHER, "全部"), (NO, "未发证"), (YES, "已发证")]
    )

    def __init__(self, *args: Any, department: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {r.code: r for r in region_choices(department)}
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]
        self.fields["region"].choices = [(EITHER, "全部"), *((r.code, r.name) for r in self.regions.values())]  # type: ignore[attr-defined]

    def filters(self) -> EligibilityFilters:
        """The filters asked for; anything invalid is reported on its field and read as "either"."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data  # the valid fields, also when another one is not
        region: Region | None = self.regions.get(data.get("region") or "")
        return EligibilityFilters(
            year=data.get("year") or default_year(),
            region=region,
            employer=(data.get("employer") or "").strip(),
            met=_flag(data.get("met", EITHER)),
            issued=_flag(data.get("issued", EITHER)),
        )


def _flag(value: str) -> bool | None:
    return {YES: True, NO: False}.get(value)
