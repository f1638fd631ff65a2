"""Spot-checks (Article 11(4)); in-app notifications live in ``cecert.notifications``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cecert.organisations.models import Organisation
from cecert.records.models import Record


class SpotCheck(models.Model):
    """A reproducible sample of certified records: same population, rate and seed → same sample."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("抽查部门"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField(_("年度"))
    rate = models.DecimalField(_("抽查比例"), max_digits=5, decimal_places=4)
    seed = models.CharField(_("随机种子"), max_length=64)
    population_ids = models.JSONField(_("抽查范围（记录编号）"))
    population_size = models.PositiveIntegerField()
    sample_size = models.PositiveIntegerField()
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = _("抽查审验")

    def __str__(self) -> str:
        return f"{self.year} 抽查 {self.rate} / {self.seed}"


class SpotCheckOutcome(models.TextChoices):
    PENDING = "pending", _("待审验")
    CONFIRMED = "confirmed", _("审验通过")
    OVERTURNED = "overturned", _("撤销认定")


class SpotCheckItem(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="items")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="spot_checks")
    position = models.PositiveIntegerField()
    outcome = models.CharField(max_length=16, choices=SpotCheckOutcome.choices, default=SpotCheckOutcome.PENDING)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["spot_check", "position"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "record"], name="one_item_per_record")]

    def __str__(self) -> str:
        return f"{self.spot_check_id}#{self.position}: {self.get_outcome_display()}"
