"""The file stores (proofs, imports, certificate cache), each test run on the file system and on an S3 API.

The S3 side is moto's standalone server on a loopback port, reached through django-storages and boto3
over HTTP like a production object store. Both sides must behave the same: round trips, refusals,
a missing or altered file, a store that does not answer, hostile names.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cecert.catalogs.domain import imports as im
from cecert.catalogs.domain.bases import enrol
from cecert.catalogs.enums import ImportKind, ImportState
from cecert.catalogs.models import ImportRow, ImportRun
from cecert.catalogs.tasks import resume_interrupted_imports_task
from cecert.certificates.domain import issuance
from cecert.certificates.domain.rendering import cache_name, certificate_pdf
from cecert.core.errors import DomainError
from cecert.core.files import (
    CERTIFICATES,
    FILE_STORES,
    IMPORTS,
    PROOFS,
    FileStoreUnavailable,
    NoPublicUrl,
    StoredFileAltered,
    StoredFileMissing,
    read_file,
    save_file,
)
from cecert.core.filestores import file_stores
from cecert.records.models import ProofFile, Record
from cecert.records.storage import read_proof
from tests.catalogs.conftest import csv_bytes, make_base, program
from tests.catalogs.test_imports import COMPLETION_HEADER, _training_rows, upload
from tests.certificates.factories import YEAR, full_year
from tests.factories import VISIBLE_PEOPLE, World, employer_admin_of, logged_in, registered_person
from tests.files import broken_stores, stored_names
from tests.records.factories import PDF, PNG, declared
from tests.s3_server import S3Server, moto_server, s3_environ

KINDS = ["filesystem", "s3"]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with moto_server() as server:
        yield server


@dataclass
class Stores:
    kind: str
    server: S3Server | None = None
    bucket: str = ""

    def object_keys(self) -> list[str]:
        """Everything in the bucket (S3) — to show nothing landed outside the stores' prefixes."""
        assert self.server is not None
        return self.server.keys(self.bucket)


@pytest.fixture(params=KINDS)
def stores(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Stores:
    """The three stores on the file system (the suite's default: tests/conftest.py) or in a fresh bucket."""
    if request.param == "filesystem":
        return Stores("filesystem")
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, **file_stores(s3_environ(server.endpoint, bucket), tmp_path)}
    return Stores("s3", server, bucket)


@pytest.fixture(params=KINDS)
def unreachable(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> str:
    settings.STORAGES = {**settings.STORAGES, **broken_stores(request.param, tmp_path)}
    return str(request.param)


@dataclass
class Outage:
    """The working stores of ``stores``, switched off and on again in the middle of a test."""

    settings: Any
    working: dict[str, Any]
    broken: dict[str, Any]

    def down(self) -> None:
        self.settings.STORAGES = {**self.working, **self.broken}

    def up(self) -> None:
        self.settings.STORAGES = self.working


@pytest.fixture
def outage(stores: Stores, settings: Any, tmp_path: Path) -> Outage:
    return Outage(settings, dict(settings.STORAGES), broken_stores(stores.kind, tmp_path))


def _no_exceptions_raised(client: Client) -> Client:
    """A client that gets the error page (handler500) instead of the exception."""
    client.raise_request_exception = False
    return client


# --- proofs --------------------------------------------------------------------------------------------------


def test_proof_upload_and_download_round_trip_only_inside_jurisdiction(world: World, stores: Stores) -> None:
    person = world.people["emp_jinshui"]
    record = declared(person, proofs=False)
    response = logged_in(person.user).post(
        f"/records/{record.pk}/proofs/", {"kind": "notice", "file": SimpleUploadedFile("扫描件.png", PNG)}, follow=True
    )
    assert "已上传：扫描件.png" in response.content.decode()
    proof = ProofFile.objects.get(record=record)
    name = f"{proof.storage_key[:2]}/{proof.storage_key}"
    assert stored_names(PROOFS) == [name]
    if stores.kind == "s3":
        assert stores.object_keys() == [f"proofs/{name}"]
        acl = stores.server.client().get_object_acl(Bucket=stores.bucket, Key=f"proofs/{name}")  # type: ignore[union-attr]
        assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]
        assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in acl["Grants"])  # no AllUsers grant
    for user_key, visible in VISIBLE_PEOPLE.items():
        download = logged_in(world.users[user_key]).get(f"/records/proofs/{proof.pk}/")
        if "emp_jinshui" in visible:
            assert download.status_code == 200, user_key
            assert download.content == PNG
            assert download["Content-Disposition"].startswith("attachment")
        else:
            assert download.status_code == 404, user_key


def test_the_stores_make_no_urls(stores: Stores) -> None:
    save_file(PROOFS, "ab/" + "ab" * 16, PDF)
    for alias in FILE_STORES:
        with pytest.raises(NoPublicUrl):
            storages[alias].url("ab/" + "ab" * 16)


def test_a_missing_proof_file_is_a_logged_server_error(
    world: World, stores: Stores, caplog: pytest.LogCaptureFixture
) -> None:
    record = declared(world.people["emp_jinshui"])
    proof = record.proofs.order_by("pk")[0]
    storages[PROOFS].delete(f"{proof.storage_key[:2]}/{proof.storage_key}")
    with pytest.raises(StoredFileMissing):
        read_proof(proof)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = _no_exceptions_raised(logged_in(world.users["hr_zhengzhou"])).get(f"/records/proofs/{proof.pk}/")
    assert response.status_code == 500
    assert "服务器内部错误" in response.content.decode()
    assert any(proof.storage_key in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_proof_altered_in_the_store_is_not_served(world: World, stores: Stores) -> None:
    record = declared(world.people["emp_jinshui"])
    proof = record.proofs.order_by("pk")[0]
    name = f"{proof.storage_key[:2]}/{proof.storage_key}"
    storages[PROOFS].delete(name)
    save_file(PROOFS, name, PDF.replace(b"%PDF-", b"%PDF-\n%altered\n"))
    with pytest.raises(StoredFileAltered):
        read_proof(proof)
    response = _no_exceptions_raised(logged_in(world.users["hr_zhengzhou"])).get(f"/records/proofs/{proof.pk}/")
    assert response.status_code == 500
    assert b"altered" not in response.content


# --- imports and their error sheets --------------------------------------------------------------------------------


def test_import_upload_once_and_the_error_sheet_from_the_stored_file(world: World, stores: Stores) -> None:
    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    _, other_admin = make_base("洛阳继续教育基地", "410302", "base_admin_ly", world.users["hr_luoyang"])
    classroom = program(base, admin)
    person = world.people["emp_jinshui"]
    enrol(classroom, person.certificate_number, by=admin)
    content = csv_bytes(
        [
            COMPLETION_HEADER,
            [person.certificate_number, person.name, classroom.pk, "合格"],
            ["4101059999999", "无此人", classroom.pk, "合格"],
        ]
    )
    run, created = upload(base, admin, content)
    assert created
    assert stored_names(IMPORTS) == [run.storage_name]
    assert read_file(IMPORTS, run.storage_name) == content
    again, created_again = upload(base, admin, content)
    assert (again.pk, created_again) == (run.pk, False)
    assert stored_names(IMPORTS) == [run.storage_name]  # the same file is stored once
    if stores.kind == "s3":
        assert stores.object_keys() == [f"imports/{run.storage_name}"]

    run = im.check_import(run)
    assert (run.state, run.accepted_rows, run.rejected_rows) == (ImportState.CHECKED, 1, 1)
    url = reverse("catalogs:import_errors", args=[run.pk])
    sheet = logged_in(admin).get(url)
    assert sheet.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[:3]] == [COMPLETION_HEADER[0], person.certificate_number, "4101059999999"]
    assert any("未找到该证书管理号或身份证号码对应的已注册人员" in str(cell) for cell in rows[2] if cell), rows[2]
    assert logged_in(other_admin).get(url).status_code == 404  # another base's admin


def test_a_refused_import_file_is_never_stored(world: World, stores: Stores) -> None:
    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    with pytest.raises(DomainError) as refused:
        upload(base, admin, b"PK\x03\x04" + b"\x00" * 64, name="broken.xlsx")
    assert refused.value.field == "file"
    assert stored_names(IMPORTS) == []
    assert not ImportRun.objects.exists()
    if stores.kind == "s3":
        assert stores.object_keys() == []


def test_an_import_whose_file_went_missing_fails_with_a_clear_message(world: World, stores: Stores) -> None:
    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    classroom = program(base, admin)
    person = world.people["emp_jinshui"]
    run, _ = upload(base, admin, csv_bytes([COMPLETION_HEADER, [person.certificate_number, "", classroom.pk, ""]]))
    storages[IMPORTS].delete(run.storage_name)
    run = im.check_import(run)
    assert run.state == ImportState.FAILED
    assert run.message == "导入文件已不在文件存储中，请重新上传"


def _page(client: Client, run: ImportRun) -> str:
    return client.get(reverse("catalogs:import", args=[run.pk])).content.decode()


def test_a_dry_run_on_a_store_that_does_not_answer_fails_saying_so_and_runs_again_once_it_is_back(
    world: World, outage: Outage
) -> None:
    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    classroom = program(base, admin)
    person = world.people["emp_jinshui"]
    enrol(classroom, person.certificate_number, by=admin)
    run, _ = upload(base, admin, csv_bytes([COMPLETION_HEADER, [person.certificate_number, "", classroom.pk, ""]]))
    client = logged_in(admin)

    outage.down()
    run = im.check_import(run)
    assert (run.state, run.message) == (ImportState.FAILED, im.reading.STORE_DOWN_CHECK)
    assert "文件存储暂时不可用" in run.message
    assert not run.issues.exists()  # the file is not at fault: no row is reported
    page = _page(client, run)
    assert "失败" in page and run.message in page and 'id="check-import"' in page
    assert 'id="commit-import"' not in page
    report = client.get(reverse("catalogs:import_report", args=[run.pk])).json()
    assert (report["state"], report["message"]) == ("failed", im.reading.STORE_DOWN_CHECK)

    outage.up()
    assert client.post(reverse("catalogs:import_check", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert (run.state, run.accepted_rows, run.message) == (ImportState.CHECKED, 1, "")
    assert 'id="check-import"' not in _page(client, run)
    assert client.post(reverse("catalogs:import_check", args=[run.pk])).status_code == 302  # only a failed one
    run.refresh_from_db()
    assert run.state == ImportState.CHECKED


def test_a_commit_the_store_interrupts_keeps_what_it_wrote_says_why_and_resumes_once_it_is_back(
    world: World, outage: Outage, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = world.orgs["emp_jinshui"]
    admin = employer_admin_of(employer)
    people = [world.people["emp_jinshui"], *[registered_person(employer, name=f"员工{n}") for n in range(2)]]
    monkeypatch.setattr(im.reading, "CHUNK_ROWS", 50)
    content = csv_bytes(_training_rows(employer, people, 120, {}))
    run, _ = upload(employer, admin, content, kind=ImportKind.EMPLOYER_RECORDS, activity_type="training")
    run = im.check_import(run)
    assert (run.state, run.accepted_rows) == (ImportState.CHECKED, 120)
    run = im.commit_import(run, by=admin, max_chunks=1)  # one chunk in when the store goes away
    assert (run.state, run.committed_rows) == (ImportState.COMMITTING, 50)
    client = logged_in(admin)

    outage.down()
    assert client.post(reverse("catalogs:import_commit", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert (run.state, run.message, run.committed_rows) == (ImportState.INTERRUPTED, im.reading.STORE_DOWN_COMMIT, 50)
    assert Record.objects.filter(person__employer=employer).count() == 50  # nothing lost, nothing half-written
    assert im.check_import(run).state == ImportState.INTERRUPTED  # a dry run does not undo a started commit
    page = _page(client, run)
    assert "已中断" in page and run.message in page and "继续导入" in page

    outage.up()
    assert client.post(reverse("catalogs:import_commit", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert (run.state, run.committed_rows, run.message) == (ImportState.COMMITTED, 120, "")
    assert ImportRow.objects.filter(run=run).count() == 120
    keys = list(Record.objects.filter(person__employer=employer).values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == 120


def test_the_scheduled_job_resumes_what_an_outage_stopped_once_the_store_is_back(
    world: World, outage: Outage, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = world.orgs["emp_jinshui"]
    admin = employer_admin_of(employer)
    people = [world.people["emp_jinshui"], *[registered_person(employer, name=f"员工{n}") for n in range(2)]]
    monkeypatch.setattr(im.reading, "CHUNK_ROWS", 50)
    rows = _training_rows(employer, people, 120, {})
    committing, _ = upload(employer, admin, csv_bytes(rows), kind=ImportKind.EMPLOYER_RECORDS, activity_type="training")
    checking, _ = upload(
        employer, admin, csv_bytes(rows[:11]), kind=ImportKind.EMPLOYER_RECORDS, activity_type="training"
    )
    im.commit_import(im.check_import(committing), by=admin, max_chunks=1)

    outage.down()
    assert im.commit_import(committing, by=admin).state == ImportState.INTERRUPTED
    assert im.check_import(checking).state == ImportState.FAILED
    assert resume_interrupted_imports_task.call() == {"checked": [], "resumed": []}  # still away: both wait
    assert ImportRun.objects.get(pk=committing.pk).state == ImportState.INTERRUPTED

    outage.up()
    assert resume_interrupted_imports_task.call() == {"checked": [checking.pk], "resumed": [committing.pk]}
    committing.refresh_from_db()
    checking.refresh_from_db()
    assert (committing.state, committing.committed_rows) == (ImportState.COMMITTED, 120)
    assert (checking.state, checking.total_rows, checking.message) == (ImportState.CHECKED, 10, "")
    assert Record.objects.filter(person__employer=employer).count() == 120  # nothing written twice
    assert resume_interrupted_imports_task.call() == {"checked": [], "resumed": []}


# --- the certificate PDF cache ------------------------------------------------------------------------------------


def test_pdf_cache_miss_renders_and_stores_then_a_hit_serves_the_stored_file(
    world: World, stores: Stores, settings: Any
) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True
    person = world.people["emp_jinshui"]
    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    assert stored_names(CERTIFICATES) == []
    rendered = certificate_pdf(certificate)  # a miss
    assert rendered.content.startswith(b"%PDF-")
    assert stored_names(CERTIFICATES) == [cache_name(certificate)]
    assert read_file(CERTIFICATES, cache_name(certificate)) == rendered.content
    # A hit is what the store holds, not a new rendering: replace the stored file and it comes back.
    marker = rendered.content + b"\n%cached copy\n"
    save_file(CERTIFICATES, cache_name(certificate), marker)  # the cache store may replace its files
    assert certificate_pdf(certificate).content == marker
    if stores.kind == "s3":
        assert stores.object_keys() == [f"certificates/{cache_name(certificate)}"]


# --- a store that does not answer ------------------------------------------------------------------------------------


def test_readyz_names_each_store_that_does_not_answer(client: Client, db: None, unreachable: str) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] is True
    assert {name for name, check in body["checks"].items() if not check["ok"]} == {
        f"storage:{alias}" for alias in FILE_STORES
    }


def test_readyz_is_ready_on_working_stores_and_leaves_no_probe(client: Client, db: None, stores: Stores) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert all(response.json()["checks"][f"storage:{alias}"]["ok"] for alias in FILE_STORES)
    for alias in FILE_STORES:
        assert storages[alias].listdir("health")[1] == []  # each probe deleted what it wrote
    if stores.kind == "s3":
        assert stores.object_keys() == []


def test_an_unreachable_store_refuses_uploads_clearly_and_keeps_nothing(world: World, unreachable: str) -> None:
    person = world.people["emp_jinshui"]
    record = declared(person, proofs=False)
    upload_proof = {"kind": "notice", "file": SimpleUploadedFile("a.pdf", PDF)}
    page = logged_in(person.user).post(f"/records/{record.pk}/proofs/", upload_proof, follow=True).content.decode()
    assert "上传被拒绝：文件存储暂时不可用，本次文件没有保存或读取，请稍后重试" in page
    assert not ProofFile.objects.filter(record=record).exists()

    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    classroom = program(base, admin)
    with pytest.raises(FileStoreUnavailable) as refused:
        upload(base, admin, csv_bytes([COMPLETION_HEADER, [person.certificate_number, "", classroom.pk, ""]]))
    assert refused.value.field == "file"
    assert not ImportRun.objects.exists()


def test_an_unreachable_store_answers_downloads_with_503_and_certificates_still_render(
    world: World, unreachable: str, settings: Any
) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True
    person = world.people["emp_jinshui"]
    record = declared(person, proofs=False)
    proof = ProofFile.objects.create(
        record=record,
        kind="notice",
        original_name="a.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        storage_key="cd" * 16,
        uploaded_by=person.user,
    )
    response = _no_exceptions_raised(logged_in(world.users["hr_zhengzhou"])).get(f"/records/proofs/{proof.pk}/")
    assert response.status_code == 503
    assert "平台暂时无法访问文件存储" in response.content.decode()
    assert response["Retry-After"]

    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    assert certificate_pdf(certificate).content.startswith(b"%PDF-")  # the cache is away, the PDF is not


# --- hostile names --------------------------------------------------------------------------------------------------

ABSOLUTE = "/tmp/escape.txt"  # noqa: S108 — the very name a hostile caller would try
TRAVERSALS = ["../escape.txt", "../../escape.txt", "a/../../escape.txt", ABSOLUTE, "proofs/../../escape.txt"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_names_that_climb_out_of_a_store_are_refused(stores: Stores, tmp_path: Path, name: str) -> None:
    for alias in FILE_STORES:
        with pytest.raises(SuspiciousOperation):
            save_file(alias, name, b"x")
        with pytest.raises(SuspiciousOperation):
            read_file(alias, name)
        assert stored_names(alias) == []
    assert not list(tmp_path.parent.rglob("escape.txt"))
    assert not Path(ABSOLUTE).exists()
    if stores.kind == "s3":
        assert stores.object_keys() == []


@pytest.mark.parametrize("key", ["../../../etc/passwd", "ab/" + "0" * 29, "A" * 32, "0" * 31, ""])
def test_a_proof_key_that_is_not_32_hex_digits_names_no_file(stores: Stores, key: str) -> None:
    with pytest.raises(ValueError, match="bad storage key"):
        read_proof(ProofFile(storage_key=key, sha256="0" * 64))
