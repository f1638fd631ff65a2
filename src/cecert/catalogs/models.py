"""Public-subject guides, professional catalogs, training bases, programs, imports and base API credentials.

Models are thin: the rules live in ``cecert.catalogs.domain``. Training bases
are ``Organisation(kind="base")``; their recognition (备案, Article 6) is kept in
``BaseRecognition``. A base's word replaces no review step (Article 11(1): 必须).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cecert.accounts.models import Person
from cecert.catalogs.enums import (
    CatalogKind,
    CatalogState,
    EnrolmentState,
    FlagKind,
    GuideState,
    ImportKind,
    ImportState,
    ProgramForm,
    ProgramState,
    RecognitionState,
    Via,
)
from cecert.organisations.models import Industry, Organisation
from cecert.records.enums import RecordSubject
from cecert.records.models import Record

if TYPE_CHECKING:
    from cecert.accounts.models import User

HOURS = {"max_digits": 6, "decimal_places": 1}


# --- Article 4: the public-subject guide -------------------------------------------------------


class PublicGuideQuerySet(models.QuerySet["PublicGuide"]):
    def published(self) -> PublicGuideQuerySet:
        return self.filter(state=GuideState.PUBLISHED)


class PublicGuide(models.Model):
    """The provincial HR department's guide of public-subject courses for one year (公需科目指南)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    title = models.CharField(_("标题"), max_length=200)
    state = models.CharField(_("状态"), max_length=16, choices=GuideState.choices, default=GuideState.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Article 4: 由省人力资源社会保障厅会同行业主管部门确定 — the industry authorities that co-author it.
    co_authors = models.ManyToManyField(
        Organisation,
        verbose_name=_("会同确定的行业主管部门"),
        blank=True,
        related_name="co_authored_guides",
        limit_choices_to={"kind": "industry"},
    )

    objects = PublicGuideQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("公需科目指南")

    def __str__(self) -> str:
        return self.title


class GuideCourse(models.Model):
    guide = models.ForeignKey(PublicGuide, on_delete=models.CASCADE, related_name="courses")
    code = models.CharField(_("课程编号"), max_length=32)
    title = models.CharField(_("课程名称"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=HOURS["max_digits"], decimal_places=HOURS["decimal_places"])
    provider = models.CharField(_("提供机构"), max_length=128)
    base = models.ForeignKey(
        Organisation, verbose_name=_("承办基地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    online = models.BooleanField(_("网络课程"), default=True)
    url = models.URLField(_("学习地址"), blank=True)

    class Meta:
        ordering = ["guide", "code"]
        verbose_name = _("公需科目课程")
        constraints = [
            models.UniqueConstraint(fields=["guide", "code"], name="guide_course_code_unique"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="guide_course_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.hours} 学时）"


# --- Article 4: professional-subject catalogs and industry training plans ----------------------


class Catalog(models.Model):
    """Drafted by an industry authority, filed with (accepted or returned by) the provincial HR department."""

    authority = models.ForeignKey(
        Organisation, verbose_name=_("行业主管部门"), on_delete=models.PROTECT, related_name="catalogs"
    )
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=16, choices=CatalogKind.choices, default=CatalogKind.CATALOG)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    state = models.CharField(_("状态"), max_length=16, choices=CatalogState.choices, default=CatalogState.DRAFT)
    state_reason = models.TextField(_("退回原因"), blank=True)
    filed_at = models.DateTimeField(_("报备时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "authority", "title"]
        verbose_name = _("专业科目目录、行业培训计划")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class CatalogItemQuerySet(models.QuerySet["CatalogItem"]):
    def counting(self) -> CatalogItemQuerySet:
        """Only items of accepted catalogs count as professional-subject training of their industry."""
        return self.filter(catalog__state=CatalogState.ACCEPTED)


class CatalogItem(models.Model):
    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("编号"), max_length=32)
    title = models.CharField(_("名称"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=HOURS["max_digits"], decimal_places=HOURS["decimal_places"])
    description = models.TextField(_("内容"), blank=True)

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        ordering = ["catalog", "code"]
        verbose_name = _("目录条目")
        constraints = [
            models.UniqueConstraint(fields=["catalog", "code"], name="catalog_item_code_unique"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="catalog_item_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}（{self.hours} 学时）"


# --- Article 6: training bases ---------------------------------------------------------------------


class BaseRecognition(models.Model):
    """A training base's recognition (备案). Its registrations pass the whole review chain (Article 11)."""

    base = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="recognition")
    state = models.CharField(
        _("备案状态"), max_length=16, choices=RecognitionState.choices, default=RecognitionState.APPLIED
    )
    state_reason = models.TextField(_("原因"), blank=True)
    scope = models.CharField(_("培训范围"), max_length=200, blank=True)
    applied_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("基地备案")

    def __str__(self) -> str:
        return f"{self.base} · {self.get_state_display()}"

    @property
    def is_recognised(self) -> bool:
        return self.state == RecognitionState.RECOGNISED


class Program(models.Model):
    """A training program a base publishes (title, subject, hours, dates, capacity, catalog item)."""

    base = models.ForeignKey(Organisation, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="programs")
    title = models.CharField(_("项目名称"), max_length=200)
    subject = models.CharField(
        _("科目"),
        max_length=16,
        choices=[
            (RecordSubject.PUBLIC.value, RecordSubject.PUBLIC.label),
            (RecordSubject.PROFESSIONAL.value, RecordSubject.PROFESSIONAL.label),
        ],
    )
    form = models.CharField(_("形式"), max_length=16, choices=ProgramForm.choices, default=ProgramForm.CLASSROOM)
    hours = models.DecimalField(_("学时"), max_digits=HOURS["max_digits"], decimal_places=HOURS["decimal_places"])
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    capacity = models.PositiveIntegerField(_("名额"))
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("专业科目目录条目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programs",
    )
    guide_course = models.ForeignKey(
        GuideCourse,
        verbose_name=_("公需科目指南课程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programs",
    )
    state = models.CharField(_("状态"), max_length=16, choices=ProgramState.choices, default=ProgramState.PUBLISHED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("培训项目")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="program_dates"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="program_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def activity_type(self) -> str:
        return "online_course" if self.form == ProgramForm.ONLINE else "training_base"


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def restrict(self, user: User) -> EnrolmentQuerySet:
        from cecert.catalogs.domain.scope import enrolment_scope

        return self.filter(enrolment_scope(user))


class Enrolment(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    state = models.CharField(_("状态"), max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.ENROLLED)
    via = models.CharField(_("渠道"), max_length=8, choices=Via.choices, default=Via.PAGE)
    enrolled_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        Record, verbose_name=_("继续教育记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("结业时间"), null=True, blank=True)
    assessment = models.CharField(_("考核结果"), max_length=64, blank=True)
    studied_seconds = models.PositiveIntegerField(_("已学习秒数"), default=0)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["program", "pk"]
        verbose_name = _("报名")
        constraints = [models.UniqueConstraint(fields=["program", "person"], name="one_enrolment_per_program")]

    def __str__(self) -> str:
        return f"{self.person} · {self.program}"


class ProgressReport(models.Model):
    """One online-learning interval reported by a base; refused ones are flagged for the base and HR."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="progress_reports")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    base = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    session = models.CharField(_("学习会话"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    seconds = models.PositiveIntegerField(_("上报学习秒数"))
    accepted = models.BooleanField(_("采信"), default=False)
    flag = models.CharField(_("异常类别"), max_length=32, choices=FlagKind.choices, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    reported_at = models.DateTimeField(_("上报时间"), default=timezone.now)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("网络学习进度")
        indexes = [
            models.Index(fields=["person", "accepted", "started_at"], name="progress_person_interval"),
            models.Index(fields=["base", "accepted"], name="progress_base_flags"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.started_at:%Y-%m-%d %H:%M} {self.seconds}s"


# --- Bulk import ---------------------------------------------------------------------------------


class ImportRun(models.Model):
    """One uploaded file: a dry run first, then an atomic-per-chunk, resumable commit."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("导入机构"), on_delete=models.PROTECT, related_name="imports"
    )
    kind = models.CharField(_("导入类别"), max_length=24, choices=ImportKind.choices)
    activity_type = models.CharField(_("活动类型"), max_length=32, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    file_format = models.CharField(max_length=8)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=128)
    state = models.CharField(_("状态"), max_length=16, choices=ImportState.choices, default=ImportState.UPLOADED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    accepted_rows = models.PositiveIntegerField(_("可导入行数"), default=0)
    rejected_rows = models.PositiveIntegerField(_("有误行数"), default=0)
    committed_rows = models.PositiveIntegerField(_("已导入行数"), default=0)
    last_row = models.PositiveIntegerField(_("已完成至行"), default=0)
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who started the commit: a commit the file store interrupted is resumed in their name.
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("批量导入")
        constraints = [
            # The same file imported twice by the same importer is the same import.
            models.UniqueConstraint(
                fields=["organisation", "kind", "activity_type", "sha256"], name="one_import_per_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} · {self.get_state_display()}"


class ImportIssue(models.Model):
    """A rejected row: row number (as in the sheet), column header, field and reason."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=64, blank=True)
    field = models.CharField(_("字段"), max_length=64, blank=True)
    code = models.CharField(max_length=32)
    message_zh = models.TextField()
    message_en = models.TextField()

    class Meta:
        ordering = ["run", "row", "pk"]
        indexes = [models.Index(fields=["run", "row"], name="import_issue_run_row")]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.message_zh}"


class ImportRow(models.Model):
    """The ledger of committed rows, keyed by (import, row number): a resumed import skips these."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "row_number"], name="import_row_once")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.row_number}"


# --- Article 9(3): the integration API for bases -------------------------------------------------------


class ApiCredential(models.Model):
    """A base's API key: ``key_id`` is public, the secret is stored encrypted (HMAC needs it back)."""

    base = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_credentials")
    key_id = models.CharField(max_length=40, unique=True)
    secret_encrypted = models.TextField()
    service_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("接口密钥")

    def __str__(self) -> str:
        return self.key_id

    def is_usable(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)  # type: ignore[operator]


class ApiNonce(models.Model):
    """Nonces seen within the timestamp window: a replayed request is refused."""

    key_id = models.CharField(max_length=40)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="nonce_once")]

    def __str__(self) -> str:
        return f"{self.key_id}:{self.nonce}"


class IdempotentRequest(models.Model):
    """A write and its response: the same key with the same body gets the same response."""

    base = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["base", "key"], name="idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"


class ApiCall(models.Model):
    """API usage per base (the base's dashboard shows it)."""

    base = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key_id = models.CharField(max_length=40, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["base", "at"], name="api_call_base_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
