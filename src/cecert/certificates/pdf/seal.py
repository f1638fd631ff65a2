"""The visible red round seal, built once per department and drawn as vectors.

renderPM (reportlab's raster backend) needs rlPyCairo, which is not part of
the stack, and a raster seal would be blurry when printed anyway. So the seal
is a reportlab ``Drawing`` built once per (department, subtitle, size) and
cached; drawing it onto a page only walks ~40 ready-made shapes and never
touches the font file again (the font is parsed once in :mod:`.fonts`).

The cryptographic seal is the PAdES signature; this image is what people
expect to see (regulation Article 13: the certificate takes effect when sealed).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cecert.certificates.pdf.fonts import register_cjk_font

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas

__all__ = ["DEFAULT_SUBTITLE", "Seal", "build_seal", "draw_seal"]

DEFAULT_SUBTITLE = "继续教育证书专用章"
_MM = 72 / 25.4


@dataclass(frozen=True)
class Seal:
    department_name: str
    diameter: float  # points
    drawing: Drawing


def _star_points(cx: float, cy: float, outer: float) -> list[float]:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points: list[float] = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(90 + i * 36)
        points += [cx + radius * math.cos(angle), cy + radius * math.sin(angle)]
    return points


@functools.lru_cache(maxsize=256)
def build_seal(department_name: str, subtitle: str | None = DEFAULT_SUBTITLE, *, diameter_mm: float = 40.0) -> Seal:
    """Build (and cache) the seal drawing: name along the upper arc, star, subtitle."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, Polygon, String, mmult, rotate
    from reportlab.graphics.shapes import translate as translate_m
    from reportlab.lib.colors import Color
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = register_cjk_font()
    # Slightly translucent, like ink: text under the seal stays legible.
    red = Color(0.84, 0.05, 0.07, alpha=0.88)
    size = diameter_mm * _MM
    r = size / 2
    border = 0.045 * size
    drawing = Drawing(size, size)
    # Otherwise renderPDF starts from Helvetica and the PDF gains a non-embedded
    # Helvetica resource (pdffonts lists it; PDF/A checkers object).
    drawing.initialFontName = font
    drawing.add(Circle(r, r, r - border / 2, strokeColor=red, strokeWidth=border, fillColor=None))
    drawing.add(Polygon(_star_points(r, r, 0.2 * size), fillColor=red, strokeColor=None))

    name = department_name.strip()
    n = len(name)
    if n:
        # Official seals spread the name over up to ~240 degrees, clockwise
        # from lower left to lower right, each glyph upright facing outwards.
        span = min(240.0, max(60.0, 22.0 * n))
        text_r = r - border * 1.6
        step = span / (n - 1) if n > 1 else 0.0
        arc_per_char = math.radians(step) * text_r if n > 1 else size
        font_size = min(0.16 * size, arc_per_char * 0.92)
        baseline_r = text_r - font_size * 0.88  # glyph tops touch text_r
        for i, ch in enumerate(name):
            angle = 90 + span / 2 - i * step
            a = math.radians(angle)
            transform = mmult(
                translate_m(r + baseline_r * math.cos(a), r + baseline_r * math.sin(a)),
                rotate(angle - 90),
            )
            glyph = String(0, 0, ch, fontName=font, fontSize=font_size, fillColor=red, textAnchor="middle")
            drawing.add(Group(glyph, transform=transform))

    if subtitle:
        chord = 2 * math.sqrt(max(0.0, (r - border) ** 2 - (0.28 * size) ** 2))
        sub_size = min(0.085 * size, 0.9 * chord / max(1.0, stringWidth(subtitle, font, 1)))
        drawing.add(
            String(
                r,
                r - 0.30 * size,
                subtitle,
                fontName=font,
                fontSize=sub_size,
                fillColor=red,
                textAnchor="middle",
            )
        )
    return Seal(department_name=name, diameter=size, drawing=drawing)


def draw_seal(canvas: Canvas | Any, seal: Seal, center_x: float, center_y: float) -> None:
    """Draw the cached seal centred at (center_x, center_y) on a reportlab canvas."""
    from reportlab.graphics import renderPDF

    half = seal.diameter / 2
    renderPDF.draw(seal.drawing, canvas, center_x - half, center_y - half)
