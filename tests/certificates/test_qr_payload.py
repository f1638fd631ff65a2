from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from cecert.certificates.crypto import qr_payload as qp
from cecert.certificates.crypto import sm2


@pytest.fixture(scope="module")
def issuer():
    key = sm2.generate_sm2_key()
    return key, sm2.sm2_key_id(key.public_key())


@pytest.fixture(scope="module")
def fields() -> qp.QrFields:
    return qp.QrFields(
        serial="HA2024-0000012345",
        masked_name=qp.mask_name("欧阳娜娜"),
        year_from=2024,
        year_to=2024,
        public_hours="24",
        professional_hours="66.5",
        total_hours="90.5",
        met=True,
        status="issued",
        issue_date=dt.date(2025, 1, 15),
    )


@pytest.fixture(scope="module")
def payload(issuer, fields) -> str:
    key, kid = issuer
    return qp.encode_payload(fields, key, kid)


def test_round_trip(issuer, fields, payload):
    key, kid = issuer
    decoded, status = qp.decode_and_verify(payload, {kid: key.public_key()})
    assert status == "genuine"
    assert decoded is not None
    assert decoded.key_id == kid
    assert decoded.masked_name == "欧**娜"
    assert (decoded.serial, decoded.total_hours, decoded.met) == ("HA2024-0000012345", "90.5", True)
    assert decoded.issue_date == dt.date(2025, 1, 15)
    assert decoded.years == "2024"


def test_payload_and_url_are_qr_sized(payload):
    assert payload.startswith("CEC1.")
    url = qp.qr_content("https://cecert.hrss.henan.gov.cn/", payload)
    assert url.startswith("https://cecert.hrss.henan.gov.cn/verify/qr?p=CEC1.")
    assert len(url) < 300
    assert parse_qs(urlsplit(url).query)["p"] == [payload]


def test_decode_accepts_the_full_url(issuer, payload):
    key, kid = issuer
    url = qp.qr_content("https://x.example", payload)
    assert qp.decode_and_verify(url, {kid: key.public_key()})[1] == "genuine"


def test_flipped_character_is_tampered(issuer, payload):
    key, kid = issuer
    keys_by_id = {kid: key.public_key()}
    body_end = payload.rindex(".")
    # Every position of the signature and of the serial/name part of the body.
    positions = [*range(5, 40), *range(body_end + 1, len(payload))]
    for i in positions:
        ch = payload[i]
        flipped = payload[:i] + ("A" if ch != "A" else "B") + payload[i + 1 :]
        decoded, status = qp.decode_and_verify(flipped, keys_by_id)
        assert status == "tampered", (i, status)
        assert decoded is None


def test_any_flip_is_never_genuine(issuer, payload):
    key, kid = issuer
    keys_by_id = {kid: key.public_key()}
    for i in range(len(payload)):
        ch = payload[i]
        flipped = payload[:i] + ("x" if ch != "x" else "y") + payload[i + 1 :]
        # A flip inside the key id can only give "unknown_key", never "genuine".
        assert qp.decode_and_verify(flipped, keys_by_id)[1] != "genuine"


def test_unknown_key(fields, payload, issuer):
    other = sm2.generate_sm2_key()
    decoded, status = qp.decode_and_verify(payload, {"0" * 16: other.public_key()})
    assert status == "unknown_key"
    assert decoded is not None and decoded.key_id == issuer[1]


def test_wrong_key_under_right_id_is_tampered(payload, issuer):
    other = sm2.generate_sm2_key()
    assert qp.decode_and_verify(payload, {issuer[1]: other.public_key()}) == (None, "tampered")


def test_retired_keys_still_verify(fields):
    old, new = sm2.generate_sm2_key(), sm2.generate_sm2_key()
    old_id, new_id = sm2.sm2_key_id(old.public_key()), sm2.sm2_key_id(new.public_key())
    published = {old_id: old.public_key(), new_id: new.public_key()}
    assert qp.decode_and_verify(qp.encode_payload(fields, old, old_id), published)[1] == "genuine"
    assert qp.decode_and_verify(qp.encode_payload(fields, new, new_id), published)[1] == "genuine"


@pytest.mark.parametrize(
    "text",
    ["", "CEC1.", "CEC1..", "CEC2.abc.def", "garbage", "CEC1.e30.AAAA", "CEC1.!!.??", "x" * 5000],
)
def test_garbage_is_tampered(text, issuer):
    key, kid = issuer
    assert qp.decode_and_verify(text, {kid: key.public_key()}) == (None, "tampered")


def test_multi_year_span(issuer, fields):
    key, kid = issuer
    span = qp.QrFields(**{**fields.__dict__, "year_from": 2019, "year_to": 2023})
    decoded, status = qp.decode_and_verify(qp.encode_payload(span, key, kid), {kid: key.public_key()})
    assert status == "genuine" and decoded is not None and decoded.years == "2019-2023"


@pytest.mark.parametrize(
    ("name", "masked"), [("张", "张"), ("张三", "张*"), ("张三丰", "张*丰"), ("欧阳娜娜", "欧**娜")]
)
def test_mask_name(name, masked):
    assert qp.mask_name(name) == masked


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("24.0"), "24"), ("7.50", "7.5"), (90, "90"), (Decimal("1E+2"), "100")],
)
def test_format_hours(value, text):
    assert qp.format_hours(value) == text
