"""Issuing departments, their keys, and the signing material built from them.

Private keys are stored encrypted with ``settings.CECERT_KEY_PASSPHRASE``
(PKCS#8, see :func:`cecert.certificates.crypto.keys.encrypt_private_key`) and
decrypted once per process per key. Development and the demo create keys
lazily; production imports them (``cecert keys import``) and sets
``CECERT_AUTO_CREATE_KEYS=0`` (see docs/decisions/0010-certificate-signing.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cecert.audit.domain import record
from cecert.certificates.crypto import keys as crypto_keys
from cecert.certificates.crypto import sm2
from cecert.certificates.domain.departments import is_issuing_department
from cecert.certificates.models import KeyStatus, PlatformRoot, SigningKey
from cecert.certificates.pdf import DepartmentSigningMaterial
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation, OrganisationKind, OrganisationState
from cecert.regions.models import ISSUING_LEVELS, Region, RegionLevel

ROOT_NAME = "河南省专业技术人员继续教育证书根CA"

ERR_NOT_ISSUING = "只有省、省辖市和省直管县（市）人力资源社会保障部门发放证书"
ERR_NO_KEY = "发证部门尚未配置签章密钥"


def _passphrase() -> bytes:
    return str(settings.CECERT_KEY_PASSPHRASE).encode()


def auto_create_keys() -> bool:
    return bool(getattr(settings, "CECERT_AUTO_CREATE_KEYS", not getattr(settings, "PRODUCTION", False)))


def department_name_for(region: Region) -> str:
    suffix = "人力资源和社会保障厅" if region.level == RegionLevel.PROVINCE else "人力资源和社会保障局"
    return region.name + suffix


def issuing_department_for_region(region: Region, *, create: bool = False) -> Organisation:
    """The HR department of an issuing region (province, city, province-administered county)."""
    if region.level not in ISSUING_LEVELS:
        raise DomainError("region", ERR_NOT_ISSUING, "only provincial, city and direct-county HR departments issue")
    org = Organisation.objects.filter(kind=OrganisationKind.HR_DEPARTMENT, region=region).first()
    if org is None:
        if not create:
            raise DomainError("issuer", f"{region.name}人社部门未登记", f"no HR department for {region.code}")
        org, _ = Organisation.objects.get_or_create(
            kind=OrganisationKind.HR_DEPARTMENT,
            region=region,
            defaults={"name": department_name_for(region), "state": OrganisationState.APPROVED},
        )
    return org


# ---------------------------------------------------------------- root and keys


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def active_root(*, create: bool = False) -> PlatformRoot:
    root = PlatformRoot.objects.filter(active=True).first()
    if root is not None:
        return root
    if not create:
        raise DomainError("root", "平台根证书未配置", "no platform root certificate")
    key, cert = crypto_keys.create_root_ca(ROOT_NAME)
    try:
        with transaction.atomic():
            root = PlatformRoot.objects.create(
                name=ROOT_NAME,
                certificate_pem=_cert_pem(cert),
                private_key_encrypted=crypto_keys.encrypt_private_key(key, _passphrase()).decode(),
                key_id=crypto_keys.key_id(cert),
            )
    except IntegrityError:  # created concurrently
        return PlatformRoot.objects.get(active=True)
    record("certificates.root_created", obj=root, after={"key_id": root.key_id})
    return root


def create_department_key(department: Organisation, *, by: Any = None) -> SigningKey:
    """Create a fresh key pair and certificate for ``department`` and make it current.

    A current key, if any, is retired (stays published and verifiable).
    """
    if not is_issuing_department(department):
        raise DomainError("department", ERR_NOT_ISSUING, "not an issuing department")
    root = active_root(create=True)
    if not root.private_key_encrypted:
        raise DomainError("root", "根私钥不在本系统中，请导入部门密钥", "root key is offline: import keys")
    root_key = crypto_keys.load_private_key(root.private_key_encrypted.encode(), _passphrase())
    root_cert = x509.load_pem_x509_certificate(root.certificate_pem.encode())
    key, cert = crypto_keys.create_department_certificate(root_key, root_cert, department.name, department.region.code)
    sm2_key = sm2.generate_sm2_key()
    return _store_key(department, root, key, cert, sm2_key, by=by)


def import_department_key(
    department: Organisation, *, key_pem: bytes, cert_pem: bytes, key_password: bytes | None, by: Any = None
) -> SigningKey:
    """Import a P-256 key and its certificate (issued under the platform root); a fresh SM2 key."""
    if not is_issuing_department(department):
        raise DomainError("department", ERR_NOT_ISSUING, "not an issuing department")
    key = serialization.load_pem_private_key(key_pem, password=key_password)
    cert = x509.load_pem_x509_certificate(cert_pem)
    if crypto_keys.key_id(cert) != crypto_keys.public_key_id(
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ):
        raise DomainError("key", "私钥与证书不匹配", "the private key does not match the certificate")
    root = active_root()
    root_cert = x509.load_pem_x509_certificate(root.certificate_pem.encode())
    try:
        cert.verify_directly_issued_by(root_cert)
    except Exception as exc:
        raise DomainError(
            "certificate", "证书不是由平台根证书签发", "certificate not issued by the platform root"
        ) from exc
    return _store_key(department, root, key, cert, sm2.generate_sm2_key(), by=by)


def _store_key(
    department: Organisation, root: PlatformRoot, key: Any, cert: x509.Certificate, sm2_key: Any, *, by: Any
) -> SigningKey:
    with transaction.atomic():
        old = list(SigningKey.objects.select_for_update().filter(department=department, status=KeyStatus.CURRENT))
        for k in old:
            k.status, k.retired_at = KeyStatus.RETIRED, timezone.now()
            SigningKey.objects.filter(pk=k.pk).update(status=k.status, retired_at=k.retired_at)
        signing_key = SigningKey.objects.create(
            department=department,
            root=root,
            key_id=crypto_keys.key_id(cert),
            certificate_pem=_cert_pem(cert),
            private_key_encrypted=crypto_keys.encrypt_private_key(key, _passphrase()).decode(),
            sm2_key_id=sm2.sm2_key_id(sm2_key.public_key()),
            sm2_public_hex=sm2.sm2_public_key_to_hex(sm2_key.public_key()),
            sm2_private_key_encrypted=crypto_keys.encrypt_private_key(sm2_key, _passphrase()).decode(),
        )
        record(
            "certificates.key_created" if not old else "certificates.key_rotated",
            actor=by,
            obj=signing_key,
            before={"retired": [k.key_id for k in old]} if old else None,
            after={"department": department.pk, "key_id": signing_key.key_id, "sm2_key_id": signing_key.sm2_key_id},
        )
    return signing_key


def current_key(department: Organisation, *, create: bool | None = None) -> SigningKey:
    """The department's current key; created on first use in development (lazily, per department)."""
    key = SigningKey.objects.filter(department=department, status=KeyStatus.CURRENT).first()
    if key is not None:
        return key
    if not (auto_create_keys() if create is None else create):
        raise DomainError("signing_key", f"{department.name}{ERR_NO_KEY}", f"{department} has no signing key")
    try:
        with transaction.atomic():
            return create_department_key(department)
    except IntegrityError:  # another process created it first
        return SigningKey.objects.get(department=department, status=KeyStatus.CURRENT)


def rotate_key(department: Organisation, *, by: Any = None) -> SigningKey:
    return create_department_key(department, by=by)


# ---------------------------------------------------------------- material (process cache)

_lock = threading.Lock()
_material: dict[tuple[int, str], DepartmentSigningMaterial] = {}


def signing_material(signing_key: SigningKey) -> DepartmentSigningMaterial:
    """Decrypted keys for rendering; built once per process per key."""
    cache_key = (signing_key.pk, signing_key.key_id)
    material = _material.get(cache_key)
    if material is not None:
        return material
    with _lock:
        department = signing_key.department
        root_cert = x509.load_pem_x509_certificate(signing_key.root.certificate_pem.encode())
        material = DepartmentSigningMaterial(
            department_name=department.name,
            key=crypto_keys.load_private_key(signing_key.private_key_encrypted.encode(), _passphrase()),
            cert=x509.load_pem_x509_certificate(signing_key.certificate_pem.encode()),
            chain=(root_cert,),
            sm2_key=crypto_keys.load_private_key(signing_key.sm2_private_key_encrypted.encode(), _passphrase()),
            sm2_key_id=signing_key.sm2_key_id,
            verify_base_url=settings.CECERT_PUBLIC_URL,
            location=department.region.name,
            timestamp_url=settings.CECERT_TIMESTAMP_URL or None,
        )
        _material[cache_key] = material
    return material


@dataclass(frozen=True)
class PublishedKey:
    key: SigningKey

    def as_dict(self) -> dict[str, Any]:
        k = self.key
        return {
            "department": k.department.name,
            "region_code": k.department.region.code,
            "key_id": k.key_id,
            "algorithm": "ECDSA P-256 (PAdES)",
            "certificate_pem": k.certificate_pem,
            "sm2_key_id": k.sm2_key_id,
            "sm2_public_key": k.sm2_public_hex,
            "sm2_user_id": sm2.DEFAULT_USER_ID.decode(),
            "status": k.status,
            "valid_from": k.created_at.isoformat(),
            "retired_at": k.retired_at.isoformat() if k.retired_at else None,
        }


def published_keys() -> dict[str, Any]:
    """The public list of issuer keys (current and retired) and the platform roots."""
    keys = SigningKey.objects.select_related("department", "department__region").order_by(
        "department__region__code", "-created_at"
    )
    return {
        "roots": [
            {"name": r.name, "key_id": r.key_id, "certificate_pem": r.certificate_pem, "active": r.active}
            for r in PlatformRoot.objects.order_by("pk")
        ],
        "issuers": [PublishedKey(k).as_dict() for k in keys],
        "qr_format": "CEC1.<base64url(body)>.<base64url(SM2/SM3 r||s over 'CEC1.'+body)>",
    }


def trust_roots() -> list[x509.Certificate]:
    return [_load_cert(r.certificate_pem) for r in PlatformRoot.objects.order_by("pk")]


@cache
def _load_cert(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def recorded_certificate(signing_key: SigningKey) -> x509.Certificate:
    """The X.509 certificate of a department key as recorded (what its seals must be signed under)."""
    return _load_cert(signing_key.certificate_pem)


def sm2_public_key(signing_key: SigningKey) -> Any:
    return _sm2_public(signing_key.sm2_public_hex)


def sm2_public_keys() -> dict[str, Any]:
    return {k: _sm2_public(hexkey) for k, hexkey in SigningKey.objects.values_list("sm2_key_id", "sm2_public_hex")}


@cache
def _sm2_public(hexkey: str) -> Any:
    return sm2.sm2_public_key_from_hex(hexkey)


def issuing_regions() -> list[Region]:
    return list(Region.objects.filter(level__in=ISSUING_LEVELS).order_by("code"))
