"""PAdES B-T: with a timestamp server configured, the seal carries an RFC 3161 token that validates.

The timestamp server is a real HTTP endpoint on loopback answering RFC 3161 requests with
pyHanko's test TSA (RSA key, certificate with the critical timeStamping usage under the test root).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from cecert.certificates.pdf import DepartmentSigningMaterial, render_and_sign, verify_pdf
from tests.tsa import serve_tsa

from .conftest import annual_snapshot


@pytest.fixture(scope="module")
def timestamp_server(root: tuple[Any, Any]) -> Iterator[tuple[str, list[bytes]]]:
    """URL of a loopback RFC 3161 server and the list of requests it answered."""
    with serve_tsa(root) as server:
        yield server


def test_with_a_timestamp_server_the_seal_is_b_t(
    zhengzhou: DepartmentSigningMaterial, root: tuple[Any, Any], timestamp_server: tuple[str, list[bytes]]
) -> None:
    url, requests = timestamp_server
    before = len(requests)
    pdf = render_and_sign(annual_snapshot(), replace(zhengzhou, timestamp_url=url)).content

    result = verify_pdf(pdf, trust_roots=[root[1]])

    assert result.status == "genuine", result.detail
    assert len(requests) > before  # (pyHanko also asks once per server to size the token)
    # the next certificate sealed through the same server costs it exactly one request
    asked = len(requests)
    again = render_and_sign(annual_snapshot(), replace(zhengzhou, timestamp_url=url)).content
    assert len(requests) == asked + 1
    assert verify_pdf(again, trust_roots=[root[1]]).timestamp_time is not None
    assert result.timestamp_time is not None
    assert abs(result.timestamp_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_without_a_timestamp_server_the_seal_is_b_b(
    zhengzhou: DepartmentSigningMaterial, root: tuple[Any, Any]
) -> None:
    result = verify_pdf(render_and_sign(annual_snapshot(), zhengzhou).content, trust_roots=[root[1]])
    assert (result.status, result.timestamp_time) == ("genuine", None)


def test_a_changed_byte_in_a_timestamped_seal_fails(
    zhengzhou: DepartmentSigningMaterial, root: tuple[Any, Any], timestamp_server: tuple[str, list[bytes]]
) -> None:
    pdf = bytearray(render_and_sign(annual_snapshot(), replace(zhengzhou, timestamp_url=timestamp_server[0])).content)
    pdf[len(pdf) // 3] ^= 0x01
    assert verify_pdf(bytes(pdf), trust_roots=[root[1]]).status == "tampered"
