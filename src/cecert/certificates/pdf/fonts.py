"""Locate and register one TrueType CJK font for reportlab, once per process.

reportlab embeds only TrueType outlines; the common Noto/Source Han CJK fonts
are CFF-flavoured OpenType and fail with "postscript outlines are not
supported". WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) is TrueType
and covers GB 2312 / GBK; LXGW WenKai is a TrueType alternative.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = [
    "CJK_FONT_NAME",
    "FONT_ENV_VAR",
    "FontNotFoundError",
    "cjk_font_path",
    "register_cjk_font",
]

CJK_FONT_NAME = "CecertCJK"
FONT_ENV_VAR = "CECERT_CJK_FONT"

CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
    "/usr/share/fonts/truetype/lxgw/LXGWWenKai-Regular.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/local/share/fonts/LXGWWenKai-Regular.ttf",
)

_lock = threading.Lock()
_registered: str | None = None


class FontNotFoundError(RuntimeError):
    """No usable TrueType CJK font; the message says how to install one."""


def cjk_font_path() -> Path:
    """The font file to use: ``$CECERT_CJK_FONT`` if set, else the first Debian candidate."""
    override = os.environ.get(FONT_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FontNotFoundError(f"{FONT_ENV_VAR}={override!r} is not a readable font file")
        return path
    for candidate in CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    raise FontNotFoundError(
        "no TrueType CJK font found for certificate PDFs; install the Debian package "
        f"'fonts-wqy-microhei' (apt-get install fonts-wqy-microhei) or point {FONT_ENV_VAR} "
        "at a TrueType (not CFF/OTF) CJK font such as LXGWWenKai-Regular.ttf. "
        f"Searched: {', '.join(CANDIDATES)}"
    )


def register_cjk_font() -> str:
    """Register the CJK font with reportlab (parsing it once) and return its reportlab name."""
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is not None:
            return _registered
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        path = cjk_font_path()
        try:
            # subfontIndex=0: in wqy-microhei.ttc face 0 is the proportional one.
            font = TTFont(CJK_FONT_NAME, str(path), subfontIndex=0)
        except TTFError as exc:
            raise FontNotFoundError(
                f"{path} cannot be embedded by reportlab ({exc}); it needs a TrueType-outline "
                "CJK font, e.g. Debian package 'fonts-wqy-microhei'"
            ) from exc
        pdfmetrics.registerFont(font)
        _registered = CJK_FONT_NAME
        return _registered
