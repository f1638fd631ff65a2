"""SM2 cross-checked against gmssl, an independent pure-Python implementation."""

from __future__ import annotations

import pytest
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

from cecert.certificates.crypto import sm2

MESSAGES = [b"", b"a", "河南省专业技术人员继续教育证书".encode(), bytes(range(256)) * 4]


@pytest.fixture(scope="module")
def key():
    return sm2.generate_sm2_key()


@pytest.fixture(scope="module")
def gm(key):
    d = key.private_numbers().private_value
    public_hex = sm2.sm2_public_key_to_hex(key.public_key())
    assert public_hex.startswith("04") and len(public_hex) == 130
    # gmssl wants the bare x||y coordinates.
    return gm_sm2.CryptSM2(private_key=f"{d:064x}", public_key=public_hex[2:])


@pytest.mark.parametrize("message", MESSAGES)
def test_tongsuo_signature_verifies_with_gmssl(key, gm, message):
    sig = sm2.sm2_sign(key, message)
    assert len(sig) == 64
    assert gm.verify_with_sm3(sig.hex(), message)
    assert not gm.verify_with_sm3(sig.hex(), message + b"x")


@pytest.mark.parametrize("message", MESSAGES)
def test_gmssl_signature_verifies_with_tongsuo(key, gm, message):
    sig_hex = gm.sign_with_sm3(message)
    assert sm2.sm2_verify(key.public_key(), message, bytes.fromhex(sig_hex))
    assert not sm2.sm2_verify(key.public_key(), message + b"x", bytes.fromhex(sig_hex))


def test_z_a_prehash_is_applied(key, gm):
    """A signature over plain SM3(M), without Z_A, must not verify: proves Z_A is in use."""
    message = b"serial HA2024-0000012345"
    e_hex = gm_sm3.sm3_hash(list(message))
    sig_without_z = gm.sign(bytes.fromhex(e_hex), "1" * 64)
    assert not sm2.sm2_verify(key.public_key(), message, bytes.fromhex(sig_without_z))


def test_public_key_round_trips(key):
    public = key.public_key()
    from_hex = sm2.sm2_public_key_from_hex(sm2.sm2_public_key_to_hex(public))
    from_bare_hex = sm2.sm2_public_key_from_hex(sm2.sm2_public_key_to_hex(public)[2:])
    pem = sm2.sm2_public_key_to_pem(public)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    from_pem = sm2.sm2_public_key_from_pem(pem)
    sig = sm2.sm2_sign(key, b"x")
    for pub in (from_hex, from_bare_hex, from_pem):
        assert sm2.sm2_verify(pub, b"x", sig)
        assert sm2.sm2_key_id(pub) == sm2.sm2_key_id(public)


def test_verify_never_raises_on_garbage(key):
    public = key.public_key()
    for bad in (b"", b"\x00" * 64, b"\xff" * 64, b"\x01" * 63, b"\x01" * 72):
        assert sm2.sm2_verify(public, b"x", bad) is False


def test_other_key_does_not_verify(key):
    other = sm2.generate_sm2_key()
    assert not sm2.sm2_verify(other.public_key(), b"x", sm2.sm2_sign(key, b"x"))
