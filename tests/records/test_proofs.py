"""Proof uploads: accepted by content, refused with a clear message and nothing stored otherwise."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cecert.core.files import PROOFS
from cecert.records.models import ProofFile, Record
from tests.factories import World, logged_in
from tests.files import stored_names
from tests.records.factories import JPEG, PDF, PNG, declared


@pytest.fixture(autouse=True)
def _limits(settings: pytest.FixtureRequest) -> None:
    settings.CECERT_PROOF_MAX_FILE_BYTES = 1024  # type: ignore[attr-defined]
    settings.CECERT_PROOF_MAX_RECORD_BYTES = 4096  # type: ignore[attr-defined]


def _upload(world: World, record: Record, name: str, content: bytes) -> str:
    client = logged_in(world.people["emp_jinshui"].user)
    response = client.post(
        f"/records/{record.pk}/proofs/", {"kind": "notice", "file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "content"), [("通知.pdf", PDF), ("scan.png", PNG), ("photo.jpg", JPEG), ("photo.JPEG", JPEG)]
)
def test_accepted_by_content(world: World, name: str, content: bytes) -> None:
    record = declared(world.people["emp_jinshui"], proofs=False)
    page = _upload(world, record, name, content)
    assert f"已上传：{name}" in page
    proof = ProofFile.objects.get(record=record)
    stored = stored_names(PROOFS)
    assert stored == [f"{proof.storage_key[:2]}/{proof.storage_key}"]
    assert name not in stored[0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("renamed.png", PDF, "文件内容为 PDF，与扩展名“.png”不符，请核对后重新上传"),
        (
            "page.pdf",
            b"<!doctype html><html><script>alert(1)</script></html>",
            "只接受 PDF、JPEG、PNG 格式的文件（按文件内容识别）",
        ),
        ("big.pdf", PDF + b"0" * 2048, "文件过大：单个文件不超过 1 KB"),
        ("empty.pdf", b"", "文件为空，请重新选择"),
    ],
)
def test_refused_with_a_clear_message_and_nothing_stored(world: World, name: str, content: bytes, message: str) -> None:
    record = declared(world.people["emp_jinshui"], proofs=False)
    page = _upload(world, record, name, content)
    assert f"上传被拒绝：{message}" in page
    assert not ProofFile.objects.filter(record=record).exists()
    assert stored_names(PROOFS) == []


def test_per_record_limit(world: World) -> None:
    record = declared(world.people["emp_jinshui"], proofs=False)
    for index in range(4):
        _upload(world, record, f"p{index}.pdf", PDF + b"0" * (1000 - len(PDF)))
    page = _upload(world, record, "p5.pdf", PDF + b"0" * 200)
    assert "上传被拒绝：证明材料合计不超过 4 KB" in page
    assert ProofFile.objects.filter(record=record).count() == 4


def test_download_is_an_attachment_with_the_sniffed_type(world: World) -> None:
    record = declared(world.people["emp_jinshui"])
    proof = record.proofs.first()
    assert proof is not None
    response = logged_in(world.users["hr_zhengzhou"]).get(f"/records/proofs/{proof.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="notice.pdf"'
    assert response.content == PDF
