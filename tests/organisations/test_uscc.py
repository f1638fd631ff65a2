from __future__ import annotations

import pytest

from cecert.organisations.uscc import make_uscc, uscc_check_character, uscc_problem


@pytest.mark.parametrize("code", ["91350100M000100Y43", make_uscc("12410105MB0000001")])
def test_valid_codes(code: str) -> None:
    assert uscc_problem(code) is None


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91350100M000100Y44", "校验位"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100YI3", "非法字符"),
        ("91ABCDEFM000100Y43", "行政区划"),
    ],
)
def test_invalid_codes(code: str, fragment: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None and fragment in problem[0]


def test_check_character_of_a_published_code() -> None:
    assert uscc_check_character("91350100M000100Y4") == "3"
