"""The audit trail as a security auditor reads it: each entry a Chinese sentence, its before/after as
field changes with Chinese field names and labelled values (never raw codes or dicts).

Nothing here changes what is stored: the entries (and their hashes) keep the codes; only the page
words them. Field names come from the object's model (``verbose_name``) where the key is one of its
fields, else from :data:`FIELD_LABELS`; values through the model field's choices or the shared labels.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from cecert.audit.models import AuditEntry
from cecert.core import labels

# Keys the platform writes into before/after, in words (model fields are named by their models).
FIELD_LABELS = {
    "activity": "活动内容",
    "activity_type": "活动类型",
    "base": "继续教育基地",
    "basis": "处理依据",
    "certificate_number": "证书管理号",
    "certificate_serial": "证书序列号",
    "certified_parts": "已认定部分",
    "channel": "渠道",
    "channels": "发送渠道",
    "chains": "审计链",
    "co_authors": "共同制定部门",
    "committed": "已导入行数",
    "count": "数量",
    "entries": "条目数",
    "courses": "课程数",
    "date": "日期",
    "deadline": "截止日期",
    "decision": "处理决定",
    "department": "部门",
    "effective_from": "施行日期",
    "employer": "工作单位",
    "end": "结束日期",
    "enrolments": "报名记录",
    "first": "第一个序列号",
    "from": "原单位",
    "heartbeat_at": "最近心跳时间",
    "hours": "学时",
    "id_number": "身份证号码",
    "issued": "新发证书数",
    "issuer": "发证部门",
    "items": "条目数",
    "key": "政策版本",
    "key_id": "密钥编号",
    "kind": "类别",
    "last": "最后一个序列号",
    "limit": "限额",
    "lookup": "查询条件",
    "method": "方式",
    "recovery_codes_left": "剩余恢复码",
    "model": "对象类型",
    "name": "名称",
    "number": "编号",
    "older_expire": "旧密钥失效时间",
    "only": "范围",
    "organisation": "单位",
    "organizer": "主办单位级别",
    "outcome": "结果",
    "path": "请求路径",
    "person": "人员",
    "policy": "学时认定政策",
    "population": "抽查总体数",
    "processed": "已处理数",
    "program": "培训项目",
    "proof": "证明材料",
    "rate": "抽查比例",
    "reason": "原因",
    "record": "学习记录",
    "records": "学习记录",
    "region": "地区",
    "rejected": "有误行数",
    "replaces": "所替换的证书",
    "required": "要求",
    "requirement": "年度要求",
    "retired": "停用的密钥",
    "retry_after": "重试等待（秒）",
    "rows": "行数",
    "sample": "样本数",
    "seals": "各链封存位置（序号、哈希）",
    "scope": "适用范围",
    "seed": "随机种子",
    "sequence": "日志序号",
    "serial": "证书序列号",
    "sha256": "文件摘要",
    "size": "文件大小（字节）",
    "skipped": "无已认定记录人数",
    "sm2_key_id": "SM2密钥编号",
    "source": "来源",
    "spot_check": "抽查批次",
    "spot_check_item": "抽查条目",
    "start": "开始日期",
    "state": "状态",
    "status": "状态",
    "status_index": "状态列表位置",
    "status_list": "状态列表编号",
    "subject": "科目",
    "suspicious_verification": "可疑查验记录",
    "table": "报表",
    "timestamped": "已加时间戳",
    "title": "名称",
    "to": "新单位",
    "total": "总数",
    "type": "活动类型",
    "unchanged": "未变化人数",
    "unit": "计量单位",
    "version": "版本",
    "via": "方式",
    "window": "时间窗口（秒）",
    "year": "年度",
    "years": "年度",
    "professional": "专业科目",
    "public": "公需科目",
}
# Keys holding the id of another object: shown as its number, never looked up (no personal data here).
REFERENCE_KEYS = frozenset(
    {
        "base",
        "department",
        "employer",
        "enrolments",
        "from",
        "issuer",
        "organisation",
        "person",
        "program",
        "proof",
        "record",
        "records",
        "source",
        "spot_check",
        "spot_check_item",
        "suspicious_verification",
        "to",
    }
)
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MAX_LISTED = 10


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


def _model(entry: AuditEntry) -> type[models.Model] | None:
    try:
        return apps.get_model(entry.object_type) if entry.object_type else None
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(key)
    except Exception:
        return None
    return found if isinstance(found, models.Field) else None


def field_label(key: str, model: type[models.Model] | None = None) -> str:
    field = _field(model, key)
    if field is not None and key not in REFERENCE_KEYS and field.verbose_name != key.replace("_", " "):
        return str(field.verbose_name)
    return FIELD_LABELS.get(key, "其他")


def _value_labeller(key: str, model: type[models.Model] | None) -> Callable[[Any], str] | None:
    """How one key's values read, when they are codes."""
    field = _field(model, key)
    if field is not None and field.choices:
        choices = {str(k): str(v) for k, v in field.flatchoices}
        return lambda v: choices.get(str(v), str(v))
    if key == "kind" and model is not None and model._meta.label_lower in ("records.record", "records.leave"):
        return labels.proof_label  # the kind of a proof file added to a record or a leave (no choices there)
    if key in ("type", "activity_type"):
        return labels.activity_label
    if key == "channel":
        return labels.channel_label
    if key in ("policy", "key"):
        return labels.policy_label
    if key == "method":  # the second factor used, or an API call's HTTP method (kept as it is)
        return lambda v: {"totp": "动态验证码", "recovery_code": "恢复码"}.get(str(v), str(v))
    if key == "unit":
        return lambda v: {"hour": "学时", "credit": "学分"}.get(str(v), str(v))
    if key == "subject":
        from cecert.records.enums import RecordSubject

        subjects = {str(k): str(v) for k, v in RecordSubject.choices}
        return lambda v: subjects.get(str(v), str(v))
    return None


def value_text(key: str, value: Any, model: type[models.Model] | None = None) -> str:
    """One value as the page shows it."""
    if value is None or value == "":
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        shown = [value_text(key, v, model) for v in value[:MAX_LISTED]]
        more = f" 等共 {len(value)} 项" if len(value) > MAX_LISTED else ""
        return "、".join(shown) + more
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{value_text(k, v)}" for k, v in value.items())
    if key in REFERENCE_KEYS:
        return f"编号 {value}"
    if key == "sha256":
        return f"{str(value)[:12]}…"
    labeller = _value_labeller(key, model)
    if labeller is not None:
        return labeller(value)
    if isinstance(value, str) and _ISO_TIME.match(value):
        moment = labels.local_time(value)
        if isinstance(moment, dt.datetime):
            return f"{moment:%Y-%m-%d %H:%M:%S}"
    return str(value)


def entry_changes(entry: AuditEntry) -> list[FieldChange]:
    """Before/after as one row per key, in the order they were written (before's keys first)."""
    model = _model(entry)
    before, after = entry.before or {}, entry.after or {}
    keys = [*before, *(k for k in after if k not in before)]
    return [
        FieldChange(
            label=field_label(key, model),
            before=value_text(key, before[key], model) if key in before else "",
            after=value_text(key, after[key], model) if key in after else "",
        )
        for key in keys
    ]


def _state_choices(prefix: str, model: type[models.Model] | None) -> dict[str, str]:
    """The states an ``<object>.<state>`` action can name (a base's recognition has its own)."""
    if prefix == "base":
        from cecert.catalogs.enums import RecognitionState

        return {str(k): str(v) for k, v in RecognitionState.choices}
    field = _field(model, "state")
    return {str(k): str(v) for k, v in field.flatchoices} if field is not None and field.choices else {}


def action_phrase(entry: AuditEntry) -> str:
    """What was done, in words: a named action, a state change, or an export of a named table."""
    action = entry.action or ""
    if action in labels.ACTION_LABELS:
        return labels.ACTION_LABELS[action]
    prefix, _, verb = action.partition(".")
    if prefix == "export" and isinstance(entry.after, dict) and entry.after.get("title"):
        return f"导出《{entry.after['title']}》"
    state = _state_choices(prefix, _model(entry)).get(verb)
    if state is not None:
        return f"将{labels.object_label(entry.object_type)}的状态改为“{state}”"
    return labels.action_label(action)


def entry_sentence(entry: AuditEntry) -> str:
    """``"张三（人社部门经办人）于 2026-12-06 12:30 撤销证书（证书 2025-4101-0000001）。"``"""
    if entry.actor_label:
        who = entry.actor_label + (f"（{labels.role_label(entry.actor_role)}）" if entry.actor_role else "")
    else:
        who = "系统"
    when = timezone.localtime(entry.at)
    target = ""
    if entry.object_type:
        serial = (entry.after or {}).get("serial") if isinstance(entry.after, dict) else None
        name = labels.object_label(entry.object_type)
        target = f"（{name} {serial}）" if serial else f"（{name}，编号 {entry.object_id}）"
    return f"{who}于 {when:%Y-%m-%d %H:%M} {action_phrase(entry)}{target}。"
