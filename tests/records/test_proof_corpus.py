"""Hostile proof files are decoded and refused, through the upload page, with nothing stored; genuine ones pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cecert.core import filecheck
from cecert.core.errors import DomainError
from cecert.core.files import PROOFS
from cecert.records.models import Leave, ProofFile, Record
from cecert.records.storage import check_upload
from tests.factories import World, logged_in
from tests.files import stored_names
from tests.records import hostile
from tests.records.factories import JPEG, PDF, PNG, declared

LIMIT = 1024 * 1024


@pytest.fixture(autouse=True)
def _limits(settings: pytest.FixtureRequest) -> None:
    settings.CECERT_PROOF_MAX_FILE_BYTES = LIMIT  # type: ignore[attr-defined]
    settings.CECERT_PROOF_MAX_RECORD_BYTES = 4 * LIMIT  # type: ignore[attr-defined]


def _upload(world: World, record: Record, name: str, content: bytes) -> str:
    client = logged_in(world.people["emp_jinshui"].user)
    response = client.post(
        f"/records/{record.pk}/proofs/", {"kind": "notice", "file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


HOSTILE: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("oversized", "big.pdf", lambda: PDF + b"%" * LIMIT, "文件过大：单个文件不超过 1 MB"),
    ("zero bytes", "empty.png", lambda: b"", "文件为空，请重新选择"),
    (
        "pixel bomb 40000x40000",
        "bomb.png",
        hostile.png_bomb,
        "文件中的图片像素过多（上限 4000 万像素）",
    ),
    (
        "pixel bomb 7000x7000",
        "bomb2.png",
        lambda: hostile.png_bomb(7000, 7000),
        "文件中的图片像素过多（上限 4000 万像素）",
    ),
    ("truncated JPEG", "cut.jpg", lambda: hostile.truncated(hostile.noisy_image("JPEG")), "文件无法作为图片完整解码"),
    ("truncated PNG", "cut.png", lambda: hostile.truncated(hostile.noisy_image("PNG")), "文件无法作为图片完整解码"),
    ("PNG with a bad checksum", "crc.png", hostile.png_bad_crc, "文件无法作为图片完整解码"),
    ("JPEG header only", "head.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 64, "文件无法作为图片完整解码"),
    ("polyglot: PDF header + HTML", "page.pdf", hostile.pdf_polyglot_html_header, "文件开头含有网页或脚本代码"),
    ("polyglot: valid PDF + HTML", "poly.pdf", hostile.pdf_polyglot_valid, "文件开头含有网页或脚本代码"),
    ("PDF with /JavaScript", "js.pdf", hostile.pdf_javascript, "文件（PDF）含有JavaScript 脚本"),
    ("PDF with /OpenAction", "open.pdf", hostile.pdf_open_action, "文件（PDF）含有打开时自动执行的动作"),
    ("PDF with /Launch", "launch.pdf", hostile.pdf_launch, "文件（PDF）含有启动外部程序的动作"),
    ("PDF with /AA", "aa.pdf", hostile.pdf_page_additional_action, "文件（PDF）含有自动执行的动作"),
    ("PDF with an embedded file", "att.pdf", hostile.pdf_embedded_file, "文件（PDF）含有嵌入的附件"),
    ("PDF with XFA", "xfa.pdf", hostile.pdf_xfa, "文件（PDF）含有XFA 动态表单"),
    ("encrypted PDF", "enc.pdf", hostile.pdf_encrypted, "文件（PDF）已加密或设有密码"),
    ("password PDF", "pw.pdf", lambda: hostile.pdf_encrypted("1234"), "文件（PDF）已加密或设有密码"),
    ("broken xref", "xref.pdf", hostile.pdf_broken_xref, "文件（PDF）已损坏或不完整"),
    (
        "truncated PDF",
        "cut.pdf",
        lambda: hostile.truncated(hostile.genuine_multipage_pdf()),
        "文件（PDF）已损坏或不完整",
    ),
    ("PNG named .pdf", "scan.pdf", lambda: PNG, "文件内容为 PNG，与扩展名“.pdf”不符"),
    ("PDF named .jpg", "scan.jpg", lambda: PDF, "文件内容为 PDF，与扩展名“.jpg”不符"),
    ("HTML named .png", "x.png", lambda: b"<svg onload=alert(1)>", "只接受 PDF、JPEG、PNG 格式的文件"),
]


@pytest.mark.parametrize(("label", "name", "build", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_upload_is_refused_with_a_chinese_message_and_nothing_is_stored(
    world: World, label: str, name: str, build: Callable[[], bytes], message: str
) -> None:
    record = declared(world.people["emp_jinshui"], proofs=False)
    content = build()
    page = _upload(world, record, name, content)
    assert "上传被拒绝：" in page and message in page, label
    assert not ProofFile.objects.filter(record=record).exists()
    assert stored_names(PROOFS) == []


GENUINE: list[tuple[str, Callable[[], bytes]]] = [
    ("p.png", lambda: PNG),
    ("p.jpg", lambda: JPEG),
    ("p.pdf", lambda: PDF),
    ("photo.jpeg", hostile.genuine_photo_jpeg),
    ("photo.png", lambda: hostile.noisy_image("PNG", (400, 300))),
    ("three-pages.pdf", hostile.genuine_multipage_pdf),
    ("linked.pdf", hostile.pdf_with_link_and_destination),
]


@pytest.mark.parametrize(("name", "build"), GENUINE, ids=[g[0] for g in GENUINE])
def test_genuine_files_are_accepted_and_stored(world: World, name: str, build: Callable[[], bytes]) -> None:
    record = declared(world.people["emp_jinshui"], proofs=False)
    page = _upload(world, record, name, build())
    assert f"已上传：{name}" in page
    proof = ProofFile.objects.get(record=record)
    assert stored_names(PROOFS) == [f"{proof.storage_key[:2]}/{proof.storage_key}"]


def test_the_size_limit_is_checked_before_decoding() -> None:
    """A bomb one byte over the limit is refused as too large: the decoder never sees it."""
    with pytest.raises(DomainError) as refused:
        check_upload("bomb.png", hostile.png_bomb() + b"\x00" * LIMIT)
    assert refused.value.message_zh.startswith("文件过大")


def test_pillow_decompression_bomb_warning_is_an_error() -> None:
    """Between our limit and Pillow's own error threshold Pillow only warns; here that warning refuses the file."""
    from PIL import Image

    filecheck.check_image(PNG, "PNG")
    assert Image.MAX_IMAGE_PIXELS == filecheck.MAX_IMAGE_PIXELS
    with pytest.raises(DomainError) as refused:
        filecheck.check_image(hostile.png_bomb(7000, 6000), "PNG")  # 42 MP: above the limit, below 2x
    assert "像素" in refused.value.message_zh
    assert "pixels" in refused.value.message_en


def test_leave_proof_upload_is_checked_the_same_way(world: World) -> None:
    from cecert.records.domain.leave import record_leave

    person = world.people["emp_jinshui"]
    leave: Leave = record_leave(
        person, kind="maternity", start=dt.date(2025, 3, 1), end=dt.date(2025, 8, 1), by=person.user
    )
    client = logged_in(person.user)
    response = client.post(
        f"/records/leave/{leave.pk}/", {"file": SimpleUploadedFile("证明.pdf", hostile.pdf_javascript())}, follow=True
    )
    assert "上传被拒绝：文件（PDF）含有JavaScript 脚本" in response.content.decode()
    assert not leave.proofs.exists()
    assert stored_names(PROOFS) == []
