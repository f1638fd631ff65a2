"""The roles a user holds on the platform (a leaf module: the jurisdiction filters and the models both read it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROFESSIONAL = "professional", _("专业技术人员")
    EMPLOYER_ADMIN = "employer_admin", _("用人单位管理员")
    HR_OFFICER = "hr_officer", _("人社部门经办人")
    INDUSTRY_OFFICER = "industry_officer", _("行业主管部门经办人")
    BASE_ADMIN = "base_admin", _("继续教育基地管理员")
    SYSADMIN = "sysadmin", _("系统管理员")
    AUDITOR = "auditor", _("安全审计员")
