"""The public verification result page, built without running the template engine per request.

Verifiers hit this page at volume (ADR 0012). Everything on it but the certificate's facts and a
tampering detail depends only on the language and the answer's status, so that frame is rendered
once per process from ``certificates/verify.html`` (with markers where the varying parts go) and
the facts are escaped into it. The labels are translated once per language.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop

from cecert.core.labels import local_time

_CERTIFICATES = "@@cecert:certificates@@"
_DETAIL = "@@cecert:detail@@"

_TEXTS = {
    "serial": gettext_noop("证书序列号"),
    "kind": gettext_noop("类型"),
    "status": gettext_noop("状态"),
    "valid": gettext_noop("有效"),
    "revoked": gettext_noop("已撤销"),
    "revoked_at": gettext_noop("撤销时间"),
    "revocation_reason": gettext_noop("撤销原因"),
    "replaced_by": gettext_noop("换发版本"),
    "replaces": gettext_noop("替代版本"),
    "holder": gettext_noop("持证人"),
    "certificate_number": gettext_noop("证书管理号"),
    "employer": gettext_noop("工作单位"),
    "years": gettext_noop("年度"),
    "public": gettext_noop("公需科目"),
    "professional": gettext_noop("专业科目"),
    "total": gettext_noop("合计"),
    "met": gettext_noop("是否达标"),
    "met_yes": gettext_noop("已达到要求"),
    "met_no": gettext_noop("未达到要求"),
    "issuer": gettext_noop("发证部门"),
    "version": gettext_noop("版本"),
    "hours": gettext_noop("学时"),
    # a certificate moved in from the current platform (ADR 0023)
    "legacy_serial": gettext_noop("原证书编号"),
    "legacy_met": gettext_noop("原平台记载的年度结论"),
    "legacy_issuer": gettext_noop("发证部门（原平台记载）"),
    "legacy_issued_on": gettext_noop("发证日期（原平台记载）"),
    "moved_in_on": gettext_noop("迁入本平台日期"),
    "signature": gettext_noop("本平台签章"),
    "no_signature": gettext_noop("无（本平台未签发、未签章）"),
    "legacy_note": gettext_noop("该证书由原平台发放，于 %(date)s 迁入本平台。"),
}


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@functools.lru_cache(maxsize=16)
def _labels(language: str) -> dict[str, str]:
    """Translated and escaped, once per language."""
    with translation.override(language):
        return {key: html.escape(gettext(text)) for key, text in _TEXTS.items()}


def _frame(language: str, status: str) -> str:
    with translation.override(language):
        return render_to_string(
            "certificates/verify.html",
            {"result": {"status": status, "detail": _DETAIL}, "certificates_html": mark_safe(_CERTIFICATES)},  # noqa: S308 - our own marker
        )


_cached_frame = functools.lru_cache(maxsize=32)(_frame)


def _local(value: str | None) -> str:
    """An ISO timestamp of the register as local time (users read local times only)."""
    moment = local_time(value) if value else None
    return moment.strftime("%Y-%m-%d %H:%M") if isinstance(moment, dt.datetime) else ""


def _e(value: Any) -> str:
    return html.escape(str(value))


def facts_html(v: dict[str, Any], labels: dict[str, str]) -> str:
    """A certificate's public facts (``verification.public_facts``) as escaped ``<dt>/<dd>`` pairs."""
    hours = labels["hours"]
    # (css class, label, value): labels come escaped from ``_labels``; every value is escaped here
    rows: list[tuple[str, str, str]] = [
        ("serial", labels["serial"], _e(v["serial"])),
        ("", labels["kind"], _e(v["kind_label"])),
        ("cert-status", labels["status"], labels["valid"] if v["status"] == "genuine" else labels["revoked"]),
    ]
    if v["status"] == "revoked":
        rows += [
            ("", labels["revoked_at"], _e(_local(v["revoked_at"]))),
            ("", labels["revocation_reason"], _e(v["revocation_reason"])),
            ("replaced-by", labels["replaced_by"], _e(v["replaced_by"] or "—")),
        ]
    if v["replaces"]:
        rows.append(("", labels["replaces"], _e(v["replaces"])))
    years = str(v["year_from"]) if v["year_to"] == v["year_from"] else f"{v['year_from']}—{v['year_to']}"
    rows += [
        ("", labels["holder"], _e(f"{v['holder_name']}（{v['masked_id']}）")),
        ("", labels["certificate_number"], _e(v["certificate_number"])),
        ("", labels["employer"], _e(v["employer"])),
        ("", labels["years"], _e(years)),
        ("", labels["public"], f"{_e(v['hours']['public'])} {hours}"),
        ("", labels["professional"], f"{_e(v['hours']['professional'])} {hours}"),
        ("total", labels["total"], f"{_e(v['hours']['total'])} {hours}"),
        ("", labels["met"], labels["met_yes"] if v["met"] else labels["met_no"]),
        ("issuer", labels["issuer"], _e(v["issuer"])),
        ("", labels["version"], _e(v["version"])),
    ]
    return "".join(f'<dt>{label}</dt><dd class="{css}">{value}</dd>' for css, label, value in rows)


def legacy_html(v: dict[str, Any], labels: dict[str, str]) -> str:
    """A moved-in certificate's register entry (``verification.legacy_view``): a sentence saying where it
    came from, then the recorded facts; every value escaped. Nothing here says "genuine"."""
    rows: list[tuple[str, str, str]] = [
        ("serial", labels["legacy_serial"], _e(v["serial"])),
        ("", labels["kind"], _e(v["kind_label"])),
        ("", labels["holder"], _e(v["holder_name"])),
        ("", labels["years"], _e(v["year_from"])),
        ("", labels["legacy_met"], labels["met_yes"] if v["met"] else labels["met_no"]),
        ("issuer", labels["legacy_issuer"], _e(v["issuer"])),
        ("", labels["legacy_issued_on"], _e(v["issued_on"])),
        ("moved-in-on", labels["moved_in_on"], _e(v["moved_in_on"])),
        ("signature", labels["signature"], labels["no_signature"]),
    ]
    note = labels["legacy_note"].replace("%(date)s", _e(v["moved_in_on"]))
    facts = "".join(f'<dt>{label}</dt><dd class="{css}">{value}</dd>' for css, label, value in rows)
    return f'<p class="legacy-note">{note}</p><dl class="facts legacy" data-serial="{_e(v["serial"])}">{facts}</dl>'


def result_page(status: str, views: list[dict[str, Any]], detail: str = "", *, language: str | None = None) -> str:
    """The whole result page for an answer (``verification.Verification``) in ``language`` (by default
    the active one)."""
    language = language or _language()
    labels = _labels(language)
    frame = (_frame if settings.DEBUG else _cached_frame)(language, status)
    certificates = "".join(
        legacy_html(v, labels)
        if v["status"] == "moved_in"
        else f'<dl class="facts certificate" data-serial="{html.escape(v["serial"])}">{facts_html(v, labels)}</dl>'
        for v in views
    )
    return frame.replace(_DETAIL, html.escape(detail)).replace(_CERTIFICATES, certificates)
