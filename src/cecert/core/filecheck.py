"""Uploaded images and PDFs are decoded, not sniffed.

A magic-byte prefix says what a file claims to be; only a full decode says
whether it is one. ``check_image`` decodes every pixel with Pillow under an
explicit pixel limit (Pillow's ``DecompressionBombWarning`` is an error here);
``check_pdf`` parses the whole object graph with pypdf in strict mode and
refuses broken, encrypted and active (script- or action-bearing) documents.
Both raise ``DomainError`` naming the field, in Chinese and English; callers
check the size limit first and store nothing when refused.

The limits (see ADR 0014):

* ``MAX_IMAGE_PIXELS`` = 40 million: an A4 page scanned at 600 dpi is
  4960 × 7016 ≈ 34.8 million pixels; a decoded 40 MP RGBA image is 160 MB.
* ``MAX_PDF_OBJECTS`` = 100 000 objects reachable from the trailer; every
  stream is decoded once (pypdf caps each decoded stream at 75 MB).
* ``HTML_SNIFF_BYTES`` = 1024: no HTML or script markup in the first KB, where
  browsers and mail scanners look when sniffing (polyglots).
"""

from __future__ import annotations

import io
import logging
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from cecert.core.errors import DomainError

MAX_IMAGE_PIXELS = 40_000_000
MAX_PDF_OBJECTS = 100_000
HTML_SNIFF_BYTES = 1024

# Dictionary keys whose presence makes a PDF active (scripts, automatic actions, attachments, multimedia, XFA forms).
ACTIVE_KEYS = frozenset(
    {"/JavaScript", "/JS", "/AA", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA"}
)
# Action types (``/S``) that run code, open or fetch something, or submit data.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/ResetForm",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/GoToE",
        "/GoToR",
    }
)
# Annotation subtypes that carry files or multimedia.
ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"})
# Image filters inside PDFs are not decoded (we check the document, not the pictures in it).
IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"})
# (tag names of four letters or more: a chance match in compressed image bytes is negligible)
_HTML = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|meta)", re.IGNORECASE)
# pypdf logs (and in strict mode still repairs) a wrong cross-reference table; for uploads that is a broken file.
_PDF_REPAIRS = re.compile(r"xref|repaired|startxref|EOF marker", re.IGNORECASE)


def refuse_markup(content: bytes, *, field: str = "file") -> None:
    """A polyglot (an image or PDF whose first bytes are also HTML or script) is refused."""
    if _HTML.search(content[:HTML_SNIFF_BYTES]):
        raise DomainError(
            field,
            "文件开头含有网页或脚本代码，不能作为证明材料上传",
            "the file begins with HTML or script markup (a polyglot) and is refused",
        )


# --- images -------------------------------------------------------------------------------------------------


def check_image(content: bytes, expected_format: str, *, field: str = "file") -> tuple[int, int]:
    """Decode ``content`` fully as ``expected_format`` ("PNG" or "JPEG"); returns (width, height)."""
    from PIL import Image

    # Set explicitly (Pillow's default is about 89 MP); anything above warns, twice that raises.
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    undecodable = DomainError(
        field,
        "文件无法作为图片完整解码（已损坏、不完整或与格式不符），请重新扫描或导出后上传",
        "the image cannot be decoded completely (damaged, truncated or not what it claims to be)",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[expected_format]) as image:
                width, height = image.size
                _pixel_limit(width, height, field)
                if getattr(image, "n_frames", 1) != 1:
                    raise DomainError(
                        field, "文件为多帧（动画）图片，请上传单张图片", "animated or multi-frame images are refused"
                    )
                image.verify()  # every chunk's checksum (PNG), up to the end marker
            with Image.open(io.BytesIO(content), formats=[expected_format]) as image:
                image.load()  # every pixel: a truncated file fails here
    except DomainError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise DomainError(
            field,
            f"文件中的图片像素过多（上限 {MAX_IMAGE_PIXELS // 10_000} 万像素），请降低分辨率后上传",
            f"too many pixels (limit {MAX_IMAGE_PIXELS})",
        ) from None
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, struct.error… for bad data
        raise undecodable from None
    return width, height


def _pixel_limit(width: int, height: int, field: str) -> None:
    if width <= 0 or height <= 0 or width * height > MAX_IMAGE_PIXELS:
        raise DomainError(
            field,
            f"文件中的图片像素过多（{width}×{height}，上限 {MAX_IMAGE_PIXELS // 10_000} 万像素），请降低分辨率后上传",
            f"the image is {width}x{height} pixels; at most {MAX_IMAGE_PIXELS} pixels are accepted",
        )


# --- PDFs ---------------------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    """pypdf's warnings about the file being parsed on this thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _pypdf_warnings() -> Iterator[_Collect]:
    logger = logging.getLogger("pypdf")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def check_pdf(content: bytes, *, field: str = "file") -> int:
    """Parse the whole PDF; refuse it broken, encrypted or active. Returns the page count."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    broken = DomainError(
        field,
        "文件（PDF）已损坏或不完整，无法解析，请重新导出后上传",
        "the PDF is damaged or truncated and cannot be parsed",
    )
    try:
        with _pypdf_warnings() as logged:
            reader = PdfReader(io.BytesIO(content), strict=True)
            if reader.is_encrypted:
                raise DomainError(
                    field,
                    "文件（PDF）已加密或设有密码，请取消加密后上传",
                    "the PDF is encrypted or password-protected",
                )
            _walk(reader.trailer, field)
            pages = len(reader.pages)
    except DomainError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError):
        raise broken from None
    except Exception:  # any other failure of the parser on hostile input is a broken file too
        raise broken from None
    if any(_PDF_REPAIRS.search(message) for message in logged.messages) or pages < 1:
        raise broken
    return pages


def _active(field: str, what_zh: str, what_en: str) -> DomainError:
    return DomainError(
        field,
        f"文件（PDF）含有{what_zh}，不能作为证明材料上传，请另存为普通 PDF 后上传",
        f"the PDF contains {what_en} and is refused",
    )


def _walk(trailer: object, field: str) -> None:
    """Visit every object reachable from the trailer (iteratively, each once) and decode every stream."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NullObject, StreamObject

    seen: set[tuple[int, int]] = set()
    stack: list[object] = [trailer]
    count = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
            if obj is None or isinstance(obj, NullObject):
                continue
        count += 1
        if count > MAX_PDF_OBJECTS:
            raise DomainError(field, "文件（PDF）结构过于复杂，请另存为普通 PDF 后上传", "the PDF has too many objects")
        if isinstance(obj, DictionaryObject):
            for key in obj:
                if key in ACTIVE_KEYS:
                    raise _active(field, _ZH.get(key, "脚本或动作"), key)
            action = _deref(obj.get("/S"))
            if isinstance(action, str) and action in ACTIVE_ACTIONS:
                raise _active(field, _ZH.get(action, "自动动作"), f"a {action} action")
            subtype = _deref(obj.get("/Subtype"))
            if isinstance(subtype, str) and subtype in ACTIVE_SUBTYPES:
                raise _active(field, "附件或多媒体注释", f"a {subtype} annotation")
            if isinstance(_deref(obj.get("/OpenAction")), DictionaryObject):
                raise _active(field, "打开时自动执行的动作", "an /OpenAction action")
            if isinstance(obj, StreamObject):
                _decode(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _deref(value: object) -> object:
    from pypdf.generic import IndirectObject

    return value.get_object() if isinstance(value, IndirectObject) else value


def _decode(stream: object) -> None:
    from pypdf.generic import ArrayObject, StreamObject

    assert isinstance(stream, StreamObject)
    filters = _deref(stream.get("/Filter"))
    names = list(filters) if isinstance(filters, ArrayObject) else [filters] if filters is not None else []
    if any(str(name) in IMAGE_FILTERS for name in names):
        return
    stream.get_data()  # pypdf caps the decoded length of each stream


_ZH = {
    "/JavaScript": "JavaScript 脚本",
    "/JS": "JavaScript 脚本",
    "/AA": "自动执行的动作",
    "/Launch": "启动外部程序的动作",
    "/EmbeddedFiles": "嵌入的附件",
    "/EmbeddedFile": "嵌入的附件",
    "/RichMedia": "多媒体内容",
    "/XFA": "XFA 动态表单",
    "/ImportData": "导入数据的动作",
    "/SubmitForm": "提交表单的动作",
    "/ResetForm": "重置表单的动作",
    "/RichMediaExecute": "多媒体执行动作",
    "/Rendition": "多媒体播放动作",
    "/Movie": "影片播放动作",
    "/Sound": "声音播放动作",
    "/GoToE": "打开嵌入文档的动作",
    "/GoToR": "打开外部文档的动作",
}
