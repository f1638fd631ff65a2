"""Portable certificates: Open Badges 3.0 ``AchievementCredential`` secured as VC-JOSE (ADR 0024).

A certificate (annual or completion proof) is exported, for its holder or its issuing department, as a
W3C Verifiable Credential 2.0 whose JWS payload is the credential itself (``typ: vc+jwt``), signed
ES256 with the issuing department's current P-256 key. Everything a verifier needs is published:

* the issuer profile at ``issuer_id(region_code)`` (``/verify/issuers/<code>``), whose
  ``verificationMethod`` lists the department's keys as JWKs, and the JWKS of every department
  (``/verify/jwks.json``, beside ``keys.json``); a ``kid`` is ``<issuer id>#<key id>``;
* per department, W3C Bitstring Status Lists of revocation (``/verify/issuers/<code>/status/<n>``),
  signed the same way at the moment they are fetched, so a revocation or replacement shows at once.

The credential states what the certificate's snapshot states (never the live records): the holder's
name, the ID number only as a salted SHA-256 (``IdentityObject``, salt disclosed), hours by subject,
the requirement, whether it was met, the regulation and the policy that judged the year. No mobile
number, no employer (PIPL: what a verifier elsewhere needs, nothing more). Signing goes through
joserfc, validation against 1EdTech's schema through jsonschema; nothing here writes a signature
format by hand.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import hashlib
import json
import secrets
import uuid
from importlib import resources
from typing import Any

import jsonschema
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import ECKey

from cecert.accounts.models import User
from cecert.audit.domain import record
from cecert.certificates.domain.signing_keys import current_key, recorded_certificate, signing_material
from cecert.certificates.models import (
    STATUS_LIST_BITS,
    Certificate,
    CertificateKind,
    CertificateStatus,
    CredentialStatusEntry,
    SigningKey,
)
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
SCHEMA_FILE = "ob_v3p0_achievementcredential_schema.json"
MEDIA_TYPE = "application/vc+jwt"
JOSE_TYPE = "vc+jwt"  # VC-JOSE-COSE: typ SHOULD be vc+jwt, cty (when present) vc
ALGORITHM = "ES256"
REGULATION = "豫人社[2017]121号《河南省专业技术人员继续教育证书管理办法》"
ARTICLE_REQUIREMENT = "第五条"
UNIT_LABELS = {"hour": "学时", "credit": "学分"}

ERR_NOT_HOLDER = "只有持证人本人和发证部门可以下载电子凭证"


# ---------------------------------------------------------------- identifiers


def _absolute(path: str) -> str:
    return str(settings.CECERT_PUBLIC_URL).rstrip("/") + path


def issuer_id(region_code: str) -> str:
    """The issuing department's identifier: a URL of ours that answers with its profile and keys."""
    return _absolute(reverse("verify:issuer", args=[region_code]))


def key_reference(region_code: str, key_id: str) -> str:
    """A key's ``kid``: its verification method in the issuer profile (``<issuer id>#<key id>``)."""
    return f"{issuer_id(region_code)}#{key_id}"


def status_list_url(region_code: str, list_number: int) -> str:
    return _absolute(reverse("verify:status_list", args=[region_code, list_number]))


def credential_id(certificate: Certificate) -> str:
    return f"urn:uuid:{certificate.verification_id}"


# ---------------------------------------------------------------- keys as JWKs


def public_jwk(signing_key: SigningKey) -> dict[str, Any]:
    """The department key's public half as a JWK, with its X.509 chain to the platform root (``x5c``)."""
    cert = recorded_certificate(signing_key)
    jwk = ECKey.import_key(cert.public_key()).as_dict(private=False)  # type: ignore[arg-type]
    chain = [cert.public_bytes(serialization.Encoding.DER), _root_der(signing_key.root.certificate_pem)]
    region_code = signing_key.department.region.code
    return {
        **jwk,
        "kid": key_reference(region_code, signing_key.key_id),
        "use": "sig",
        "alg": ALGORITHM,
        "x5c": [base64.b64encode(der).decode() for der in chain],
    }


@functools.cache
def _root_der(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)


def _keys() -> Any:
    return SigningKey.objects.select_related("department", "department__region", "root")


def jwks() -> dict[str, Any]:
    """Every department key, current and retired (old credentials stay verifiable)."""
    return {"keys": [public_jwk(k) for k in _keys().order_by("department__region__code", "-created_at")]}


def issuer_profile(department: Organisation) -> dict[str, Any]:
    """The Open Badges ``Profile`` an issuer id resolves to, with the department's keys as verification
    methods (the W3C controlled-identifier shape VC-JOSE-COSE verifiers look a ``kid`` up in)."""
    code = department.region.code
    keys = list(_keys().filter(department=department).order_by("-created_at"))
    methods = [
        {
            "id": key_reference(code, k.key_id),
            "type": "JsonWebKey",
            "controller": issuer_id(code),
            "publicKeyJwk": public_jwk(k),
        }
        for k in keys
    ]
    return {
        **_issuer(code, department.name),
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def _issuer(region_code: str, name: str) -> dict[str, Any]:
    return {
        "id": issuer_id(region_code),
        "type": ["Profile"],
        "name": name,
        "otherIdentifier": [
            {"type": "IdentifierEntry", "identifier": region_code, "identifierType": "ext:GBT2260RegionCode"}
        ],
        "address": {"type": ["Address"], "addressCountryCode": "CN", "addressRegion": "河南省"},
    }


# ---------------------------------------------------------------- status list entries


def status_entry(certificate: Certificate) -> CredentialStatusEntry:
    """The certificate's place in its department's status lists, allocated on first export.

    The department's row is locked while the next sequence is read, so concurrent exports take
    consecutive places; the unique constraints are the backstop (SQLite cannot lock a row): a
    collision retries, and a concurrent export of the same certificate returns its entry.
    """
    for _attempt in range(5):
        existing = CredentialStatusEntry.objects.filter(certificate=certificate).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                list(Organisation.objects.select_for_update().filter(pk=certificate.issuer_id).values_list("pk"))
                last = CredentialStatusEntry.objects.filter(department_id=certificate.issuer_id).aggregate(
                    m=Max("sequence")
                )["m"]
                return CredentialStatusEntry.objects.create(
                    certificate=certificate,
                    department_id=certificate.issuer_id,
                    sequence=0 if last is None else last + 1,
                )
        except IntegrityError:
            continue
    raise DomainError("status_list", "凭证状态列表位置分配失败，请重试", "could not allocate a status list place")


def _status(certificate: Certificate, entry: CredentialStatusEntry) -> dict[str, Any]:
    url = status_list_url(certificate.snapshot["issuer"]["region_code"], entry.list_number)
    return {
        "id": f"{url}#{entry.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(entry.index),
        "statusListCredential": url,
    }


def encoded_bitstring(set_bits: list[int]) -> str:
    """A Bitstring Status List ``encodedList``: index 0 the left-most bit, GZIP, multibase base64url."""
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def status_list_credential(department: Organisation, list_number: int) -> str | None:
    """The department's revocation list ``list_number``, signed now (None when it has no entries).

    The bits are read from the certificates' status at this moment: a revoked or replaced
    certificate is set as soon as the change commits; nothing is stored twice.
    """
    low, high = list_number * STATUS_LIST_BITS, (list_number + 1) * STATUS_LIST_BITS
    entries = CredentialStatusEntry.objects.filter(department=department, sequence__gte=low, sequence__lt=high)
    if not entries.exists():
        return None
    revoked = entries.filter(certificate__status=CertificateStatus.REVOKED).values_list("sequence", flat=True)
    code = department.region.code
    url = status_list_url(code, list_number)
    now = _instant(timezone.now())
    credential = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(code),
        "validFrom": now,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_bitstring([s - low for s in revoked]),
        },
    }
    return sign(credential, current_key(department))


# ---------------------------------------------------------------- the credential


def _instant(moment: dt.datetime) -> str:
    """An XML Schema dateTime in UTC, to the second (``2025-01-02T03:04:05Z``)."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def identity_hash(value: str, salt: str) -> str:
    """Open Badges ``IdentityHash``: ``sha256$`` and the hex SHA-256 of the UTF-8 value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()


def _policies(certificate: Certificate) -> list[tuple[int, str, str]]:
    """(year, policy key, title) of the policies that judged the certificate's years, where the stored
    year row still states the requirement the certificate states (else the year is left out)."""
    from cecert.accounts.models import Person
    from cecert.policies.domain.registry import policy_title
    from cecert.records.domain.years import ensure_person_years
    from cecert.records.models import PersonYear

    holder = Person.objects.filter(pk=certificate.person_id)
    for year in range(certificate.year_from, certificate.year_to + 1):
        ensure_person_years(holder, year)  # the engine's year row, written if no page has needed it yet
    s = certificate.snapshot
    stated = (
        {certificate.year_from: s["required"]["total"]}
        if certificate.kind == CertificateKind.ANNUAL
        else {y["year"]: y["required"] for y in s.get("years", [])}
    )
    rows = PersonYear.objects.filter(
        person_id=certificate.person_id, year__gte=certificate.year_from, year__lte=certificate.year_to
    ).values_list("year", "policy_id", "required_total")
    return sorted(
        (year, key, policy_title(key)) for year, key, required in rows if stated.get(year) == str(required) and key
    )


def _achievement(certificate: Certificate, issuer: str) -> dict[str, Any]:
    s = certificate.snapshot
    annual = certificate.kind == CertificateKind.ANNUAL
    unit = UNIT_LABELS.get((s.get("required") or {}).get("unit", "hour"), "学时") if annual else "学时"
    kind_label = str(CertificateKind(certificate.kind).label)
    years = certificate.years_label
    required: dict[str, str] = s["required"] if annual else {}
    if annual:
        r = required
        requirement = (
            f"本年度应完成公需科目{r['public']}{unit}、专业科目{r['professional']}{unit}，合计{r['total']}{unit}"
        )
    else:
        requirement = "各年度要求：" + "；".join(
            f"{y['year']}年{y['required']}{UNIT_LABELS.get(y.get('unit', 'hour'), '学时')}" for y in s["years"]
        )
    policies = _policies(certificate)
    judged = "；".join(f"{year}年：{title}（{key}）" for year, key, title in policies) or "未记录"
    narrative = (
        f"依据{REGULATION}{ARTICLE_REQUIREMENT}，专业技术人员每年累计完成不少于规定学时的继续教育，"
        f"其中公需科目和专业科目分别计算。{requirement}。认定所依据的学时政策：{judged}。"
    )
    # From the snapshot only: the same achievement keeps its id whatever the year rows say later.
    digest = hashlib.sha256(f"{certificate.kind}|{years}|{requirement}".encode()).hexdigest()
    achievement_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{issuer}/achievements/{digest}')}"
    descriptions = [
        ("public", f"公需科目{unit}", required.get("public")),
        ("professional", f"专业科目{unit}", required.get("professional")),
        ("total", f"合计{unit}", required.get("total")),
    ]
    result_descriptions: list[dict[str, Any]] = [
        {
            "id": f"{achievement_id}:{key}",
            "type": ["ResultDescription"],
            "name": name,
            "resultType": "ext:ContinuingEducationHours",
            **({"requiredValue": needed} if needed is not None else {}),
        }
        for key, name, needed in descriptions
    ]
    result_descriptions.append(
        {
            "id": f"{achievement_id}:met",
            "type": ["ResultDescription"],
            "name": "是否达到学时要求",
            "resultType": "Status",
            "allowedValue": ["未达到要求", "已达到要求"],
            "requiredValue": "已达到要求",
        }
    )
    return {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate" if annual else "CertificateOfCompletion",
        "name": f"{kind_label}（{years}）",
        "description": f"河南省专业技术人员{kind_label}，{years}年度继续教育学时及达标情况。",
        "criteria": {"narrative": narrative},
        "inLanguage": "zh-Hans-CN",
        "resultDescription": result_descriptions,
        "tag": [REGULATION, f"{ARTICLE_REQUIREMENT}"] + [key for _year, key, _title in policies],
    }


def _results(certificate: Certificate, achievement_id: str) -> list[dict[str, Any]]:
    s = certificate.snapshot
    results: list[dict[str, Any]] = [
        {"type": ["Result"], "resultDescription": f"{achievement_id}:{key}", "value": s["hours"][key]}
        for key in ("public", "professional", "total")
    ]
    results.append(
        {
            "type": ["Result"],
            "resultDescription": f"{achievement_id}:met",
            "value": "已达到要求" if s["met"] else "未达到要求",
        }
    )
    for y in s.get("years", []):  # a completion proof: each year's hours and verdict
        results.append(
            {
                "type": ["Result"],
                "resultDescription": f"{achievement_id}:total",
                "achievedLevel": f"{y['year']}年",
                "value": y["total"],
            }
        )
    return results


def build_credential(
    certificate: Certificate, entry: CredentialStatusEntry, *, id_number: str, salt: str
) -> dict[str, Any]:
    """The unsigned ``AchievementCredential`` of ``certificate``: its snapshot's facts only."""
    s = certificate.snapshot
    issuer = _issuer(s["issuer"]["region_code"], s["issuer"]["name"])
    achievement = _achievement(certificate, issuer["id"])
    start = dt.datetime(certificate.year_from, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    end = dt.datetime(certificate.year_to, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    kind_label = str(CertificateKind(certificate.kind).label)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": f"{kind_label}（{certificate.years_label}）",
        "description": f"证书序列号 {certificate.serial}，第{certificate.version}版。",
        "issuer": issuer,
        "validFrom": _instant(certificate.issued_at),
        "awardedDate": _instant(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": s["holder_name"]},
                {
                    "type": "IdentityObject",
                    "identityType": "nationalIdentityNumber",
                    "hashed": True,
                    "identityHash": identity_hash(id_number, salt),
                    "salt": salt,
                },
            ],
            "activityStartDate": start.isoformat(),
            "activityEndDate": end.isoformat(),
            "achievement": achievement,
            "result": _results(certificate, achievement["id"]),
        },
        "credentialSchema": [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": _status(certificate, entry),
    }


@functools.cache
def achievement_credential_schema() -> dict[str, Any]:
    """1EdTech's Open Badges 3.0 AchievementCredential JSON Schema (``data/``, see its README)."""
    text = resources.files("cecert.certificates").joinpath("data", SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = achievement_credential_schema()
    cls = jsonschema.validators.validator_for(schema)  # draft 2019-09, as the schema declares
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(credential: Any) -> list[str]:
    """Where ``credential`` departs from the Open Badges 3.0 schema (``path: message``), first ones first."""
    errors = sorted(_validator().iter_errors(credential), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"[:200] for e in errors[:5]]


def sign(credential: dict[str, Any], signing_key: SigningKey) -> str:
    """The credential as a compact JWS (VC-JOSE-COSE): the payload is the credential, with the JWT claims
    Open Badges 3.0 asks for beside it (``iss``, ``jti``, ``nbf``, and ``exp`` with a ``validUntil``)
    and ``iat``, the signing time."""
    issuer = credential["issuer"] if isinstance(credential["issuer"], str) else credential["issuer"]["id"]
    claims: dict[str, Any] = {
        "iss": issuer,
        "jti": credential["id"],
        "nbf": int(dt.datetime.fromisoformat(credential["validFrom"]).timestamp()),
        "iat": int(timezone.now().timestamp()),
    }
    if "validUntil" in credential:
        claims["exp"] = int(dt.datetime.fromisoformat(credential["validUntil"]).timestamp())
    payload = json.dumps({**credential, **claims}, ensure_ascii=False, separators=(",", ":")).encode()
    header = {
        "alg": ALGORITHM,
        "kid": key_reference(signing_key.department.region.code, signing_key.key_id),
        "typ": JOSE_TYPE,
        "cty": "vc",
    }
    key = ECKey.import_key(signing_material(signing_key).key)
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


# ---------------------------------------------------------------- export


def may_export(user: User, certificate: Certificate) -> bool:
    """Only the holder and the issuing department's officers (narrower than who may *see* it)."""
    from cecert.certificates.domain.issuance import issuing_departments_of

    if not getattr(user, "is_authenticated", False):
        return False
    if certificate.person.user_id == user.pk:
        return True
    return any(o.pk == certificate.issuer_id for o in issuing_departments_of(user))


def export_credential(certificate: Certificate, *, by: User | None) -> str:
    """The certificate as a signed credential (compact JWS). ``by`` None: the platform (CLI)."""
    if by is not None and not may_export(by, certificate):
        raise DomainError("certificate", ERR_NOT_HOLDER, "only the holder and the issuing department may export")
    entry = status_entry(certificate)
    credential = build_credential(
        certificate, entry, id_number=certificate.person.id_number, salt=secrets.token_hex(16)
    )
    problems = schema_errors(credential)
    if problems:  # our own output must meet the standard; never hand out one that does not
        raise DomainError("credential", "电子凭证不符合开放徽章3.0规范", "; ".join(problems))
    signing_key = current_key(certificate.issuer)
    token = sign(credential, signing_key)
    record(
        "certificates.credential_exported",
        actor=by,
        obj=certificate,
        after={
            "serial": certificate.serial,
            "key_id": signing_key.key_id,
            "status_list": entry.list_number,
            "status_index": entry.index,
        },
    )
    return token


def credential_filename(certificate: Certificate) -> str:
    return f"{certificate.serial}.jwt"
