"""The public calculator and compliance pages use the schema-generated forms and the same service."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client


def calc(client: Client, activity_type: str, **fields: Any) -> Any:
    data = {"type": activity_type, **{f"a-{k}": v for k, v in fields.items()}}
    return client.post("/hours/", data)


@pytest.mark.django_db
def test_every_activity_type_has_a_generated_form() -> None:
    from cecert.crediting.schemas import ACTIVITY_TYPES

    client = Client()
    for activity_type in ACTIVITY_TYPES:
        response = client.get("/hours/", {"type": activity_type})
        assert response.status_code == 200
        assert f'name="type" value="{activity_type}"' in response.content.decode()


@pytest.mark.django_db
def test_conference_hours_and_explanation() -> None:
    html = calc(Client(), "conference", level="provincial", days=2, presented="on", date="2026-05-01")
    text = html.content.decode()
    assert 'id="result-hours">12 学时' in text
    assert "第七条第（四）项" in text


@pytest.mark.django_db
def test_htmx_request_gets_only_the_fields_fragment() -> None:
    html = Client().get("/hours/", {"type": "paper"}, HTTP_HX_REQUEST="true").content.decode()
    assert html.strip().startswith('<div id="activity-fields">') and "<html" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, label",
    [
        ({"level": "provincial", "days": 0}, "天数"),
        ({"level": "galactic", "days": 2}, "级别"),
        ({"level": "provincial", "days": "abc"}, "天数"),
    ],
)
def test_bad_input_is_named_and_no_result_shown(fields: dict[str, Any], label: str) -> None:
    text = calc(Client(), "conference", **fields).content.decode()
    assert 'id="result-hours"' not in text
    assert f"{label}" in text and 'class="error"' in text


@pytest.mark.django_db
def test_compliance_page_with_collected_activities_and_leave() -> None:
    client = Client()
    for _ in range(2):
        client.post(
            "/hours/",
            {"type": "online_course", "a-subject": "public", "a-hours": "30", "a-date": "2026-03-01", "add": "1"},
        )
    page = client.post(
        "/hours/compliance/",
        {
            "year": "2026",
            "leave-0-kind": "abroad",
            "leave-0-start": "2026-01-01",
            "leave-0-end": "2026-08-31",
        },
    ).content.decode()
    assert "未达标" in page  # no professional hours
    assert "扣除 243 天" in page
    figures = dict(re.findall(r'id="shortfall-(\w+)">(\d+)<', page))
    assert figures == {"total": "0"}  # 60 public hours cover the pro-rated total of 30


@pytest.mark.django_db
def test_compliance_page_names_a_bad_leave() -> None:
    page = (
        Client()
        .post(
            "/hours/compliance/",
            {
                "year": "2026",
                "leave-0-kind": "sick",
                "leave-0-start": "2026-05-01",
                "leave-0-end": "2026-04-01",
            },
        )
        .content.decode()
    )
    assert "leaves[0].end" in page


@pytest.mark.django_db
def test_calculator_page_is_rate_limited(settings: Any) -> None:
    settings.CECERT_RATE_LIMITS = {**settings.CECERT_RATE_LIMITS, "calculator": (2, 60)}
    client = Client()
    codes = [calc(client, "endorsed_report").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
