"""Chinese words for the codes the platform stores (users read Chinese only; no codes on pages).

One place that turns an activity type, proof kind, provenance channel, role, audit action or
policy version into the words shown on pages; the template filters in ``core.templatetags.labels``
call these. A code nobody has named yet is shown as a neutral Chinese word, never as the code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import timezone

# Verbs of the audit trail ("<object>.<verb>"); record transitions use the record's state codes.
_OBJECTS = {
    "access": "访问",
    "accounts": "账户",
    "api": "接口",
    "api_key": "接口密钥",
    "audit": "审计",
    "base": "继续教育基地",
    "catalog": "目录",
    "catalogs": "目录",
    "certificates": "证书",
    "contact": "联系方式",
    "employer": "用人单位",
    "enrolment": "报名",
    "export": "导出",
    "guide": "指南",
    "import": "导入",
    "keys": "密钥",
    "leave": "离岗",
    "login": "登录",
    "organisations": "单位",
    "other_hours": "其他形式学时确认",
    "password": "密码",
    "policy": "实施细则",
    "person": "人员",
    "program": "培训项目",
    "record": "学习记录",
    "records": "学习记录",
    "regions": "地区",
    "registration": "注册",
    "report": "报表",
    "second_factor": "第二因素",
    "spotcheck": "抽查",
    "transfer": "调动",
    "violation": "违规案件",
    "year": "年度",
}

ACTION_LABELS = {
    "access.denied": "访问被拒绝",
    "accounts.correct_identity": "更正身份信息",
    "accounts.request_transfer": "申请调动",
    "accounts.review_registration": "审核注册",
    "accounts.review_transfer": "审核调动",
    "api.rate_limited": "接口调用超出频率限制",
    "api_key.issued": "签发接口密钥",
    "api_key.revoked": "吊销接口密钥",
    "audit.checkpoint": "审计日志检查点",
    "audit.key_created": "创建审计签名密钥",
    "audit.key_rotated": "轮换审计签名密钥",
    "audit.read": "查阅审计日志",
    "audit.year_attached": "审计日志年度重新挂接",
    "audit.year_detached": "审计日志年度分离归档",
    "base.applied": "申请认定继续教育基地",
    "catalog.draft": "起草目录",
    "catalogs.decide_catalog": "审定目录",
    "catalogs.draft_catalog": "起草目录",
    "catalogs.file_catalog": "报备目录",
    "catalogs.manage_base": "管理继续教育基地",
    "catalogs.publish_guide": "发布指南",
    "catalogs.recognise_base": "认定继续教育基地",
    "certificates.batch_done": "批量出证完成",
    "certificates.batch_interrupted": "批量出证中断",
    "certificates.batch_issued": "批量出证",
    "certificates.batch_requested": "申请批量出证",
    "certificates.issued": "出具证书",
    "certificates.key_created": "创建证书签名密钥",
    "certificates.key_rotated": "轮换证书签名密钥",
    "certificates.reissue_after_overturn": "抽查撤销后重出证书",
    "certificates.credential_exported": "导出电子凭证（开放徽章）",
    "certificates.reissued": "重出证书",
    "certificates.revoked": "撤销证书",
    "certificates.root_created": "创建根证书",
    "employer.submit": "提交单位注册",
    "enrolment.bulk_created": "批量报名",
    "enrolment.created": "报名",
    "export.year_status": "导出年度完成情况",
    "guide.published": "发布指南",
    "import.committed": "导入入库",
    "import.uploaded": "上传导入文件",
    "leave.proof_added": "上传离岗证明",
    "leave.submit": "提交离岗申请",
    "login.failed": "登录失败",
    "login.second_factor": "第二因素验证通过",
    "login.second_factor_failed": "第二因素验证失败",
    "login.success": "登录成功",
    "organisations.review_employer": "审核用人单位",
    "person.correct_identity": "更正身份信息",
    "program.published": "发布培训项目",
    "record.bulk_draft": "批量登记草稿",
    "record.bulk_registered": "批量登记",
    "record.discard": "作废草稿",
    "contact.codes_sent": "发送联系方式验证码",
    "contact.verified": "验证联系方式",
    "contact.verify_failed": "联系方式验证码错误",
    "password.assisted_reset": "协助重置密码",
    "password.changed": "修改密码",
    "password.reset": "凭验证码重置密码",
    "password.reset_code_sent": "发送找回密码验证码",
    "password.reset_failed": "找回密码验证码错误",
    "password.reset_requested": "申请找回密码",
    "password.reset_requested_unknown": "找回密码：账户不存在",
    "password.reset_throttled": "找回密码：验证码发送过于频繁",
    "password.reset_unverified_contact": "找回密码：联系方式未验证",
    "record.draft": "保存草稿",
    "record.proof_added": "上传证明材料",
    "record.registered": "登记学习记录",
    "record.update": "修改学习记录",
    "record.submitted": "提交学习记录，待单位初审",
    "record.employer_approved": "单位初审通过，待认定",
    "record.certified": "认定学习记录",
    "record.returned": "退回学习记录",
    "record.merged": "合并重复记录",
    "record.overturned": "抽查撤销认定",
    "records.certify": "认定学习记录",
    "records.close_year": "年度截止",
    "records.confirm_leave": "确认离岗",
    "records.declare_for": "代为登记",
    "records.first_review": "单位初审",
    "records.merge": "合并重复记录",
    "records.person_transferred": "人员调动",
    "records.spot_check": "抽查",
    "records.submit": "提交学习记录",
    "records.year_attached": "记录年度重新挂接",
    "records.year_detached": "记录年度分离归档",
    "regions.edit_issuing_codes": "修改发证机关代码",
    "registration.submit": "提交注册",
    "registration.pending": "提交注册，待单位审核",
    "registration.approved": "注册审核通过",
    "registration.returned": "退回注册申请",
    "registration.withdrawn": "撤回注册申请",
    "report.check": "核查报表",
    "second_factor.enrol": "绑定第二因素",
    "second_factor.recovery_code_used": "使用恢复码",
    "spotcheck.confirm": "确认抽查结果",
    "spotcheck.draw": "抽取抽查样本",
    "transfer.request": "申请调动",
    "year.deadline": "年度截止",
    "guide.co_authors": "设置指南的共同制定部门",
    "logout": "退出登录",
    "login.second_factor_throttled": "第二因素验证过于频繁，暂被限制",
    "policy.draft": "起草实施细则",
    "policy.edit": "修改实施细则",
    "record.bulk_employer_approved": "单位批量初审通过",
    "record.certified_part": "认定学习记录的一部分科目",
    "second_factor.enrol_failed": "绑定第二因素失败",
    "second_factor.recovery_codes_issued": "生成恢复码",
    "violation.open": "立案（违反证书管理行为）",
}


def action_groups() -> dict[str, tuple[str, ...]]:
    """``{"证书": ("certificates.",), "学习记录": ("record.", "records."), …}``: the kinds of audit action
    by their Chinese name, with the action prefixes of each (the audit page's filter)."""
    groups: dict[str, list[str]] = {}
    for code, noun in _OBJECTS.items():
        groups.setdefault(noun, []).append(f"{code}.")
    return {noun: tuple(codes) for noun, codes in sorted(groups.items())}


def action_label(code: Any) -> str:
    """``"record.submitted"`` → ``"提交学习记录，待单位初审"``; an unnamed action → ``"学习记录操作"``."""
    code = str(code or "")
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    noun = _OBJECTS.get(code.split(".", 1)[0])
    return f"{noun}操作" if noun else "系统操作"


def object_label(code: Any) -> str:
    """``"records.record"`` (an audit entry's object type) → the model's name, ``"学习记录"``."""
    from django.apps import apps

    code = str(code or "")
    if not code:
        return ""
    try:
        name = str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return _OBJECTS.get(code.split(".", 1)[0], "对象")
    if _CHINESE.search(name):
        return name
    # A model without a Chinese verbose_name (Django's default is its class name): name it by its kind.
    app_label, _, model_name = code.partition(".")
    return _OBJECTS.get(model_name) or _OBJECTS.get(app_label) or "对象"


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def activity_label(code: Any) -> str:
    """``"conference"`` → ``"学术会议"`` (the title of its crediting schema)."""
    code = str(code or "")
    return _named("activity", code) or ("其他" if code else "")


def proof_label(code: Any, activity_type: Any = "") -> str:
    """``"notice"`` → the proof's name on the upload form (``"会议通知"`` for a conference: one kind
    may be named differently by each activity type, so pass the record's type when known)."""
    code = str(code or "")
    return _named("proof", code, str(activity_type or "")) or ("其他材料" if code else "")


def channel_label(code: Any) -> str:
    code = str(code or "")
    return _named("channel", code) or ("其他渠道" if code else "")


def role_label(code: Any) -> str:
    code = str(code or "")
    return _named("role", code) or ("其他角色" if code else "")


# The words for activity types, proof kinds, channels and roles belong to the apps that define those
# codes (core imports no app above it): each app registers its look-ups from ``AppConfig.ready``, and
# a code is looked up in them in the order the apps are installed; the first word found is shown.
LabelLookup = Callable[..., str | None]
_LOOKUPS: dict[str, list[LabelLookup]] = {}


def register_label_lookup(kind: str, lookup: LabelLookup) -> None:
    """``lookup(code, *context)`` names a code of ``kind`` (``"activity"``, ``"proof"``, ``"channel"``,
    ``"role"``), or answers ``None`` when it does not know it. Registering the same look-up again is a no-op."""
    lookups = _LOOKUPS.setdefault(kind, [])
    if lookup not in lookups:
        lookups.append(lookup)


def _named(kind: str, code: str, *context: str) -> str:
    for lookup in _LOOKUPS.get(kind, ()):
        word = lookup(code, *context)
        if word:
            return str(word)
    return ""


_POLICY = re.compile(r"^(?P<name>.+)@(?P<date>\d{4}-\d{2}-\d{2})$")


def policy_label(code: Any) -> str:
    """A policy version as words: ``"…@2024-01-01"`` → ``"2024年1月1日起施行的学时认定政策"``.

    The one place pages name a policy version (the policy's Chinese name can be looked up here later).
    """
    code = str(code or "")
    if not code:
        return ""
    match = _POLICY.match(code)
    if not match:
        return "学时认定政策"
    day = dt.date.fromisoformat(match["date"])
    return f"{day.year}年{day.month}月{day.day}日起施行的学时认定政策"


def chinese_part(text: Any) -> str:
    """The Chinese part of a bilingual ``"中文 / English"`` message or help text (pages show only Chinese)."""
    text = str(text or "")
    if " / " not in text:
        return text
    kept = [_TRAILING_ENGLISH.sub("", part) for part in text.split(" / ") if not _is_english(part)]
    return " / ".join(kept) or text


# "… 省级 (organiser level)": an English aside closing a Chinese part.
_TRAILING_ENGLISH = re.compile(r"\s*\([^()\u4e00-\u9fff]*\)\s*$")


def _is_english(part: str) -> bool:
    return not re.search(r"[\u4e00-\u9fff]", part) and bool(re.search(r"[A-Za-z]{2,}", part))


def local_time(value: Any) -> dt.datetime | Any:
    """An ISO timestamp (as stored in JSON) or an aware datetime, in the local time zone."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        return timezone.localtime(value)
    return value
