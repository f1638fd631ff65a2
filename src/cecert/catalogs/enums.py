"""States and kinds of the catalogs app (Articles 4, 6, 9)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GuideState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class CatalogKind(models.TextChoices):
    CATALOG = "catalog", _("专业科目目录")
    PLAN = "plan", _("行业培训计划")


class CatalogState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FILED = "filed", _("已报备，待省人社厅受理")
    ACCEPTED = "accepted", _("已备案")
    RETURNED = "returned", _("已退回")


class RecognitionState(models.TextChoices):
    APPLIED = "applied", _("待备案")
    RECOGNISED = "recognised", _("已备案认可")
    RETURNED = "returned", _("已退回")
    SUSPENDED = "suspended", _("已暂停")
    WITHDRAWN = "withdrawn", _("已撤销")


class ProgramForm(models.TextChoices):
    CLASSROOM = "classroom", _("面授培训")
    ONLINE = "online", _("网络学习")


class ProgramState(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


class EnrolmentState(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    COMPLETED = "completed", _("已结业")
    CANCELLED = "cancelled", _("已取消")


class Via(models.TextChoices):
    PAGE = "page", _("页面")
    IMPORT = "import", _("批量导入")
    API = "api", _("接口")


class ImportKind(models.TextChoices):
    BASE_ENROLMENTS = "base_enrolments", _("基地报名名单")
    BASE_COMPLETIONS = "base_completions", _("基地结业名单")
    EMPLOYER_RECORDS = "employer_records", _("单位人员继续教育记录")
    # Moving in (ADR 0023; the rows are the movein app's): people and their past years from the current
    # platform's export, and an employer's own staff registered in bulk.
    MOVEIN_PEOPLE = "movein_people", _("原平台人员迁入")
    MOVEIN_YEARS = "movein_years", _("原平台历年学时与证书迁入")
    STAFF_PEOPLE = "staff_people", _("单位人员批量注册")


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    CHECKING = "checking", _("检查中")
    CHECKED = "checked", _("已检查（试导入）")
    COMMITTING = "committing", _("导入中")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("失败")
    # A commit stopped by the file store (not by the file): what it wrote stays, resumed from there.
    INTERRUPTED = "interrupted", _("已中断")


class FlagKind(models.TextChoices):
    FASTER_THAN_REAL_TIME = "faster_than_real_time", _("学习时长超过实际经过时间")
    OVERLAP = "overlap", _("同一时间学习多门课程")
    EXCEEDS_HOURS = "exceeds_hours", _("学习时长超过课程学时")
    REPEATED_INTERVAL = "repeated_interval", _("学习时段重复上报")
    FUTURE = "future", _("学习时段晚于当前时间")
    INVALID_INTERVAL = "invalid_interval", _("学习时段无效")
