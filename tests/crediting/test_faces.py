"""The Python API, the CLI and the HTTP API give identical results for identical input."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cecert.crediting.errors import CreditingInputError
from cecert.crediting.service import compliance_json, evaluate_json

CASES: list[Any] = [
    {"type": "conference", "level": "provincial", "days": 2, "presented": True, "date": "2026-05-01"},
    {"type": "paper", "journal": "provincial_core", "author_rank": 2, "date": "2026-05-01"},
    {"type": "research_project", "level": "national", "role": "main", "rank": 5, "date": "2026-05-01"},
    {"type": "book", "ten_thousand_chars": 12.5, "author_rank": 1, "date": "2026-05-01"},
    {"type": "course_study", "months": 4, "passed": True, "date": "2026-05-01"},
    {"type": "patent", "kind": "design", "holder_rank": 4, "date": "2026-05-01"},
    [
        {"type": "endorsed_report", "date": "2026-01-02"},
        {"type": "online_course", "subject": "public", "hours": 0.1, "date": "2026-01-02"},
    ],
]
COMPLIANCE = {
    "year": 2026,
    "activities": [{"type": "online_course", "subject": "public", "hours": 30, "date": "2026-03-01"}],
    "leaves": [{"kind": "abroad", "start": "2026-01-01", "end": "2026-08-31"}],
}
INVALID: list[Any] = [
    {"type": "teleportation"},
    {"type": "conference", "level": "provincial", "days": 0, "presented": False},
    {"type": "paper", "journal": "provincial_core", "author_rank": "2"},
    {"type": "award", "level": "national", "rank": 0},
    {"type": "endorsed_report", "date": "2026-02-30"},
    {"type": "grassroots_service", "dayz": 3},
]


def via_cli(action: str, value: Any, tmp_path: Path) -> tuple[int, Any]:
    source = tmp_path / "input.json"
    source.write_text(json.dumps(value, ensure_ascii=False))
    out, err = StringIO(), StringIO()
    try:
        call_command("hours", action, str(source), stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, json.loads(err.getvalue())
    return 0, json.loads(out.getvalue())


def via_http(action: str, value: Any) -> tuple[int, Any]:
    response = Client().post(f"/api/v1/hours/{action}", json.dumps(value), content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize("case", CASES)
def test_evaluate_is_the_same_on_every_face(case: Any, tmp_path: Path, db: None) -> None:
    python = evaluate_json(json.loads(json.dumps(case)))
    assert via_cli("evaluate", case, tmp_path) == (0, python)
    assert via_http("evaluate", case) == (200, python)


def test_worked_examples_through_http(db: None) -> None:
    hours = [via_http("evaluate", case)[1]["hours"] for case in CASES[:6]]
    assert hours == [12, 36, 36, 200, 40, 0]


def test_compliance_is_the_same_on_every_face(tmp_path: Path, db: None) -> None:
    python = compliance_json(COMPLIANCE)
    assert python["required"] == {"total": 30, "public": 8, "professional": 20}
    assert python["excused_days"] == 243
    assert via_cli("compliance", COMPLIANCE, tmp_path) == (0, python)
    assert via_http("compliance", COMPLIANCE) == (200, python)


@pytest.mark.parametrize("case", INVALID)
def test_invalid_input_is_refused_alike_naming_the_field(case: Any, tmp_path: Path, db: None) -> None:
    with pytest.raises(CreditingInputError) as caught:
        evaluate_json(case)
    expected = caught.value.to_json()
    assert expected["errors"] and all(e["field"] and e["message_zh"] and e["message_en"] for e in expected["errors"])
    assert via_cli("evaluate", case, tmp_path) == (2, expected)
    assert via_http("evaluate", case) == (400, expected)


def test_http_refuses_malformed_json_naming_the_body(db: None) -> None:
    response = Client().post("/api/v1/hours/evaluate", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "$"


def test_calculator_api_is_rate_limited(settings: Any, db: None) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "calculator": (3, 60)}
    statuses = [via_http("evaluate", CASES[0])[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_openapi_documents_every_activity_type(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    from cecert.crediting.schemas import ACTIVITY_TYPES

    documented = {c.get("properties", {}).get("type", {}).get("const") for c in components.values()}
    assert set(ACTIVITY_TYPES) <= documented
    assert "ComplianceRequest" in components
    assert "/api/v1/hours/evaluate" in schema["paths"]


activity = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("conference"),
            "level": st.sampled_from(["national", "provincial"]),
            "days": st.integers(1, 30),
            "presented": st.booleans(),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("book"),
            "author_rank": st.integers(1, 5),
            "ten_thousand_chars": st.decimals("0.1", "99.9", places=1).map(float),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("training"),
            "subject": st.sampled_from(["public", "professional"]),
            "organizer": st.sampled_from(["national", "provincial", "municipal", "industry"]),
            "hours": st.decimals("0.1", "200", places=1).map(float),
        }
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=activity)
def test_property_faces_agree(case: dict[str, Any], tmp_path: Path, db: None) -> None:
    case = {**case, "date": "2026-06-01"}
    python = evaluate_json(json.loads(json.dumps(case)))
    assert via_cli("evaluate", case, tmp_path)[1] == python
    assert via_http("evaluate", case)[1] == python
