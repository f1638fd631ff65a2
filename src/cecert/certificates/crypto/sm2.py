"""SM2 signatures with SM3 (GM/T 0003, GM/T 0009) for the QR payload, via Tongsuo.

Tongsuo (an OpenSSL 3 fork) applies the GM/T 0009 ``Z_A`` pre-hash with the
default distinguishing identifier ``1234567812345678`` whenever an SM2 key is
used through ``EVP_DigestSign``; that is what tongsuopy's ``sign`` does. The
tests cross-check against gmssl (an independent pure-Python implementation
that computes ``Z_A`` itself) in both directions, so a change in that
behaviour would be caught. gmssl is only used in tests: its nonce comes from
``random``, which is not cryptographically secure.

Signatures are exchanged as raw ``r || s`` (2 x 32 bytes, big-endian) rather
than the DER ``SM2Signature`` SEQUENCE: fixed width and 6-8 bytes shorter,
which matters inside a QR code.
"""

from __future__ import annotations

from typing import Any

from cecert.certificates.crypto.keys import public_key_id

__all__ = [
    "DEFAULT_USER_ID",
    "SM2_SIGNATURE_SIZE",
    "generate_sm2_key",
    "sm2_key_id",
    "sm2_public_key_from_hex",
    "sm2_public_key_from_pem",
    "sm2_public_key_to_hex",
    "sm2_public_key_to_pem",
    "sm2_sign",
    "sm2_verify",
]

# GM/T 0009-2012 default user id; fixed by Tongsuo's default, documented here
# so that other verifiers (e.g. a mobile app) know what to use for Z_A.
DEFAULT_USER_ID = b"1234567812345678"
SM2_SIGNATURE_SIZE = 64
_COORD = 32

# tongsuopy key objects have no stable public base class worth importing at
# module import time (loading the Tongsuo bindings costs a few ms).
Sm2PrivateKey = Any
Sm2PublicKey = Any


def _ec() -> Any:
    from tongsuopy.crypto.asymciphers import ec

    return ec


def _sig_alg() -> Any:
    from tongsuopy.crypto import hashes

    return _ec().ECDSA(hashes.SM3())


def generate_sm2_key() -> Sm2PrivateKey:
    """A fresh SM2 private key (from Tongsuo's CSPRNG)."""
    ec = _ec()
    return ec.generate_private_key(ec.SM2())


def _der_to_raw(der: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(_COORD, "big") + s.to_bytes(_COORD, "big")


def _raw_to_der(raw: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    return encode_dss_signature(int.from_bytes(raw[:_COORD], "big"), int.from_bytes(raw[_COORD:], "big"))


def sm2_sign(private_key: Sm2PrivateKey, data: bytes) -> bytes:
    """Sign ``data`` (SM3 over Z_A || data); returns raw 64-byte ``r || s``."""
    return _der_to_raw(bytes(private_key.sign(data, _sig_alg())))


def sm2_verify(public_key: Sm2PublicKey, data: bytes, sig: bytes) -> bool:
    """Verify a raw 64-byte ``r || s`` signature; never raises on bad input."""
    if len(sig) != SM2_SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(_raw_to_der(sig), data, _sig_alg())
    except Exception:
        # InvalidSignature, but also Tongsuo's InternalError for out-of-range
        # r/s: input from a scanned QR code is untrusted, any failure is "no".
        return False
    return True


def sm2_public_key_to_hex(public_key: Sm2PublicKey) -> str:
    """Uncompressed point ``04 || x || y`` as 130 hex chars (what gmssl and most SM2 tools take)."""
    from tongsuopy.crypto import serialization

    return bytes(
        public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    ).hex()


def sm2_public_key_from_hex(text: str) -> Sm2PublicKey:
    """Inverse of :func:`sm2_public_key_to_hex`; also accepts 128 hex chars without ``04``."""
    raw = bytes.fromhex(text)
    if len(raw) == 2 * _COORD:
        raw = b"\x04" + raw
    ec = _ec()
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), raw)


def sm2_public_key_to_pem(public_key: Sm2PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301)."""
    from tongsuopy.crypto import serialization

    return bytes(public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def sm2_public_key_from_pem(pem: bytes) -> Sm2PublicKey:
    from tongsuopy.crypto import serialization

    return serialization.load_pem_public_key(pem)


def sm2_key_id(public_key: Sm2PublicKey) -> str:
    """Short stable id (same scheme as :func:`keys.key_id`: SHA-256 of the SPKI DER, 16 hex)."""
    from tongsuopy.crypto import serialization

    spki = bytes(public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    return public_key_id(spki)
