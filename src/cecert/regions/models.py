"""Henan's administrative divisions (GB/T 2260) and the Article 13 issuing-level codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

PROVINCE_CODE = "410000"
HENAN_PREFIX = "41"
PROVINCIAL_DIRECT_ISSUING_CODE = "00"


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("省辖市")
    DIRECT_COUNTY = "direct_county", _("省直管县（市）")
    COUNTY = "county", _("县（市、区）")


ISSUING_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.DIRECT_COUNTY)


class RegionQuerySet(models.QuerySet["Region"]):
    def subtree(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)


class Region(models.Model):
    """One division. ``path`` is a materialized path so a subtree is one prefix query.

    Province-administered counties (省直管县) hang directly under the province, not
    under the city they belong to in GB/T 2260: their HR departments answer to the
    province and issue certificates themselves (Article 12).
    """

    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=64, db_index=True)
    issuing_code = models.CharField(
        _("证书管理号第3至4位"),
        max_length=2,
        blank=True,
        help_text=_("省直单位、省辖市、省直管县（市）的发证级别代码（第十三条）"),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def issuing_region(self) -> Region:
        """The province, city or province-administered county whose HR department issues here."""
        region = self
        while region.level not in ISSUING_LEVELS:
            assert region.parent is not None
            region = region.parent
        return region

    def ancestors_and_self(self) -> list[Region]:
        chain: list[Region] = []
        region: Region | None = self
        while region is not None:
            chain.append(region)
            region = region.parent
        return list(reversed(chain))
