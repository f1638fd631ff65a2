"""A hostile-upload corpus, generated (no committed binaries): bombs, truncations, polyglots and active PDFs."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from tests.records.factories import image_bytes, pdf_bytes


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid 1-bit PNG of ``width`` × ``height`` zero pixels, small on disk (≈200 KB for 40000²).

    The zlib stream is built from one compressed block of rows repeated after full flushes (the
    compressor's history is reset, so the bytes repeat) and the true Adler-32 of all rows: valid
    data without compressing 200 MB.
    """
    row = b"\x00" * (1 + (width + 7) // 8)
    per_block = 1000
    blocks, rest = divmod(height, per_block)
    block = row * per_block
    compressor = zlib.compressobj(9)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(row * rest) + compressor.flush()
    adler = 1
    for _ in range(blocks):
        adler = zlib.adler32(block, adler)
    adler = zlib.adler32(row * rest, adler)
    data = first + again * (blocks - 1) + last[:-4] + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def noisy_image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo-like image (random pixels, so that the encoded data is long enough to cut)."""
    from PIL import Image

    rng = random.Random(13)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def truncated(content: bytes, keep: float = 0.6) -> bytes:
    return content[: int(len(content) * keep)]


def png_bad_crc() -> bytes:
    content = bytearray(noisy_image("PNG"))
    content[40] ^= 0xFF  # inside IDAT: the chunk's CRC no longer matches
    return bytes(content)


def _pdf(edit: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    edit(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(kind: str, **entries: object) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(str(value))
    return action


def _link(writer: PdfWriter, action: DictionaryObject) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(40)]),
            NameObject("/A"): action,
        }
    )
    writer.add_annotation(page_number=0, annotation=annotation)


def pdf_javascript() -> bytes:
    """Document-level JavaScript (the /Names /JavaScript tree), run by viewers when the file opens."""

    def edit(w: PdfWriter) -> None:
        script = _action("/JavaScript", JS="app.alert('x');")
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})
        w.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})

    return _pdf(edit)


def pdf_open_action() -> bytes:
    def edit(w: PdfWriter) -> None:
        w.root_object[NameObject("/OpenAction")] = _action("/URI", URI="http://evil.example/")

    return _pdf(edit)


def pdf_launch() -> bytes:
    return _pdf(lambda w: _link(w, _action("/Launch", F="calc.exe")))


def pdf_page_additional_action() -> bytes:
    def edit(w: PdfWriter) -> None:
        w.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/URI", URI="http://e.example/")})

    return _pdf(edit)


def pdf_embedded_file() -> bytes:
    return _pdf(lambda w: w.add_attachment("payload.exe", b"MZ\x90\x00 not really"))


def pdf_xfa() -> bytes:
    def edit(w: PdfWriter) -> None:
        w.root_object[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp:xdp/>")}
        )

    return _pdf(edit)


def pdf_encrypted(user_password: str = "") -> bytes:
    return _pdf(lambda w: w.encrypt(user_password, "owner-secret", algorithm="AES-128"))


def pdf_broken_xref() -> bytes:
    """Every object offset in the cross-reference table is off by three bytes."""
    content = pdf_bytes()
    head, _, table = content.partition(b"\nxref\n")
    lines = table.split(b"\n")
    fixed = [(b"%010d" % (int(line[:10]) + 3)) + line[10:] if line.endswith(b" n ") else line for line in lines]
    return head + b"\nxref\n" + b"\n".join(fixed)


def pdf_polyglot_html_header() -> bytes:
    """A PDF header followed by a web page (what a browser sniffing the body would run)."""
    return b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def pdf_polyglot_valid() -> bytes:
    """A PDF that parses, but whose first kilobyte is also an HTML page with a script."""

    def edit(w: PdfWriter) -> None:
        w.xmp_metadata = b"<html><body><script>alert(document.cookie)</script></body></html>"

    return _pdf(edit)


def pdf_with_link_and_destination() -> bytes:
    """Benign interactivity: a web link and an /OpenAction that is only a destination (page fit)."""

    def edit(w: PdfWriter) -> None:
        _link(w, _action("/URI", URI="https://www.hnrst.gov.cn/"))
        w.root_object[NameObject("/OpenAction")] = ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")])

    return _pdf(edit)


def genuine_photo_jpeg() -> bytes:
    return noisy_image("JPEG", (1200, 900))


def genuine_multipage_pdf() -> bytes:
    return pdf_bytes(pages=3)


__all__ = ["image_bytes", "pdf_bytes"]
