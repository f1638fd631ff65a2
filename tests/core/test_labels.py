"""Words for codes: each app registers the look-ups for its own codes, and a code nobody names reads
as a neutral Chinese word, never as the code (core imports no app: ``tests/test_import_graph.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cecert.core import labels


@pytest.mark.parametrize(
    ("label", "args", "word"),
    [
        (labels.activity_label, ("conference",), "学术会议"),  # crediting's schema title
        (labels.activity_label, ("no_such_type",), "其他"),
        (labels.activity_label, ("",), ""),
        (labels.proof_label, ("notice", "conference"), "会议通知"),  # named by the activity type's form
        (labels.proof_label, ("notice",), "服务基层活动通知"),  # the kind's own name
        (labels.proof_label, ("no_such_kind", "conference"), "其他材料"),
        (labels.proof_label, ("",), ""),
        (labels.channel_label, ("employer",), "单位代为登记"),
        (labels.channel_label, ("no_such_channel",), "其他渠道"),
        (labels.channel_label, ("",), ""),
        (labels.role_label, ("hr_officer",), "人社部门经办人"),
        (labels.role_label, ("no_such_role",), "其他角色"),
        (labels.role_label, (None,), ""),
    ],
)
def test_each_kind_of_code_reads_as_chinese(label: Callable[..., str], args: tuple[Any, ...], word: str) -> None:
    assert label(*args) == word


def test_the_apps_registered_their_lookups_once_in_the_order_they_are_installed() -> None:
    from cecert.certificates.domain.sources import ACTIVITY_LABELS
    from cecert.crediting.apps import activity_title

    # crediting's titles first; certificates' short names only for a type crediting does not know
    assert labels._LOOKUPS["activity"] == [activity_title, ACTIVITY_LABELS.get]
    labels.register_label_lookup("activity", activity_title)  # again: no second entry
    assert labels._LOOKUPS["activity"] == [activity_title, ACTIVITY_LABELS.get]


def test_a_later_lookup_names_what_an_earlier_one_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(labels._LOOKUPS, "activity", [lambda code: None, lambda code: f"{code}之名"])
    assert labels.activity_label("x") == "x之名"
