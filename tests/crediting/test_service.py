"""The JSON facade used by the CLI and the HTTP API, and the core's purity."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import cecert.crediting
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.service import compliance_json, evaluate_json
from tests.crediting.examples import XUCHANG_KEY, example_policy_set

CONFERENCE = {"type": "conference", "level": "provincial", "days": 2, "presented": True}
PAPER = {"type": "paper", "journal": "provincial_core", "author_rank": 2}
BOOK = {"type": "book", "ten_thousand_chars": 12.5, "author_rank": 1}


def fields(error: CreditingInputError) -> list[str]:
    return [item["field"] for item in error.errors]


def test_one_object_gives_one_result() -> None:
    result = evaluate_json(CONFERENCE)
    assert isinstance(result, dict)
    assert result["hours"] == 12
    assert result["clause"] == "7(4)"


def test_a_list_gives_results_in_the_same_order() -> None:
    results = evaluate_json([BOOK, CONFERENCE, PAPER])
    assert isinstance(results, list)
    assert [(r["type"], r["hours"]) for r in results] == [
        ("book", 200),
        ("conference", 12),
        ("paper", 36),
    ]
    assert evaluate_json([]) == []


def test_json_numbers_are_written_as_numbers() -> None:
    text = json.dumps(
        evaluate_json(
            [
                {"type": "online_course", "subject": "public", "hours": 12.5},
                {"type": "online_course", "subject": "public", "hours": 24.0},
                {"type": "online_course", "subject": "public", "hours": 0.1},
            ]
        )
    )
    assert '"hours": 12.5' in text
    assert '"hours": 24,' in text
    assert '"hours": 0.1,' in text
    assert "24.0" not in text


@pytest.mark.parametrize("parse_float", [float, Decimal])
def test_exact_results_from_json_text(parse_float: Any) -> None:
    # 1.0125 × 12 = 12.15 exactly → 12.2; binary floating point gives 12.149999… → 12.1.
    value = json.loads('{"type":"book","ten_thousand_chars":1.0125,"author_rank":2}', parse_float=parse_float)
    result = evaluate_json(value)
    assert isinstance(result, dict)
    assert result["hours"] == 12.2
    assert json.dumps(result["hours"]) == "12.2"


def test_errors_name_the_field_in_the_list() -> None:
    with pytest.raises(CreditingInputError) as caught:
        evaluate_json([CONFERENCE, {**PAPER, "author_rank": 0}, {"type": "nope"}])
    assert fields(caught.value) == ["[1].author_rank", "[2].type"]


def test_error_object_shape() -> None:
    with pytest.raises(CreditingInputError) as caught:
        evaluate_json({**CONFERENCE, "days": "2"})
    assert caught.value.to_json() == {
        "error": "invalid_input",
        "errors": [
            {
                "field": "days",
                "message_zh": "类型错误，应为整数",
                "message_en": "wrong type; expected an integer",
            }
        ],
    }
    assert "days" in str(caught.value)


def test_policy_dependent_errors_are_prefixed() -> None:
    other = {"type": "other", "hours": 3, "approved_by": "4101", "kind": "cme_class_1"}
    with pytest.raises(CreditingInputError) as caught:
        evaluate_json([CONFERENCE, other], today=date(2026, 1, 1))
    assert fields(caught.value) == ["[1].kind"]
    health = evaluate_json([other], industry="卫生健康", today=date(2026, 1, 1), policy_set=example_policy_set())
    assert isinstance(health, list)
    assert health[0]["credits"] == 1


def test_date_before_any_policy_is_an_error_naming_date() -> None:
    with pytest.raises(CreditingInputError) as caught:
        evaluate_json({**CONFERENCE, "date": "2016-05-01"})
    assert fields(caught.value) == ["date"]
    with pytest.raises(CreditingInputError) as caught:
        evaluate_json([CONFERENCE], today=date(2017, 1, 1))
    assert fields(caught.value) == ["[0].date"]


def test_the_date_picks_the_policy_version() -> None:
    other = {"type": "other", "hours": 3, "approved_by": "4110"}
    examples = example_policy_set()
    before = evaluate_json({**other, "date": "2023-12-31"}, region_code="411000", policy_set=examples)
    after = evaluate_json({**other, "date": "2024-01-01"}, region_code="411000", policy_set=examples)
    assert isinstance(before, dict) and isinstance(after, dict)
    assert before["policy_id"] == "henan-2017-121@2017-08-17"
    assert after["policy_id"] == XUCHANG_KEY


def test_compliance_contract_example() -> None:
    result = compliance_json(
        {
            "year": 2026,
            "activities": [{"type": "online_course", "subject": "public", "hours": 30, "date": "2026-03-01"}],
            "leaves": [{"kind": "abroad", "start": "2026-01-01", "end": "2026-08-31"}],
        }
    )
    contract_keys = [
        "year", "required", "earned", "deemed_complete", "met", "shortfall", "excused_days",
    ]  # fmt: skip
    assert {key: result[key] for key in contract_keys} == {
        "year": 2026,
        "required": {"total": 30, "public": 8, "professional": 20},
        "earned": {"total": 30, "public": 30, "professional": 0},
        "deemed_complete": [],
        "met": False,
        "shortfall": {"total": 0, "public": 0, "professional": 20},
        "excused_days": 243,
    }
    assert list(result)[: len(contract_keys)] == contract_keys
    json.dumps(result)  # JSON-able as it is


def test_compliance_errors() -> None:
    with pytest.raises(CreditingInputError) as caught:
        compliance_json({"year": 2026, "leaves": [{"kind": "sick", "start": "2026-05-01", "end": "2026-04-01"}]})
    assert fields(caught.value) == ["leaves[0].end"]
    with pytest.raises(CreditingInputError) as caught:
        compliance_json([])
    assert fields(caught.value) == ["$"]


# --- purity ------------------------------------------------------------------------

PACKAGE_DIR = Path(cecert.crediting.__file__).parent
CORE_MODULES = [
    "__init__",
    "compliance",
    "decimals",
    "errors",
    "evaluation",
    "policies",
    "schemas",
    "service",
]


def test_no_float_in_the_computation() -> None:
    """``float(`` may appear only in the serialisation helper; no float literals at all."""
    offenders = []
    for name in CORE_MODULES:
        tree = ast.parse((PACKAGE_DIR / f"{name}.py").read_text("utf-8"))
        allowed: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "decimal_to_json":
                allowed |= {id(child) for child in ast.walk(node)}
        for node in ast.walk(tree):
            is_float_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"
            is_float_literal = isinstance(node, ast.Constant) and isinstance(node.value, float)
            if (is_float_call or is_float_literal) and id(node) not in allowed:
                offenders.append(f"{name}.py:{getattr(node, 'lineno', '?')}")
    assert offenders == []


def test_core_modules_do_not_import_django() -> None:
    for name in CORE_MODULES:
        tree = ast.parse((PACKAGE_DIR / f"{name}.py").read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "django" for a in node.names), name
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "django", name


def test_importing_the_service_leaves_django_out() -> None:
    code = (
        "import sys, cecert.crediting.service, cecert.crediting.compliance; "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    completed = subprocess.run(  # noqa: S603 - fixed command, our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "False"
