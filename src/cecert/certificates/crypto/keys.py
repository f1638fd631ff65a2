"""ECDSA P-256 keys and X.509 certificates for issuing departments.

The platform has one root CA; every issuing HR department (province, city,
province-administered county) gets its own signing key and certificate chained
to that root, so a verifier can tell *which* department sealed a certificate
and the platform never signs for one department with another's key (spec,
"Certificates"; regulation Article 13).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cecert.core.crypto import SIGNATURE_KEY_USAGE, key_id, public_key_id

__all__ = [
    "KeyDecryptionError",
    "create_department_certificate",
    "create_root_ca",
    "encrypt_private_key",
    "key_id",
    "load_private_key",
    "public_key_id",
]

# Tolerate small clock differences between the issuing host and verifiers.
_BACKDATE = dt.timedelta(minutes=5)


class KeyDecryptionError(ValueError):
    """The encrypted private key could not be decrypted (wrong passphrase or corrupt)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _years_later(start: dt.datetime, years: int) -> dt.datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def create_root_ca(common_name: str, *, valid_years: int = 20) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Create the platform root: a self-signed P-256 CA allowed to certify only end entities."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(_years_later(now, valid_years))
        # path_length=0: the root signs department certificates directly and
        # nothing below it may act as a CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def create_department_certificate(
    root_key: ec.EllipticCurvePrivateKey,
    root_cert: x509.Certificate,
    department_name: str,
    department_code: str,
    valid_years: int = 5,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Create a department's signing key and its end-entity certificate under the root.

    KeyUsage carries non-repudiation (content commitment) besides digital
    signature: pyHanko's default key-usage constraints for PDF signatures
    expect it, and it is what a legally effective seal means.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, department_name),
            # The administrative-division code identifies the department
            # unambiguously even if its name changes.
            x509.NameAttribute(NameOID.SERIAL_NUMBER, department_code),
            x509.NameAttribute(NameOID.COMMON_NAME, department_name),
        ]
    )
    now = _now()
    root_ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    not_after = min(_years_later(now, valid_years), root_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            SIGNATURE_KEY_USAGE,
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def encrypt_private_key(key: Any, passphrase: bytes) -> bytes:
    """Serialise a private key as passphrase-encrypted PKCS#8 PEM for storage at rest.

    Works for the P-256 keys above and for tongsuopy SM2 keys (which
    ``cryptography`` cannot handle), since both expose ``private_bytes``.
    """
    if not passphrase:
        raise ValueError("a non-empty passphrase is required to store a private key")
    if _is_tongsuo_key(key):
        from tongsuopy.crypto import serialization as ts_serialization

        return key.private_bytes(
            ts_serialization.Encoding.PEM,
            ts_serialization.PrivateFormat.PKCS8,
            ts_serialization.BestAvailableEncryption(passphrase),
        )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def load_private_key(pem: bytes, passphrase: bytes) -> Any:
    """Decrypt a key written by :func:`encrypt_private_key`.

    Returns a ``cryptography`` key for P-256, a tongsuopy key for SM2.
    Raises :class:`KeyDecryptionError` on a wrong passphrase.
    """
    # ValueError (wrong passphrase) or UnsupportedAlgorithm (SM2 OIDs): fall through.
    with contextlib.suppress(Exception):
        return serialization.load_pem_private_key(pem, password=passphrase)
    # cryptography knows neither the SM2 curve nor SM4-encrypted PKCS#8 (what
    # Tongsuo's BestAvailableEncryption produces); try Tongsuo before giving up.
    try:
        from tongsuopy.crypto import serialization as ts_serialization

        return ts_serialization.load_pem_private_key(pem, password=passphrase)
    except Exception as exc:
        raise KeyDecryptionError("could not decrypt private key (wrong passphrase or corrupt data)") from exc


def _is_tongsuo_key(key: Any) -> bool:
    return type(key).__module__.startswith("tongsuopy.")
