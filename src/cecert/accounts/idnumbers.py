"""Resident identity numbers (公民身份号码, GB 11643-1999).

The check character (ISO 7064 MOD 11-2) and the birth date are hard checks.
The region part is a soft check: codes change over time (e.g. 济源 419001) and
people keep the number they were given, so an unknown region is only a warning.
python-stdnum rejects some real Henan numbers, hence our own implementation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    gender: str  # "male" | "female", from the sequence code's parity
    region_known: bool

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)


def normalise(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def check_character(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: str, *, today: dt.date | None = None, known_region: bool | None = None) -> IdNumber:
    value = normalise(raw)
    if not _SHAPE.match(value):
        raise IdNumberError(
            "身份证号码应为18位，前17位为数字，末位为数字或X",
            "the ID number has 18 characters: 17 digits and a digit or X",
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("身份证号码中的出生日期不存在", "the birth date in the ID number does not exist") from None
    today = today or dt.date.today()
    if birth > today:
        raise IdNumberError("身份证号码中的出生日期晚于今天", "the birth date in the ID number is in the future")
    if birth.year < 1900:
        raise IdNumberError("身份证号码中的出生日期早于1900年", "the birth date in the ID number is before 1900")
    if check_character(value[:17]) != value[17]:
        raise IdNumberError("身份证号码校验位错误", "the check character of the ID number is wrong")
    gender = "male" if int(value[16]) % 2 else "female"
    return IdNumber(value, birth, gender, region_known=bool(known_region))


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters visible, as shown to everyone but the owner."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def id_number_digest(value: str, key: str) -> str:
    """Keyed hash used to look a number up without storing it readably."""
    return hmac.new(key.encode(), normalise(value).encode(), hashlib.sha256).hexdigest()


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (demo data and tests)."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_character(body)
