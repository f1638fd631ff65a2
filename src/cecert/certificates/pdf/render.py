"""Render an annual certificate or a completion proof to an (unsigned) A4 PDF.

Drawn directly on a reportlab canvas (no platypus): the layout is fixed and
the canvas is several times faster, which matters for the render+sign budget
(< 60 ms). reportlab is imported inside the functions because this module may
be imported at Django start-up and reportlab's import is slow.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from cecert.certificates.crypto.qr_payload import format_hours
from cecert.certificates.pdf.fonts import register_cjk_font
from cecert.certificates.pdf.seal import Seal, draw_seal

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "CertificateRecord",
    "CertificateSnapshot",
    "YearSummary",
    "render_certificate_pdf",
]

SUBJECT_LABELS = {"public": "公需科目", "professional": "专业科目", "both": "公需和专业科目"}
_CERT_NUMBER = re.compile(r"^\d{13}$")


@dataclass(frozen=True)
class CertificateRecord:
    """One certified continuing-education record as shown on the certificate."""

    title: str
    record_type: str  # the form of study, e.g. "培训班", "学术会议" (Article 6)
    subject: str  # "public" / "professional" (Article 4), or a ready label
    hours: Decimal


@dataclass(frozen=True)
class YearSummary:
    """One row of a completion proof."""

    year: int
    public_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    met: bool
    unit: str = "学时"  # the unit of the policy that judged the year ("学分" under a credit scheme)
    moved_in: bool = False  # certified on the current platform and moved in (ADR 0023)


@dataclass(frozen=True)
class CertificateSnapshot:
    """Immutable content of one issued certificate version; everything the PDF shows.

    ``kind="annual"`` lists ``records`` for ``year_from`` (== ``year_to``);
    ``kind="completion_proof"`` lists one :class:`YearSummary` per year of the span.
    """

    holder_name: str
    masked_id: str
    certificate_number: str  # 13 digits
    employer_name: str
    year_from: int
    year_to: int
    public_hours: Decimal
    professional_hours: Decimal
    total_hours: Decimal
    met: bool
    issuer_name: str
    issue_date: dt.date
    serial: str
    kind: Literal["annual", "completion_proof"] = "annual"
    records: tuple[CertificateRecord, ...] = ()
    years: tuple[YearSummary, ...] = ()
    required_hours: Decimal = Decimal(90)  # Article 5: at least 90 hours a year
    required_public_hours: Decimal = Decimal(24)  # of which 24 public-subject hours
    required_unit: str = "学时"  # "学分" when an industry counts credits (Article 5); every amount shown uses it
    version: int = 1
    replaces_serial: str | None = None
    status_at_issue: str = "issued"

    def __post_init__(self) -> None:
        if not _CERT_NUMBER.match(self.certificate_number):
            raise ValueError(f"certificate number must be 13 digits: {self.certificate_number!r}")
        if self.year_to < self.year_from:
            raise ValueError("year_to before year_from")
        if self.kind == "annual" and self.year_from != self.year_to:
            raise ValueError("an annual certificate covers one year")

    @property
    def year_label(self) -> str:
        if self.year_from == self.year_to:
            return f"{self.year_from}年度"
        return f"{self.year_from}—{self.year_to}年度"

    @property
    def title(self) -> str:
        if self.kind == "completion_proof":
            return "继续教育完成情况证明"
        return "河南省专业技术人员继续教育证书"


# ---------------------------------------------------------------- layout constants
_MM = 72 / 25.4
_PAGE_W, _PAGE_H = 595.2756, 841.8898  # A4 in points
_MARGIN = 18 * _MM
_ROW_H = 7 * _MM
_FOOTER_H = 98 * _MM  # totals, requirement, issuer + seal, QR, note
_INK = (0.10, 0.10, 0.12)
_ACCENT = (0.62, 0.08, 0.10)
_GRID = (0.55, 0.55, 0.58)


def _date_zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Truncate with an ellipsis so the text fits ``width`` (cells never overflow)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    ell = "…"
    while text and stringWidth(text + ell, font, size) > width:
        text = text[:-1]
    return text + ell


def _subject_label(subject: str) -> str:
    return SUBJECT_LABELS.get(subject, subject)


@dataclass(frozen=True)
class _Table:
    headers: tuple[str, ...]
    widths: tuple[float, ...]  # fractions of the content width
    aligns: tuple[str, ...]  # "l" / "c" / "r"
    rows: tuple[tuple[str, ...], ...]


def _table_for(snapshot: CertificateSnapshot) -> _Table:
    if snapshot.kind == "completion_proof":
        units = {y.unit for y in snapshot.years}
        # One unit: in the headers. Years judged in different units: each amount carries its own.
        head = f"（{units.pop()}）" if len(units) == 1 else ""

        def amount(value: Decimal, unit: str) -> str:
            return format_hours(value) if head else f"{format_hours(value)} {unit}"

        return _Table(
            headers=("年度", f"公需科目{head}", f"专业科目{head}", f"合计{head}", "是否达标"),
            widths=(0.16, 0.22, 0.22, 0.2, 0.2),
            aligns=("c", "r", "r", "r", "c"),
            rows=tuple(
                (
                    f"{y.year}（迁入）" if y.moved_in else str(y.year),
                    amount(y.public_hours, y.unit),
                    amount(y.professional_hours, y.unit),
                    amount(y.total_hours, y.unit),
                    "达标" if y.met else "未达标",
                )
                for y in snapshot.years
            ),
        )
    return _Table(
        headers=("序号", "学习项目", "学习形式", "科目", snapshot.required_unit),
        widths=(0.08, 0.5, 0.16, 0.14, 0.12),
        aligns=("c", "l", "c", "c", "r"),
        rows=tuple(
            (
                str(i),
                r.title,
                r.record_type,
                _subject_label(r.subject),
                format_hours(r.hours),
            )
            for i, r in enumerate(snapshot.records, 1)
        ),
    )


def _paginate(n_rows: int, first_top: float, next_top: float) -> list[tuple[int, int]]:
    """Split table rows into pages; the last page must leave room for the footer block."""
    bottom = _MARGIN + 8 * _MM  # page number line
    pages: list[tuple[int, int]] = []
    start, top = 0, first_top
    while True:
        full = max(1, int((top - _ROW_H - bottom) // _ROW_H))  # minus header row
        with_footer = int((top - _ROW_H - bottom - _FOOTER_H) // _ROW_H)
        remaining = n_rows - start
        if remaining <= with_footer:
            pages.append((start, n_rows))
            return pages
        take = min(remaining, full)
        pages.append((start, start + take))
        start += take
        top = next_top
        if start >= n_rows:
            pages.append((n_rows, n_rows))  # footer alone on a new page
            return pages


def _draw_table(c: Canvas, table: _Table, rows: Sequence[tuple[str, ...]], top: float, font: str) -> float:
    """Draw header + rows starting at ``top``; returns the y below the table."""
    width = _PAGE_W - 2 * _MARGIN
    xs = [_MARGIN]
    for frac in table.widths:
        xs.append(xs[-1] + frac * width)
    size, pad = 9.5, 2 * _MM
    n = len(rows) + 1
    bottom = top - n * _ROW_H
    c.setFillColorRGB(0.96, 0.93, 0.90)
    c.rect(_MARGIN, top - _ROW_H, width, _ROW_H, stroke=0, fill=1)
    c.setStrokeColorRGB(*_GRID)
    c.setLineWidth(0.5)
    # One path for the whole grid instead of a stroke call per cell.
    grid = c.beginPath()
    for i in range(n + 1):
        grid.moveTo(_MARGIN, top - i * _ROW_H)
        grid.lineTo(_MARGIN + width, top - i * _ROW_H)
    for x in xs:
        grid.moveTo(x, top)
        grid.lineTo(x, bottom)
    c.drawPath(grid, stroke=1, fill=0)
    c.setFillColorRGB(*_INK)
    for r, cells in enumerate((table.headers, *rows)):
        y = top - (r + 1) * _ROW_H + (_ROW_H - size) / 2 + 1.5
        c.setFont(font, size)
        for j, text in enumerate(cells):
            x0, x1 = xs[j] + pad, xs[j + 1] - pad
            text = _fit(text, font, size, x1 - x0)
            align = "c" if r == 0 else table.aligns[j]
            if align == "l":
                c.drawString(x0, y, text)
            elif align == "r":
                c.drawRightString(x1, y, text)
            else:
                c.drawCentredString((x0 + x1) / 2, y, text)
    return bottom


def _draw_qr(c: Canvas, content: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector rectangles, one per horizontal run of dark modules.

    Two speed choices (the QR was ~60 % of render time):

    * a fixed mask pattern: segno otherwise builds and scores all eight masks
      (~15 ms in pure Python). Every mask is valid and decoders read it from
      the format information; the scoring only avoids rare hard-to-scan
      patterns, and at error level M on a printed A4 page that margin is ample;
    * the runs are written as integer ``re`` operators in module units under
      one transformation matrix, instead of ~1000 ``path.rect`` calls that
      each format four floats in Python.
    """
    import segno

    qr = segno.make(content, error="m", micro=False, mask=_QR_MASK, boost_error=False)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    c.saveState()
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    # Origin at the top-left module, y growing downwards, 1 unit = 1 module.
    c.transform(module, 0, 0, -module, x + quiet * module, y + size - quiet * module)
    ops: list[str] = []
    for row_index, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                ops.append(f"{start} {row_index} {col - start} 1 re")
            else:
                col += 1
    ops.append("f")
    c.addLiteral("\n".join(ops))
    c.restoreState()


# Mask 4 (the "(i div 2 + j div 3) mod 2" checkerboard of blocks) rarely
# produces finder-like runs; any mask decodes.
_QR_MASK = 4


def _verify_host(qr_content: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(qr_content)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/verify"
    return "证书查验平台"


def _draw_header(c: Canvas, snapshot: CertificateSnapshot, font: str) -> float:
    c.setStrokeColorRGB(*_ACCENT)
    c.setLineWidth(1.6)
    c.rect(10 * _MM, 10 * _MM, _PAGE_W - 20 * _MM, _PAGE_H - 20 * _MM, stroke=1, fill=0)
    c.setLineWidth(0.5)
    c.rect(12 * _MM, 12 * _MM, _PAGE_W - 24 * _MM, _PAGE_H - 24 * _MM, stroke=1, fill=0)
    y = _PAGE_H - _MARGIN - 14 * _MM
    c.setFillColorRGB(*_ACCENT)
    c.setFont(font, 21 if snapshot.kind == "annual" else 23)
    c.drawCentredString(_PAGE_W / 2, y, snapshot.title)
    y -= 9 * _MM
    c.setFont(font, 13)
    c.drawCentredString(_PAGE_W / 2, y, f"（{snapshot.year_label}）")
    y -= 12 * _MM

    c.setFillColorRGB(*_INK)
    left = [
        ("姓　　名", snapshot.holder_name),
        ("身份证号", snapshot.masked_id),
        ("工作单位", snapshot.employer_name),
    ]
    right = [
        ("证书编号", snapshot.certificate_number),
        ("年　　度", snapshot.year_label),
        ("序 列 号", f"{snapshot.serial}（第{snapshot.version}版）"),
    ]
    col_w = (_PAGE_W - 2 * _MARGIN) / 2
    for i, ((lk, lv), (rk, rv)) in enumerate(zip(left, right, strict=True)):
        yy = y - i * 7.5 * _MM
        for x, key, value in ((_MARGIN, lk, lv), (_MARGIN + col_w, rk, rv)):
            c.setFont(font, 10)
            c.setFillColorRGB(0.35, 0.35, 0.38)
            c.drawString(x, yy, key)
            c.setFillColorRGB(*_INK)
            c.setFont(font, 11)
            c.drawString(x + 19 * _MM, yy, _fit(value, font, 11, col_w - 21 * _MM))
    y -= 3 * 7.5 * _MM
    if snapshot.replaces_serial:
        c.setFont(font, 9.5)
        c.setFillColorRGB(*_ACCENT)
        c.drawString(
            _MARGIN,
            y,
            f"本证书为更正版本，替代序列号 {snapshot.replaces_serial} 的证书（已撤销）。",
        )
        y -= 6 * _MM
    c.setFillColorRGB(*_INK)
    c.setFont(font, 11.5)
    heading = "年度继续教育记录" if snapshot.kind == "completion_proof" else "已认定的继续教育项目"
    c.drawString(_MARGIN, y, heading)
    return y - 3 * _MM


def _totals_line(snapshot: CertificateSnapshot) -> str:
    """The totals in the unit that judged the person; per unit when a proof spans years judged differently."""
    if snapshot.kind == "completion_proof" and len({y.unit for y in snapshot.years}) > 1:
        parts = []
        for unit in sorted({y.unit for y in snapshot.years}, key=lambda u: u != "学时"):
            rows = [y for y in snapshot.years if y.unit == unit]
            public = sum((y.public_hours for y in rows), Decimal(0))
            professional = sum((y.professional_hours for y in rows), Decimal(0))
            years = "、".join(str(y.year) for y in rows)
            parts.append(
                f"{years}年度 公需科目 {format_hours(public)} {unit}　专业科目 {format_hours(professional)} {unit}"
            )
        return "合计：" + "；".join(parts)
    unit = snapshot.years[0].unit if snapshot.kind == "completion_proof" and snapshot.years else snapshot.required_unit
    return (
        f"{unit}合计：公需科目 {format_hours(snapshot.public_hours)} {unit}　"
        f"专业科目 {format_hours(snapshot.professional_hours)} {unit}　"
        f"合计 {format_hours(snapshot.total_hours)} {unit}"
    )


def _draw_footer(c: Canvas, snapshot: CertificateSnapshot, seal: Seal, qr_content: str, font: str) -> None:
    top = _MARGIN + 8 * _MM + _FOOTER_H
    y = top - 8 * _MM
    c.setFillColorRGB(*_INK)
    c.setFont(font, 11)
    c.drawString(_MARGIN, y, _totals_line(snapshot))
    y -= 7 * _MM
    per_year = "每年" if snapshot.kind == "completion_proof" else "年度"
    c.setFont(font, 10)
    requirement = (
        f"{per_year}要求：累计不少于 {format_hours(snapshot.required_hours)} {snapshot.required_unit}，其中公需科目"
        f"不少于 {format_hours(snapshot.required_public_hours)} {snapshot.required_unit}"
    )
    if snapshot.kind == "completion_proof" and any(y.unit != snapshot.required_unit for y in snapshot.years):
        requirement = "各年度要求按评定该年度的政策计（学时或学分），是否达标见上表"
    c.drawString(_MARGIN, y, requirement)
    y -= 8 * _MM
    c.setFont(font, 13)
    c.setFillColorRGB(*((0.05, 0.45, 0.2) if snapshot.met else _ACCENT))
    verdict = "已完成" if snapshot.met else "未完成"
    c.drawString(_MARGIN, y, f"继续教育任务：{verdict}")

    # QR bottom left, issuer + seal bottom right.
    qr_size = 36 * _MM
    qr_y = _MARGIN + 14 * _MM
    _draw_qr(c, qr_content, _MARGIN, qr_y, qr_size)
    c.setFillColorRGB(*_INK)
    issuer_x = _PAGE_W - _MARGIN - 30 * _MM
    issuer_y = qr_y + 22 * _MM
    c.setFont(font, 12)
    c.drawCentredString(issuer_x, issuer_y, snapshot.issuer_name)
    c.setFont(font, 11)
    c.drawCentredString(issuer_x, issuer_y - 7 * _MM, _date_zh(snapshot.issue_date))
    # The seal overlaps issuer name and date, as on a paper certificate.
    draw_seal(c, seal, issuer_x, issuer_y - 2 * _MM)

    c.setFont(font, 8.5)
    c.setFillColorRGB(0.3, 0.3, 0.33)
    note = (
        f"本证书经{snapshot.issuer_name}数字签名，可在 {_verify_host(qr_content)} 查验"
        "（证书编号＋姓名、扫描二维码或上传本文件）；对文件的任何改动都会使签名失效。"
    )
    width = _PAGE_W - 2 * _MARGIN
    line_y = _MARGIN + 8 * _MM
    # Two lines at most; split where the first line is full.
    from reportlab.pdfbase.pdfmetrics import stringWidth

    first = note
    while stringWidth(first, font, 8.5) > width:
        first = first[:-1]
    c.drawString(_MARGIN, line_y, first)
    if len(first) < len(note):
        c.drawString(_MARGIN, line_y - 4.2 * _MM, _fit(note[len(first) :], font, 8.5, width))


def render_certificate_pdf(snapshot: CertificateSnapshot, *, seal: Seal, qr_content: str) -> bytes:
    """Render ``snapshot`` to unsigned PDF bytes.

    The serial goes into the document information ``/Subject`` (and
    ``/Keywords``) so that :func:`signing.verify_pdf` can report which
    certificate a signed file claims to be; the signature covers it.
    ``/Keywords`` also carries ``qr_content`` (the SM2-signed payload: serial,
    masked holder, years, hours), so that verification compares the hours
    the sealed revision states with the register (ADR 0013).
    """
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    # ASCII85 stream encoding only helps 7-bit transports; it makes the PDF 25 %
    # larger and, without reportlab's optional C accelerator (rl_accel, not in
    # our stack), costs ~8 ms per certificate in pure Python. The setting is
    # process-global in reportlab; binary streams are fine for any other use.
    rl_config.useA85 = 0
    font = register_cjk_font()
    buf = io.BytesIO()
    # initialFontName: otherwise every page starts with a non-embedded Helvetica
    # resource (pdffonts lists it; PDF/A checkers complain).
    c = Canvas(
        buf,
        pagesize=(_PAGE_W, _PAGE_H),
        pageCompression=1,
        initialFontName=font,
        initialFontSize=10,
    )
    c.setTitle(f"{snapshot.title}（{snapshot.year_label}）— {snapshot.holder_name}")
    c.setAuthor(snapshot.issuer_name)
    c.setSubject(snapshot.serial)
    c.setKeywords(
        f"cecert; serial={snapshot.serial}; version={snapshot.version}; number={snapshot.certificate_number}; "
        f"qr={qr_content}"
    )
    c.setCreator("cecert")

    table = _table_for(snapshot)
    first_top = _draw_header(c, snapshot, font)
    next_top = _PAGE_H - _MARGIN - 6 * _MM
    pages = _paginate(len(table.rows), first_top, next_top)
    for page_no, (start, end) in enumerate(pages, 1):
        if page_no > 1:
            c.showPage()
            _draw_page_frame(c)
        top = first_top if page_no == 1 else next_top
        if end > start or page_no == 1:
            _draw_table(c, table, table.rows[start:end], top, font)
        if page_no == len(pages):
            _draw_footer(c, snapshot, seal, qr_content, font)
        c.setFont(font, 8)
        c.setFillColorRGB(0.45, 0.45, 0.48)
        c.drawCentredString(_PAGE_W / 2, 14 * _MM, f"序列号 {snapshot.serial}　第 {page_no} 页 共 {len(pages)} 页")
    c.showPage()
    c.save()
    return buf.getvalue()


def _draw_page_frame(c: Canvas | Any) -> None:
    c.setStrokeColorRGB(*_ACCENT)
    c.setLineWidth(1.6)
    c.rect(10 * _MM, 10 * _MM, _PAGE_W - 20 * _MM, _PAGE_H - 20 * _MM, stroke=1, fill=0)
