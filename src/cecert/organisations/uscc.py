"""Unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a valid USCC (Chinese, English), or None if it is."""
    code = code.strip().upper()
    if len(code) != 18:
        return "统一社会信用代码应为18位", "the unified social credit code has 18 characters"
    bad = [c for c in code if c not in USCC_CHARSET]
    if bad:
        return (f"统一社会信用代码含非法字符“{bad[0]}”", f"the code contains the invalid character {bad[0]!r}")
    if not code[2:8].isdigit():
        return "第3至8位应为行政区划代码", "characters 3-8 must be a region code"
    if uscc_check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误", "the check character of the code is wrong"
    return None


def make_uscc(first17: str) -> str:
    """Complete a 17-character body with its check character (demo data, tests)."""
    return first17 + uscc_check_character(first17)
