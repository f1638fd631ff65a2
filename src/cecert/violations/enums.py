"""Kinds, sources and states of Article 15 cases (违反证书管理行为)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    FORGED = "forged", _("伪造证书")
    REPRINTED = "reprinted", _("翻印证书")
    FALSE_RECORD = "false_record", _("虚假登记")


class CaseSource(models.TextChoices):
    VERIFICATION = "verification", _("证书查验发现")
    REPORT = "report", _("举报")
    SPOT_CHECK = "spot_check", _("抽查审验发现")


class CaseState(models.TextChoices):
    OPEN = "open", _("待处理")
    DECIDED = "decided", _("已作出处理决定")
    CLOSED = "closed", _("已结案")
