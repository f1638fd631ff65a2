"""A verifier scans a certificate's QR code with the camera of the verification page.

Chromium's fake camera plays a video of the certificate's printed QR code (a Y4M file made here
from the payload the PDF carries); the page decodes it with jsQR and submits it to the QR check.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from PIL import Image

from cecert.certificates.domain import issuance
from cecert.certificates.domain.rendering import qr_payload
from tests.browser.conftest import csp_violations, launch
from tests.certificates.factories import YEAR, full_year
from tests.factories import World, build_world

WIDTH, HEIGHT = 640, 480


def _camera_video_of_qr(text: str, path: Path) -> None:
    """A 640x480 grey-scale Y4M video (C420: neutral chroma) of the QR code of ``text``."""
    qr = segno.make(text, error="m")
    scale = max(1, (HEIGHT - 40) // qr.symbol_size(border=4)[0])
    png = io.BytesIO()
    qr.save(png, kind="png", scale=scale, border=4)
    code = Image.open(png).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@pytest.fixture
def certificate_and_camera(playwright: Any, transactional_db: None, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """A certificate, and a browser whose camera shows that certificate's QR code."""
    world: World = build_world()
    person = world.people["emp_jinshui"]
    full_year(person)
    certificate = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    video = tmp_path / "qr.y4m"
    _camera_video_of_qr(qr_payload(certificate), video)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = launch(playwright, *camera)
    yield certificate, browser
    browser.close()


def test_verifier_scans_the_qr_code_with_the_camera(certificate_and_camera: tuple[Any, Any], live_server: Any) -> None:
    certificate, browser = certificate_and_camera
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.grant_permissions(["camera"])
    context.set_default_timeout(20_000)
    page = context.new_page()
    refused = csp_violations(page)
    page.goto("/verify/")
    scanner = page.locator("#qr-scan")
    assert scanner.is_visible()  # shown only where the browser offers a camera API
    with page.expect_navigation():
        scanner.locator("button").click()
    assert page.get_attribute("#verify-result", "data-status") == "genuine"
    assert page.get_attribute("#verify-result .certificate", "data-serial") == certificate.serial
    context.close()
    assert not refused, refused  # jsQR and the scanner run under the CSP
