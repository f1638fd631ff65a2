"""Article 15 violations register: a case per forged/reprinted certificate or false record.

《证书》……任何单位和个人不得伪造、翻印。有违反证书管理行为的，依照《河南省专业技术人员继续教育条例》
有关规定追究其法律责任。 Models are thin; the one transition function is
``cecert.violations.domain.cases.transition_case``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cecert.accounts.models import Person, Role
from cecert.organisations.models import Organisation
from cecert.records.models import Record
from cecert.review.models import SpotCheckItem
from cecert.violations.enums import CaseKind, CaseSource, CaseState

if TYPE_CHECKING:
    from cecert.accounts.models import User

NOTHING = Q(pk__in=[])
LAW = "《河南省专业技术人员继续教育条例》"


class CaseQuerySet(models.QuerySet["Case"]):
    def restrict(self, user: User) -> CaseQuerySet:
        """Cases of the regions whose HR department the user belongs to (fails closed)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.filter(NOTHING)
        q = NOTHING
        for hr in user.organisations_for(Role.HR_OFFICER):
            q |= Q(region_path__startswith=hr.region.path)
        return self.filter(q)


class Case(models.Model):
    """One violation of certificate management (Article 15), handled by the HR department of its region."""

    kind = models.CharField(_("违规类型"), max_length=16, choices=CaseKind.choices)
    source = models.CharField(_("发现途径"), max_length=16, choices=CaseSource.choices)
    department = models.ForeignKey(
        Organisation, verbose_name=_("处理部门"), on_delete=models.PROTECT, related_name="violation_cases"
    )
    region_path = models.CharField(max_length=64, db_index=True, editable=False)
    evidence = models.TextField(_("证据说明"))
    certificate_serial = models.CharField(_("证书序列号"), max_length=32, blank=True)
    record = models.ForeignKey(
        Record, verbose_name=_("继续教育记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("涉及人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("涉及单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spot_check_item = models.OneToOneField(
        SpotCheckItem,
        verbose_name=_("抽查审验"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violation_case",
    )
    # The public id of a certificates.SuspiciousVerification (a parallel branch adds that model).
    suspicious_verification = models.CharField(_("可疑查验编号"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=CaseState.choices, default=CaseState.OPEN)
    decision = models.TextField(_("处理决定"), blank=True)
    basis = models.CharField(_("处理依据（条例条款）"), max_length=100, blank=True)
    state_reason = models.TextField(_("结案说明"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("违规案件")
        verbose_name_plural = _("违规案件")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organisation__isnull=False),
                name="case_names_a_person_or_organisation",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | (~Q(decision="") & ~Q(basis="")) | Q(decided_at__isnull=True),
                name="case_decision_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def basis_text(self) -> str:
        return f"{LAW}{self.basis}" if self.basis else ""
