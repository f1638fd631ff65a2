"""Crediting policies as versioned, filed records (Articles 5, 7(13), 16) and 7(13) hour confirmations.

Models are thin: the rules live in ``cecert.policies.domain``. The pure
crediting core never reads these tables; ``domain.registry`` turns the filed
rows into a ``cecert.crediting.policies.PolicySet`` and passes it in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cecert.organisations.models import Industry, Organisation
from cecert.policies.domain.generation import bump_generation
from cecert.regions.models import Region


class PolicyState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送备案")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("已退回")
    # Kept only so that records computed under it stay resolvable; never selected.
    LEGACY = "legacy", _("不再适用")


class CreditingPolicy(models.Model):
    """One version of a crediting policy: the provincial policy, or a filed local or industry rule.

    ``body`` holds the complete policy tables (requirement, Article 7 rates,
    Article 8 leave rules, unit, other forms) as the crediting core reads them;
    the columns (scope, dates, title) override the body's copies. Only rows in
    state ``filed`` decide anyone's year, from ``effective_from``.
    """

    policy_id = models.CharField(_("规则标识"), max_length=64)
    version = models.CharField(_("版本"), max_length=32)
    key = models.CharField(_("政策版本"), max_length=100, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    issuer = models.ForeignKey(
        Organisation, verbose_name=_("制定部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_region = models.ForeignKey(
        Region, verbose_name=_("适用地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The scope region's materialized path; "" = the whole province.
    scope_path = models.CharField(max_length=64, blank=True)
    industry = models.ForeignKey(
        Industry, verbose_name=_("适用行业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField(_("施行日期"))
    body = models.JSONField(_("政策内容"))
    state = models.CharField(_("状态"), max_length=16, choices=PolicyState.choices, default=PolicyState.DRAFT)
    state_reason = models.TextField(_("退回原因"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-effective_from", "-pk"]
        verbose_name = _("学时认定政策")
        verbose_name_plural = _("学时认定政策")
        indexes = [models.Index(fields=["state", "effective_from"], name="policy_state_effective")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        bump_generation()

    @property
    def scope_label(self) -> str:
        where = self.scope_region.name if self.scope_region is not None else "全省"
        return f"{where}·{self.industry.name}" if self.industry is not None else where

    @property
    def requirement(self) -> dict[str, Any]:
        return dict(self.body.get("requirement", {}))

    @property
    def unit_zh(self) -> str:
        return "学分" if self.body.get("unit") == "credit" else "学时"


class ConfirmationState(models.TextChoices):
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("不予确认")


class OtherHoursConfirmation(models.Model):
    """Article 7(13): the named department confirms an "other form" record's hours in the platform.

    Each confirmation is reported to (appears in the filing list of) the provincial HR department.
    """

    record = models.OneToOneField(
        "records.Record", verbose_name=_("继续教育记录"), on_delete=models.PROTECT, related_name="other_confirmation"
    )
    department = models.ForeignKey(Organisation, verbose_name=_("确认部门"), on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(_("确认学时"), max_digits=7, decimal_places=1)
    state = models.CharField(_("结果"), max_length=16, choices=ConfirmationState.choices)
    reason = models.TextField(_("原因"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("确认时间"))

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("其他形式学时确认")

    def __str__(self) -> str:
        return f"{self.record_id}: {self.get_state_display()}"
