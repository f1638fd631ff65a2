from __future__ import annotations

from reportlab.graphics.shapes import Circle, Group, Polygon, String

from cecert.certificates.pdf.seal import build_seal


def _strings(node):
    for child in getattr(node, "contents", []):
        if isinstance(child, String):
            yield child.text
        elif isinstance(child, Group):
            yield from _strings(child)


def test_seal_is_built_once_per_department():
    a = build_seal("郑州市人力资源和社会保障局")
    assert build_seal("郑州市人力资源和社会保障局") is a
    assert build_seal("洛阳市人力资源和社会保障局") is not a


def test_seal_contents():
    seal = build_seal("郑州市人力资源和社会保障局", "继续教育证书专用章", diameter_mm=40)
    shapes = seal.drawing.contents
    assert any(isinstance(s, Circle) for s in shapes)
    stars = [s for s in shapes if isinstance(s, Polygon)]
    assert len(stars) == 1 and len(stars[0].points) == 20  # five-pointed star
    texts = list(_strings(seal.drawing))
    assert "".join(texts[:-1]) == "郑州市人力资源和社会保障局"  # one glyph per arc position
    assert texts[-1] == "继续教育证书专用章"
    assert abs(seal.diameter - 40 * 72 / 25.4) < 0.01


def test_seal_without_subtitle():
    texts = list(_strings(build_seal("河南省人力资源和社会保障厅", None).drawing))
    assert "".join(texts) == "河南省人力资源和社会保障厅"
