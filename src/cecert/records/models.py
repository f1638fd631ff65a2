"""Continuing-education records, their proof files, leave, per-person year requirements, year deadlines.

Models are thin: the rules live in ``cecert.records.domain`` and
``cecert.review.domain``. Hours are never typed in: they are computed by
``cecert.crediting`` and stored with the policy version used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cecert.accounts.models import Person
from cecert.organisations.models import Organisation
from cecert.records.enums import TRAINING_TYPES, Channel, LeaveKind, LeaveState, RecordState, RecordSubject

if TYPE_CHECKING:
    from cecert.accounts.models import User


class SubmittedRecordsAreKept(Exception):
    """Raised when code tries to delete a record that was ever submitted."""


class RecordQuerySet(models.QuerySet["Record"]):
    def restrict(self, user: User) -> RecordQuerySet:
        """Records of the people ``user`` may see (fails closed: no role, nothing)."""
        from cecert.accounts.jurisdiction import person_scope

        return self.filter(person_scope(user, via="person__"))

    def certified(self) -> RecordQuerySet:
        return self.filter(state=RecordState.CERTIFIED)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.exclude(state=RecordState.DRAFT, submitted_at__isnull=True).exists():
            raise SubmittedRecordsAreKept("submitted records are never deleted")
        return super().delete()


class Record(models.Model):
    """One continuing-education activity of one person (继续教育记录, Article 10)."""

    person = models.ForeignKey(Person, verbose_name=_("专业技术人员"), on_delete=models.PROTECT, related_name="records")
    year = models.PositiveSmallIntegerField(_("计入年度"), db_index=True)
    activity_type = models.CharField(_("活动类型"), max_length=32)
    activity = models.JSONField(_("活动内容"))
    subject = models.CharField(_("科目"), max_length=16, choices=RecordSubject.choices)
    title = models.CharField(_("内容（名称）"), max_length=200)
    form = models.CharField(_("形式"), max_length=64, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    assessment = models.CharField(_("考核结果"), max_length=64, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=7, decimal_places=1)
    credits = models.DecimalField(_("学分"), max_digits=7, decimal_places=1, null=True, blank=True)
    # What counts towards the requirement in the policy's unit: credits under a credit policy, else hours.
    amount = models.DecimalField(_("计入量"), max_digits=7, decimal_places=1)
    unit = models.CharField(_("单位"), max_length=8, default="hour")
    deems_public = models.BooleanField(_("视为完成公需科目"), default=False)
    deems_professional = models.BooleanField(_("视为完成专业科目"), default=False)
    explanation = models.TextField(_("学时计算说明"))
    clause = models.CharField(_("依据条款"), max_length=16)
    completes = models.JSONField(_("视为完成"), default=list)
    policy_id = models.CharField(_("政策版本"), max_length=80)
    channel = models.CharField(_("登记渠道"), max_length=16, choices=Channel.choices)
    source = models.ForeignKey(
        Organisation, verbose_name=_("登记机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=24, choices=RecordState.choices, default=RecordState.DRAFT)
    state_reason = models.TextField(_("原因"), blank=True)
    state_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    provenance = models.JSONField(_("来源"), default=list)
    dedupe_key = models.CharField(max_length=64, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("可能重复"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_reviewed_at = models.DateTimeField(null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certified_at = models.DateTimeField(null=True, blank=True)
    # Article 11(2)/(3): who certified each subject. A "both" record is certified twice, by HR for the
    # public part and by the industry authority (or an industry organisation it authorises) for the
    # professional part; it is certified when both parts are.
    public_certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公需科目认定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    public_certified_at = models.DateTimeField(_("公需科目认定时间"), null=True, blank=True)
    professional_certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专业科目认定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    professional_certified_at = models.DateTimeField(_("专业科目认定时间"), null=True, blank=True)
    # Article 4: the guide topic or filed catalog entry the training follows, where one exists.
    guide_course = models.ForeignKey(
        "catalogs.GuideCourse",
        verbose_name=_("公需科目指南课程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    catalog_item = models.ForeignKey(
        "catalogs.CatalogItem",
        verbose_name=_("专业科目目录条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("继续教育记录")
        verbose_name_plural = _("继续教育记录")
        indexes = [
            models.Index(fields=["year", "state", "person"], name="record_year_state_person"),
            models.Index(fields=["person", "year"], name="record_person_year"),
            models.Index(fields=["state", "state_changed_at"], name="record_state_age"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="record_hours_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.hours} 学时）"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.state != RecordState.DRAFT or self.submitted_at is not None:
            raise SubmittedRecordsAreKept("submitted records are never deleted")
        return super().delete(*args, **kwargs)

    @property
    def counts_for_public(self) -> bool:
        return self.subject in (RecordSubject.PUBLIC, RecordSubject.BOTH)

    @property
    def outside_guide_and_catalogs(self) -> bool:
        """Article 4: declared training that names neither a guide course nor a filed catalog entry."""
        return self.activity_type in TRAINING_TYPES and self.guide_course_id is None and self.catalog_item_id is None


class ProofFile(models.Model):
    """A proof document (Article 10), stored under a random key outside the web root."""

    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.PROTECT, related_name="proofs")
    leave = models.ForeignKey("Leave", null=True, blank=True, on_delete=models.PROTECT, related_name="proofs")
    kind = models.CharField(_("材料类别"), max_length=32)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=128, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("证明材料")
        constraints = [
            models.CheckConstraint(
                condition=(Q(record__isnull=False) & Q(leave__isnull=True))
                | (Q(record__isnull=True) & Q(leave__isnull=False)),
                name="proof_belongs_to_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class Leave(models.Model):
    """Leave that may pro-rate a year's requirement (Article 8); counts once confirmed — by the employer for
    8(1)–(3), by the employer's 业务主管部门 for 8(4) (state ``submitted`` waits for it)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="leaves")
    kind = models.CharField(_("类别"), max_length=16, choices=LeaveKind.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=LeaveState.choices, default=LeaveState.PENDING)
    state_reason = models.TextField(_("原因"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Article 8(4): the employer admin who submitted the request to the 业务主管部门.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("请假、离岗")
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="leave_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start}–{self.end}"


class PersonYear(models.Model):
    """A person's requirement for one year, as the crediting engine computed it.

    Refreshed for one person when their confirmed leave (or policy inputs)
    change, and bulk-created for everyone else, so the jurisdiction-wide year
    status is one grouped SQL query. ``region_code``/``industry`` are the
    policy inputs used; a row whose inputs no longer match the person's
    employer is recomputed.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField()
    required_total = models.PositiveIntegerField()
    required_public = models.PositiveIntegerField()
    required_professional = models.PositiveIntegerField()
    excused_days = models.PositiveSmallIntegerField(default=0)
    policy_id = models.CharField(max_length=80)
    unit = models.CharField(max_length=8, default="hour")
    region_code = models.CharField(max_length=6)
    industry = models.CharField(max_length=64, blank=True)
    has_leave = models.BooleanField(default=False)
    explanation = models.TextField(blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="one_person_year")]
        indexes = [models.Index(fields=["year", "person"], name="personyear_year_person")]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.year}: {self.required_total}"


class YearClosing(models.Model):
    """The provincial HR department's deadline for a year; after it the year takes no new records."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    deadline = models.DateField(_("截止日期"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度截止")

    def __str__(self) -> str:
        return f"{self.year}：{self.deadline}"

    @property
    def is_closed(self) -> bool:
        from cecert.crediting.evaluation import today_in_henan

        return today_in_henan() > self.deadline


class CertifiedYearSum(models.Model):
    """Certified amounts of one person and year, by subject, in whole tenths; written only by triggers.

    Every insert, update or delete of a record adds or subtracts its own
    contribution (``records/domain/sums.py``), so the year status of a
    whole jurisdiction is a 1:1 join (``domain.years.year_status``) and never
    a GROUP BY over records. ``cecert years sums --check`` compares the table
    with a fresh recomputation. A row of zeros means the same as no row.
    """

    pk = models.CompositePrimaryKey("person_id", "year")
    person = models.ForeignKey(Person, on_delete=models.DO_NOTHING, related_name="certified_sums", db_constraint=False)
    year = models.PositiveSmallIntegerField()
    public_tenths = models.IntegerField()
    professional_tenths = models.IntegerField()
    # How many certified records deem the subject complete (counts, so a delta can undo one).
    deems_public_records = models.IntegerField()
    deems_professional_records = models.IntegerField()

    class Meta:
        managed = False
        db_table = "records_certifiedyearsum"

    def __str__(self) -> str:
        return f"{self.person_id}/{self.year}"
