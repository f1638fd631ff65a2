from __future__ import annotations

from pathlib import Path

import pytest

from cecert.certificates.pdf import render_certificate_pdf
from cecert.certificates.pdf.seal import build_seal

from .conftest import PROVINCE, ZHENGZHOU, annual_snapshot, needs, proof_snapshot, run_tool

QR = "https://cecert.hrss.henan.gov.cn/verify/qr?p=CEC1.eyJ0ZXN0Ijp0cnVlfQ.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def annual_pdf(tmp_path_factory) -> Path:
    pdf = render_certificate_pdf(annual_snapshot(), seal=build_seal(ZHENGZHOU), qr_content=QR)
    path = tmp_path_factory.mktemp("render") / "annual.pdf"
    path.write_bytes(pdf)
    return path


@pytest.fixture(scope="module")
def proof_pdf(tmp_path_factory) -> Path:
    pdf = render_certificate_pdf(proof_snapshot(), seal=build_seal(PROVINCE), qr_content=QR)
    path = tmp_path_factory.mktemp("render") / "proof.pdf"
    path.write_bytes(pdf)
    return path


def _text(path: Path) -> str:
    return run_tool("pdftotext", "-layout", str(path), "-").stdout


def _pages(path: Path) -> int:
    out = run_tool("pdfinfo", str(path)).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@needs("pdffonts")
def test_only_the_embedded_truetype_font_is_used(annual_pdf):
    out = run_tool("pdffonts", str(annual_pdf)).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        assert "TrueType" in row, row
        assert "WenQuanYi" in row or "LXGW" in row, row
        # emb sub uni columns: all "yes"
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row


@needs("pdftotext")
def test_annual_certificate_text(annual_pdf):
    text = _text(annual_pdf)
    for expected in (
        "河南省专业技术人员继续教育证书",
        "2024年度",
        "欧阳娜娜",
        "410105********1234",
        "4101052024001",
        "郑州市第一人民医院",
        "临床医学新进展专题研修班第1期",
        "公需科目",
        "专业科目",
        "合计 90 学时",
        "已完成",
        ZHENGZHOU,
        "2025年1月15日",
        "HA2024-0000012345",
        "继续教育证书专用章",
        "数字签名",
        "https://cecert.hrss.henan.gov.cn/verify",
    ):
        assert expected in text, expected


@needs("pdftotext")
def test_completion_proof_text(proof_pdf):
    text = _text(proof_pdf)
    assert "继续教育完成情况证明" in text
    assert "2019—2023年度" in text
    for year in range(2019, 2024):
        assert str(year) in text
    assert "未达标" in text and "达标" in text
    assert "未完成" in text
    assert "HA-P-2025-000041" in text  # names the version it replaces
    assert "第2版" in text


@needs("pdfinfo")
def test_metadata_carries_the_serial(annual_pdf):
    out = run_tool("pdfinfo", str(annual_pdf))
    assert "Subject:         HA2024-0000012345" in out.stdout


@needs("pdftotext")
def test_long_record_lists_paginate(tmp_path):
    snapshot = annual_snapshot(n_records=70)
    path = tmp_path / "long.pdf"
    path.write_bytes(render_certificate_pdf(snapshot, seal=build_seal(ZHENGZHOU), qr_content=QR))
    assert _pages(path) >= 3
    text = _text(path)
    for i in (1, 35, 70):
        assert f"临床医学新进展专题研修班第{i}期" in text
    assert "继续教育任务：已完成" in text


@needs("pdftoppm")
def test_qr_modules_are_drawn_where_segno_puts_them(tmp_path):
    """No QR decoder is installed, so rasterise the page and compare module by module."""
    import segno
    from PIL import Image

    from cecert.certificates.pdf import render as render_mod

    path = tmp_path / "qr.pdf"
    path.write_bytes(render_certificate_pdf(annual_snapshot(), seal=build_seal(ZHENGZHOU), qr_content=QR))
    dpi = 300
    run_tool("pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(tmp_path / "p"))
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    mm = 72 / 25.4
    size, x0 = 36 * mm, render_mod._MARGIN
    y0 = render_mod._MARGIN + 14 * mm  # bottom of the QR box, PDF coordinates
    matrix = segno.make(QR, error="m", micro=False, mask=render_mod._QR_MASK, boost_error=False).matrix
    n = len(matrix)
    module = size / (n + 4)
    scale = dpi / 72
    page_h = image.height / scale
    mismatches = 0
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            cx = x0 + (2 + col + 0.5) * module
            cy_top = page_h - (y0 + size - (2 + r + 0.5) * module)
            pixel = image.getpixel((round(cx * scale), round(cy_top * scale)))
            mismatches += (pixel < 128) != bool(dark)
    assert mismatches == 0


def test_snapshot_validation():
    with pytest.raises(ValueError, match="13 digits"):
        annual_snapshot(certificate_number="12345")
    with pytest.raises(ValueError, match="one year"):
        annual_snapshot(year_to=2025)


@needs("pdftotext")
def test_a_credit_certificate_never_shows_hours(tmp_path):
    from decimal import Decimal

    from cecert.certificates.pdf import CertificateRecord

    snapshot = annual_snapshot(
        records=(CertificateRecord("Ⅰ类学分项目", "其他", "professional", Decimal(10)),),
        public_hours=Decimal(5),
        professional_hours=Decimal(20),
        total_hours=Decimal(25),
        required_hours=Decimal(25),
        required_public_hours=Decimal(5),
        required_unit="学分",
    )
    path = tmp_path / "credit.pdf"
    path.write_bytes(render_certificate_pdf(snapshot, seal=build_seal(ZHENGZHOU), qr_content=QR))
    text = _text(path)
    assert "学分合计：公需科目 5 学分" in text and "合计 25 学分" in text
    assert "学时" not in text


@needs("pdftotext")
def test_a_proof_over_years_judged_in_different_units_keeps_them_apart(tmp_path):
    from decimal import Decimal

    from cecert.certificates.pdf import YearSummary

    years = (
        YearSummary(2023, Decimal(24), Decimal(70), Decimal(94), True),
        YearSummary(2024, Decimal(5), Decimal(20), Decimal(25), True, unit="学分"),
    )
    snapshot = proof_snapshot(years=years, year_from=2023, year_to=2024)
    path = tmp_path / "mixed.pdf"
    path.write_bytes(render_certificate_pdf(snapshot, seal=build_seal(PROVINCE), qr_content=QR))
    text = _text(path)
    assert "94 学时" in text and "25 学分" in text
    assert "2023年度 公需科目 24 学时" in text and "2024年度 公需科目 5 学分" in text
    assert "470" not in text  # no total that adds hours to credits
