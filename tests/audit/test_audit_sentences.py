"""The audit page in words: every action the code records reads as Chinese, before/after as field
changes with Chinese names and labelled values — found by reading the source, so a new action or key
without words fails here."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

import cecert
from cecert.audit.models import AuditEntry
from cecert.audit.presentation import FIELD_LABELS, entry_changes, entry_sentence
from cecert.certificates.domain import issuance
from cecert.core.labels import ACTION_LABELS
from tests.certificates.factories import YEAR, full_year
from tests.factories import World, logged_in

SOURCE = Path(cecert.__file__).parent


def _audit_calls() -> list[tuple[str, ast.Call]]:
    """Every call of ``cecert.audit.domain.record`` (under whatever local name) in the source."""
    calls = []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "cecert.audit.domain"
            for alias in node.names
            if alias.name == "record"
        }
        calls += [
            (f"{path.relative_to(SOURCE)}:{node.lineno}", node)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
        ]
    return calls


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def test_the_source_is_read() -> None:
    assert len(_audit_calls()) > 40


def test_every_recorded_action_has_words() -> None:
    unnamed = [
        (where, action)
        for where, call in _audit_calls()
        if call.args
        for action in _strings(call.args[0])
        if action not in ACTION_LABELS
    ]
    assert not unnamed


def test_every_key_written_before_or_after_has_a_chinese_name() -> None:
    unnamed = [
        (where, key.value)
        for where, call in _audit_calls()
        for keyword in call.keywords
        if keyword.arg in ("before", "after") and isinstance(keyword.value, ast.Dict)
        for key in keyword.value.keys
        if isinstance(key, ast.Constant) and key.value not in FIELD_LABELS
    ]
    assert not unnamed


# The f-string actions ("<object>.{to_state}") and the model whose states they name.
STATE_FAMILIES = [
    ("employer", "organisations.organisation", "approved", "已通过"),
    ("registration", "accounts.person", "returned", "已退回"),
    ("transfer", "accounts.transfer", "approved", "已通过"),
    ("record", "records.record", "certified", "已认定"),
    ("leave", "records.leave", "submitted", "待业务主管部门批准"),
    ("policy", "policies.creditingpolicy", "filed", "已备案"),
    ("catalog", "catalogs.catalog", "accepted", "已备案"),
    ("base", "organisations.organisation", "recognised", "已备案认可"),
    ("violation", "violations.case", "closed", "已结案"),
    ("other_hours", "policies.otherhoursconfirmation", "confirmed", "已确认"),
]


@pytest.mark.parametrize(("prefix", "object_type", "state", "words"), STATE_FAMILIES)
def test_state_changes_read_as_sentences(prefix: str, object_type: str, state: str, words: str) -> None:
    entry = AuditEntry(
        sequence=1,
        at=timezone.now(),
        actor_label="王经办",
        actor_role="hr_officer",
        action=f"{prefix}.{state}",
        object_type=object_type,
        object_id="7",
        before={"state": "pending"},
        after={"state": state},
    )
    sentence = entry_sentence(entry)
    assert sentence.startswith("王经办（人社部门经办人）于 ") and "编号 7" in sentence
    assert state not in sentence and prefix not in sentence
    named = ACTION_LABELS.get(entry.action)
    assert (named in sentence) if named else (f"的状态改为“{words}”" in sentence), sentence
    assert "操作" not in sentence


def test_values_are_labelled_not_raw() -> None:
    entry = AuditEntry(
        sequence=2,
        at=timezone.now(),
        action="certificates.revoked",
        object_type="certificates.certificate",
        object_id="3",
        before={"status": "valid"},
        after={"status": "revoked", "serial": "2025-4101-0000001", "years": [2025, 2025], "met": True},
    )
    changes = {c.label: (c.before, c.after) for c in entry_changes(entry)}
    assert changes["状态"] == ("有效", "已撤销")
    assert changes["证书序列号"] == ("", "2025-4101-0000001")
    assert changes["年度"] == ("", "2025、2025")
    assert changes["其他"] == ("", "是")  # an unnamed key still shows, under a neutral name
    assert entry_sentence(entry).startswith("系统于 ") and "撤销证书（证书 2025-4101-0000001）" in entry_sentence(entry)


def test_the_auditor_reads_sentences_and_field_changes(world: World, django_assert_max_num_queries: Any) -> None:
    person = world.people["emp_jinshui"]
    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    issuance.revoke_certificate(certificate, "记录有误", by=world.users["hr_zhengzhou"])
    client = logged_in(world.users["auditor"])
    client.get("/audit/")
    with django_assert_max_num_queries(12):
        page = client.get("/audit/").content.decode()
    assert "撤销证书（证书 " in page and "出具证书（证书 " in page and "原因：记录有误" in page
    assert '<th scope="row">状态</th><td>有效</td><td>已撤销</td>' in page
    for raw in ("certificates.issued", "certificates.revoked", "registration.approved", "{&#x27;", "{&quot;"):
        assert raw not in page
    only = client.get("/audit/", {"group": "证书"}).content.decode()
    assert "撤销证书" in only and "注册审核通过" not in only


def test_the_audit_page_is_the_auditors_only(world: World) -> None:
    for key in ("sysadmin", "hr_province", "admin_emp_jinshui", "person_jinshui"):
        assert logged_in(world.users[key]).get("/audit/", {"group": "证书"}).status_code == 404
