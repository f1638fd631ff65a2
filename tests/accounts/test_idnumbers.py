from __future__ import annotations

import datetime as dt

import pytest

from cecert.accounts.idnumbers import (
    IdNumberError,
    check_character,
    id_number_digest,
    make_id_number,
    mask_id_number,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    "number, birth, gender",
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "female"),  # GB 11643 standard example, check X
        (make_id_number("410102", dt.date(1962, 10, 1), 37), dt.date(1962, 10, 1), "male"),
        (make_id_number("419001", dt.date(1990, 6, 15), 123), dt.date(1990, 6, 15), "male"),  # 济源
        (make_id_number("410105", dt.date(2000, 2, 29), 24), dt.date(2000, 2, 29), "female"),  # leap day
        (make_id_number("412301", dt.date(1975, 3, 3), 11), dt.date(1975, 3, 3), "male"),  # old 商丘地区 code
    ],
)
def test_valid_numbers(number: str, birth: dt.date, gender: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert (parsed.value, parsed.birth_date, parsed.gender) == (number, birth, gender)


def test_lower_case_x_and_spaces_are_normalised() -> None:
    assert parse_id_number(" 11010519491231002x ", today=TODAY).value == "11010519491231002X"


def test_numbers_ending_in_x_exist_for_jiyuan() -> None:
    x_numbers = [make_id_number("419001", dt.date(1988, 8, 8), s) for s in range(1000)]
    assert any(n.endswith("X") for n in x_numbers)
    assert all(parse_id_number(n, today=TODAY) for n in x_numbers)


@pytest.mark.parametrize(
    "number, message",
    [
        ("11010519491231002Y", "18位"),
        ("110105194912310021", "校验位"),  # wrong check character
        ("110105194902300020", "出生日期不存在"),  # 30 February
        ("110105194913010020", "出生日期不存在"),  # month 13
        (make_id_number("410105", dt.date(2027, 1, 1), 1)[:17] + "0", "晚于今天"),
        ("4101051990", "18位"),
        ("", "18位"),
    ],
)
def test_invalid_numbers_explain_why(number: str, message: str) -> None:
    if "晚于今天" in message:
        number = make_id_number("410105", dt.date(2027, 1, 1), 1)
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(number, today=TODAY)
    assert message in caught.value.message_zh
    assert caught.value.message_en


def test_check_character_matches_iso_7064() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("41010219621001003") == make_id_number("410102", dt.date(1962, 10, 1), 3)[-1]


def test_mask_shows_first_six_and_last_four() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_digest_is_keyed_and_normalised() -> None:
    assert id_number_digest("11010519491231002x", "k1") == id_number_digest("11010519491231002X", "k1")
    assert id_number_digest("11010519491231002X", "k1") != id_number_digest("11010519491231002X", "k2")
