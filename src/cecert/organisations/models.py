"""HR departments, industry authorities, employers and training bases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cecert.accounts.jurisdiction import organisation_scope
from cecert.regions.models import PROVINCE_CODE, Region

if TYPE_CHECKING:
    from cecert.accounts.models import User


class Industry(models.Model):
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("行业"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行业")

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    HR_DEPARTMENT = "hr", _("人力资源社会保障部门")
    INDUSTRY_AUTHORITY = "industry", _("行业主管部门")
    # Article 11(3): an industry organisation certifies professional subjects when the industry
    # authority named in ``authority`` authorises it.
    INDUSTRY_ORGANISATION = "industry_org", _("行业组织")
    EMPLOYER = "employer", _("用人单位")
    TRAINING_BASE = "base", _("继续教育基地")


class OrganisationState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")
    SUSPENDED = "suspended", _("已暂停")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def restrict(self, user: User) -> OrganisationQuerySet:
        return self.filter(organisation_scope(user))

    def employers(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.EMPLOYER)

    def approved(self) -> OrganisationQuerySet:
        return self.filter(state=OrganisationState.APPROVED)


class Organisation(models.Model):
    """Any body that acts on the platform.

    ``jurisdiction_path`` is where the organisation sits for access control:
    the region's path, except that provincial-direct units (省直单位) sit at the
    province whatever city they are located in (Article 12).
    """

    kind = models.CharField(_("类型"), max_length=16, choices=OrganisationKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所在地区"), on_delete=models.PROTECT)
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), null=True, blank=True, on_delete=models.PROTECT)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    authority = models.ForeignKey(
        "self",
        verbose_name=_("行业主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised",
        limit_choices_to={"kind": OrganisationKind.INDUSTRY_AUTHORITY},
    )
    provincial_direct = models.BooleanField(_("省直单位"), default=False)
    state = models.CharField(
        _("状态"), max_length=16, choices=OrganisationState.choices, default=OrganisationState.PENDING
    )
    state_reason = models.TextField(_("退回原因"), blank=True)
    jurisdiction_path = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "region__code", "name"]
        verbose_name = _("机构")
        constraints = [
            models.UniqueConstraint(fields=["region"], condition=Q(kind="hr"), name="one_hr_department_per_region"),
            models.CheckConstraint(condition=~Q(kind="employer") | Q(uscc__isnull=False), name="employer_has_uscc"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.jurisdiction_path = self.compute_jurisdiction_path()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "jurisdiction_path"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def compute_jurisdiction_path(self) -> str:
        if self.provincial_direct:
            return PROVINCE_CODE + "/"
        return self.region.path
