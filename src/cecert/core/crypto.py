"""Field encryption for personal data at rest (AES-256-GCM)."""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


@cache
def _aead(secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(("cecert-field-encryption:" + secret).encode()).digest())


def encrypt_text(plain: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(settings.CECERT_ID_ENCRYPTION_KEY).encrypt(nonce, plain.encode(), b"cecert")
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_text(token: str) -> str:
    version, _, body = token.partition(":")
    if version != "v1":
        raise ValueError("unknown ciphertext version")
    raw = base64.urlsafe_b64decode(body)
    return _aead(settings.CECERT_ID_ENCRYPTION_KEY).decrypt(raw[:12], raw[12:], b"cecert").decode()


# An end-entity key that signs documents (seals, audit checkpoints) and nothing else.
SIGNATURE_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,  # a.k.a. non-repudiation
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def public_key_id(spki_der: bytes) -> str:
    """Short stable id of a public key: first 16 hex chars of SHA-256 over its SPKI DER."""
    return hashlib.sha256(spki_der).hexdigest()[:16]


def key_id(cert: x509.Certificate) -> str:
    """Short stable id of the certificate's public key (survives re-issuing the certificate)."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return public_key_id(spki)
