"""Moving in from the current platform (ADR 0023): where each moved-in person came from, and their past years.

Models are thin; the rules live in ``cecert.movein.domain``. Both tables are
written only by the import commit (the ``catalogs`` import machinery) and no
page or endpoint changes them afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cecert.accounts.models import Person
from cecert.catalogs.models import ImportRun
from cecert.organisations.models import Organisation


class Provenance(models.Model):
    """Where an imported row came from: the import (its file's SHA-256 and importer) and the row number."""

    run = models.ForeignKey(ImportRun, verbose_name=_("导入"), on_delete=models.PROTECT, related_name="+")
    row_number = models.PositiveIntegerField(_("原表行号"))
    source_sha256 = models.CharField(_("源文件SHA-256"), max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"))

    class Meta:
        abstract = True


class MovedInPerson(Provenance):
    """A person registered by an import: moved in from the current platform (HR) or registered in bulk by the
    employer. ``kept_number`` says whether the certificate number came from the file (kept, Article 13) or
    was allocated here."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="moved_in")
    kept_number = models.BooleanField(_("沿用原证书管理号"))

    class Meta:
        verbose_name = _("迁入人员")
        constraints = [models.UniqueConstraint(fields=["run", "row_number"], name="moved_in_person_row_once")]

    def __str__(self) -> str:
        return f"{self.person_id} ← {self.run_id}:{self.row_number}"


class LegacyYear(Provenance):
    """One past year of one person as certified on the current platform: certified amounts by subject, the
    verdict, and the year's annual certificate (issued and sealed there by the HR department ``issuer`` —
    Articles 12 and 13 — and not re-signed here). Amounts are whole tenths, like the certified sums."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="moved_in_years")
    year = models.PositiveSmallIntegerField(_("年度"))
    public_tenths = models.PositiveIntegerField(_("公需科目学时（十分之一）"))
    professional_tenths = models.PositiveIntegerField(_("专业科目学时（十分之一）"))
    met = models.BooleanField(_("是否达标"))
    certificate_serial = models.CharField(_("原证书编号"), max_length=40, null=True, blank=True, unique=True)
    issuer = models.ForeignKey(
        Organisation, verbose_name=_("发证机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("迁入年度")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_legacy_year"),
            models.UniqueConstraint(fields=["run", "row_number"], name="legacy_year_row_once"),
            models.CheckConstraint(
                condition=(Q(certificate_serial__isnull=True) & Q(issuer__isnull=True) & Q(issued_on__isnull=True))
                | (Q(certificate_serial__isnull=False) & Q(issuer__isnull=False) & Q(issued_on__isnull=False)),
                name="legacy_certificate_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.year}"
