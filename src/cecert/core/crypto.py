"""Field encryption for personal data at rest (AES-256-GCM)."""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

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
