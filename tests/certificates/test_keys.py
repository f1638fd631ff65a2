from __future__ import annotations

import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from cecert.certificates.crypto import keys, sm2


def test_root_is_a_ca_that_may_only_sign_end_entities(root):
    _, cert = root
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign and not ku.digital_signature
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"


def test_department_certificate_chains_to_root(root, zhengzhou):
    _, root_cert = root
    cert = zhengzhou.cert
    cert.verify_directly_issued_by(root_cert)
    assert cert.issuer == root_cert.subject
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert bc.ca is False
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment  # non-repudiation
    assert not ku.key_cert_sign
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == root_ski.digest
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
    names = {a.oid: a.value for a in cert.subject}
    assert names[x509.NameOID.COMMON_NAME] == "郑州市人力资源和社会保障局"
    assert names[x509.NameOID.SERIAL_NUMBER] == "410100"
    assert cert.not_valid_after_utc <= root_cert.not_valid_after_utc


def test_key_id_is_short_stable_and_distinct(zhengzhou, luoyang):
    kid = keys.key_id(zhengzhou.cert)
    assert re.fullmatch(r"[0-9a-f]{16}", kid)
    assert kid == keys.key_id(zhengzhou.cert)
    assert kid != keys.key_id(luoyang.cert)


def test_encrypted_p256_key_round_trip(zhengzhou):
    pem = keys.encrypt_private_key(zhengzhou.key, b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = keys.load_private_key(pem, b"correct horse")
    data = b"certificate"
    sig = loaded.sign(data, ec.ECDSA(hashes.SHA256()))
    zhengzhou.cert.public_key().verify(sig, data, ec.ECDSA(hashes.SHA256()))


def test_wrong_passphrase_fails(zhengzhou):
    pem = keys.encrypt_private_key(zhengzhou.key, b"correct horse")
    with pytest.raises(keys.KeyDecryptionError):
        keys.load_private_key(pem, b"battery staple")


def test_empty_passphrase_refused(zhengzhou):
    with pytest.raises(ValueError, match="passphrase"):
        keys.encrypt_private_key(zhengzhou.key, b"")


def test_encrypted_sm2_key_round_trip_and_wrong_passphrase():
    key = sm2.generate_sm2_key()
    pem = keys.encrypt_private_key(key, b"s3cret")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    loaded = keys.load_private_key(pem, b"s3cret")
    sig = sm2.sm2_sign(loaded, b"payload")
    assert sm2.sm2_verify(key.public_key(), b"payload", sig)
    with pytest.raises(keys.KeyDecryptionError):
        keys.load_private_key(pem, b"wrong")
