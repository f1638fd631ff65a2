"""States, channels and kinds of continuing-education records (Articles 8–11)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待单位初审")
    EMPLOYER_APPROVED = "employer_approved", _("待认定")
    CERTIFIED = "certified", _("已认定")
    RETURNED = "returned", _("已退回")
    MERGED = "merged", _("已合并")
    OVERTURNED = "overturned", _("抽查撤销")


# Activity types that are training (Article 6(1), 7(1)/(2), online learning): the ones a guide or catalog covers
# (Article 4); a record of one that names neither is flagged to its reviewer.
TRAINING_TYPES = frozenset({"training", "training_base", "online_course"})

# Groupings used by queries and pages.
PENDING_STATES = (RecordState.SUBMITTED, RecordState.EMPLOYER_APPROVED)
EDITABLE_STATES = (RecordState.DRAFT, RecordState.RETURNED)
# Records that are the live version of an activity (duplicates are compared with these).
LIVE_STATES = (*PENDING_STATES, RecordState.CERTIFIED, RecordState.RETURNED)


class Channel(models.TextChoices):
    """How the record came in (Article 9)."""

    PERSON = "person", _("本人登记")
    EMPLOYER = "employer", _("单位代为登记")
    BASE = "base", _("继续教育基地登记")
    ONLINE = "online", _("平台自动登记（网络学习）")


class RecordSubject(models.TextChoices):
    PUBLIC = "public", _("公需科目")
    PROFESSIONAL = "professional", _("专业科目")
    BOTH = "both", _("公需和专业科目")


class LeaveKind(models.TextChoices):
    ABROAD = "abroad", _("在境外工作")
    SICK = "sick", _("病假")
    MATERNITY = "maternity", _("生育")
    OTHER_APPROVED = "other_approved", _("其他经批准情况")


class LeaveState(models.TextChoices):
    PENDING = "pending", _("待单位确认")
    # Article 8(4): 经业务主管部门批准的其他情况 — the employer has submitted it to its 业务主管部门.
    SUBMITTED = "submitted", _("待业务主管部门批准")
    CONFIRMED = "confirmed", _("已确认")
    RETURNED = "returned", _("已退回")
