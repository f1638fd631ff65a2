"""Records of each world person against every role: inside 200, outside 404 — pages, proofs and API.

Drives the same ``VISIBLE_PEOPLE`` table as ``tests/accounts/test_jurisdiction.py``.
"""

from __future__ import annotations

import pytest

from cecert.audit.models import AuditEntry
from cecert.records.models import Record
from tests.factories import VISIBLE_PEOPLE, World, logged_in
from tests.records.factories import declared

ALL_PEOPLE = ["emp_jinshui", "emp_zhongyuan", "emp_luoyang", "emp_gongyi", "emp_provincial"]


@pytest.fixture
def records(world: World) -> dict[str, Record]:
    return {key: declared(world.people[key]) for key in ALL_PEOPLE}


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_record_queryset_is_restricted(world: World, records: dict[str, Record], user_key: str) -> None:
    visible = set(Record.objects.restrict(world.users[user_key]).values_list("pk", flat=True))
    assert visible == {records[k].pk for k in VISIBLE_PEOPLE[user_key]}


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
@pytest.mark.parametrize("person_key", ALL_PEOPLE)
def test_record_pages_proofs_and_api(world: World, records: dict[str, Record], user_key: str, person_key: str) -> None:
    client = logged_in(world.users[user_key])
    record = records[person_key]
    proof = record.proofs.first()
    assert proof is not None
    expected = 200 if person_key in VISIBLE_PEOPLE[user_key] else 404
    assert client.get(f"/records/{record.pk}/").status_code == expected
    assert client.get(f"/api/v1/records/{record.pk}").status_code == expected
    download = client.get(f"/records/proofs/{proof.pk}/")
    assert download.status_code == expected
    if expected == 200:
        assert download["Content-Disposition"].startswith("attachment")
    progress = client.get(f"/records/progress/{world.people[person_key].pk}/")
    assert progress.status_code == expected


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_record_list_and_api_show_only_jurisdiction(world: World, records: dict[str, Record], user_key: str) -> None:
    client = logged_in(world.users[user_key])
    assert {r["id"] for r in client.get("/api/v1/records").json()} == {records[k].pk for k in VISIBLE_PEOPLE[user_key]}
    page = client.get("/records/").content.decode()
    assert {k for k in ALL_PEOPLE if f"/records/{records[k].pk}/" in page} == VISIBLE_PEOPLE[user_key]


@pytest.mark.parametrize("user_key", ["admin_emp_luoyang", "hr_luoyang", "education", "sysadmin", "auditor"])
def test_acts_on_a_record_outside_answer_404_and_change_nothing(
    world: World, records: dict[str, Record], user_key: str
) -> None:
    record = records["emp_jinshui"]
    before = Record.objects.values().get(pk=record.pk)
    client = logged_in(world.users[user_key])
    for url, data in [
        (f"/records/{record.pk}/transition/", {"to": "submitted"}),
        (f"/records/{record.pk}/proofs/", {"kind": "notice"}),
        (f"/records/{record.pk}/discard/", {}),
        (f"/records/{record.pk}/edit/", {}),
    ]:
        assert client.post(url, data).status_code == 404
    assert Record.objects.values().get(pk=record.pk) == before


def test_a_miss_is_audited(world: World, records: dict[str, Record]) -> None:
    client = logged_in(world.users["hr_luoyang"])
    assert client.get(f"/records/{records['emp_jinshui'].pk}/").status_code == 404
    entry = AuditEntry.objects.filter(action="access.denied").last()
    assert entry is not None and entry.actor_id == world.users["hr_luoyang"].pk
    assert entry.after == {
        "model": "records.record",
        "lookup": {"pk": str(records["emp_jinshui"].pk)},
        "path": f"/records/{records['emp_jinshui'].pk}/",
    }


@pytest.mark.parametrize("user_key", sorted(VISIBLE_PEOPLE))
def test_year_status_page_lists_only_jurisdiction(world: World, records: dict[str, Record], user_key: str) -> None:
    client = logged_in(world.users[user_key])
    response = client.get("/records/status/?year=2025")
    officer = user_key.startswith(("hr_", "admin_")) or user_key in ("health", "education")
    if not officer:
        assert response.status_code == 404
        return
    page = response.content.decode()
    shown = {k for k in ALL_PEOPLE if f"/records/progress/{world.people[k].pk}/" in page}
    assert shown == VISIBLE_PEOPLE[user_key]
