"""A batch issuance whose worker died is detected (中断) and resumed: what was issued stays, the rest is issued,
nothing twice. Once by really killing a ``cecert certificates issue --region`` process (PostgreSQL), once by
a worker that stops without a word and a lease that expires."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from cecert.audit.models import AuditEntry
from cecert.certificates.domain import issuance
from cecert.certificates.domain.signing_keys import current_key
from cecert.certificates.models import BatchStatus, Certificate, CertificateBatch
from tests.certificates.factories import YEAR, full_year
from tests.factories import World, build_world, id_number_for, logged_in, registered_person


class WorkerDied(BaseException):
    """Not an Exception: like SIGKILL, nothing in the batch gets to mark it failed."""


def _dies_after(chunks: int) -> Any:
    seen = []

    def progress(batch: CertificateBatch) -> None:
        seen.append(batch.processed)
        if len(seen) == chunks:
            raise WorkerDied

    return progress


def _expire_lease(batch: CertificateBatch) -> None:
    CertificateBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settings.CECERT_BATCH_LEASE_SECONDS + 1)
    )


def _no_duplicates() -> None:
    assert not Certificate.objects.values("person_id", "year_from", "kind").annotate(n=Count("pk")).filter(n__gt=1)


def _batches(*args: str) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("certificates", "batches", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def started(world: World) -> CertificateBatch:
    for key in ("emp_jinshui", "emp_zhongyuan"):
        full_year(world.people[key])
    batch = issuance.start_batch(world.orgs["hr_zhengzhou"], YEAR, by=world.users["hr_zhengzhou"])
    with pytest.raises(WorkerDied):
        issuance.issue_annual_batch(batch, chunk_size=1, progress=_dies_after(1))
    batch.refresh_from_db()
    assert (batch.status, batch.issued, Certificate.objects.count()) == (BatchStatus.RUNNING, 1, 1)
    return batch


def test_a_batch_within_its_lease_is_running_not_interrupted(started: CertificateBatch, world: World) -> None:
    assert not started.is_interrupted
    assert _batches("--stale") == []
    assert not issuance.claim_interrupted_batch(started)
    page = logged_in(world.users["hr_zhengzhou"]).get(f"/certificates/batches/{started.pk}/").content.decode()
    assert 'data-status="running"' in page and "中断" not in page


def test_an_expired_lease_shows_interrupted_and_the_periodic_task_resumes_it(
    started: CertificateBatch, world: World
) -> None:
    from cecert.certificates.tasks import resume_interrupted_batches_task

    _expire_lease(started)
    started.refresh_from_db()
    assert started.is_interrupted
    client = logged_in(world.users["hr_zhengzhou"])
    page = client.get(f"/certificates/batches/{started.pk}/").content.decode()
    assert 'data-status="interrupted"' in page and "中断" in page and "不会重复发" in page
    assert "中断" in client.get("/certificates/issue/").content.decode()
    assert logged_in(world.users["hr_luoyang"]).get(f"/certificates/batches/{started.pk}/").status_code == 404
    [line] = _batches("--stale")
    assert (line["batch"], line["status"], line["status_zh"], line["processed"]) == (
        started.pk,
        "interrupted",
        "中断",
        1,
    )

    assert resume_interrupted_batches_task.call() == {"resumed": [started.pk]}

    started.refresh_from_db()
    assert (started.status, started.total, started.issued, started.unchanged, started.resumed) == ("done", 2, 2, 0, 1)
    assert set(Certificate.objects.filter(batch=started).values_list("person_id", flat=True)) == {
        world.people["emp_jinshui"].pk,
        world.people["emp_zhongyuan"].pk,
    }
    _no_duplicates()
    assert AuditEntry.objects.filter(action="certificates.batch_interrupted", object_id=str(started.pk)).count() == 1
    assert _batches("--stale") == []
    # Nothing left to resume: a second look claims nothing.
    assert resume_interrupted_batches_task.call() == {"resumed": []}


def test_only_one_claimant_takes_over_an_interrupted_batch(started: CertificateBatch) -> None:
    _expire_lease(started)
    started.refresh_from_db()
    assert issuance.claim_interrupted_batch(started)
    assert not issuance.claim_interrupted_batch(started)  # lease renewed by the first claimant
    [line] = _batches()
    assert line["status"] == "running"


def test_resume_by_command(started: CertificateBatch) -> None:
    _expire_lease(started)
    [line] = _batches("--resume", "--chunk-size", "1")
    assert (line["resumed"], line["status"], line["issued"], line["unchanged"]) == (True, "done", 2, 0)
    assert Certificate.objects.count() == 2
    _no_duplicates()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_batch_process_is_resumed_with_exact_counts(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the killed process needs a database another process can open (PostgreSQL)")
    world = build_world()
    people = [world.people["emp_jinshui"], world.people["emp_zhongyuan"]]
    people += [
        registered_person(world.orgs["emp_jinshui"], id_number=id_number_for("410105", 7000 + i)) for i in range(38)
    ]
    for person in people:
        full_year(person)
    current_key(world.orgs["hr_zhengzhou"], create=True)
    database = connection.settings_dict
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src"),
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    process = subprocess.Popen(  # noqa: S603 - our own CLI with arguments built here
        [
            sys.executable,
            "-m",
            "cecert.manage",
            "certificates",
            "issue",
            "--region",
            "410100",
            "--year",
            str(YEAR),
            "--chunk-size",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    # Progress lines "processed/total" on stderr: kill once a few certificates are in.
    for line in process.stderr:
        if line.strip().startswith("3/"):
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    batch = CertificateBatch.objects.get()
    issued_before = Certificate.objects.count()
    assert batch.status == BatchStatus.RUNNING and 3 <= issued_before < len(people)

    _expire_lease(batch)
    [line] = _batches("--resume", "--chunk-size", "7")
    assert (line["resumed"], line["status"], line["issued"], line["unchanged"]) == (True, "done", len(people), 0)
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.issued) == ("done", len(people), len(people))
    assert Certificate.objects.count() == len(people)
    assert Certificate.objects.filter(batch=batch).count() == len(people)
    _no_duplicates()
