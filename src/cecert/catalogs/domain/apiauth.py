"""API credentials of training bases, request signatures, replay protection and idempotency keys.

A request is signed with HMAC-SHA256 under the key's secret over::

    METHOD \\n PATH (with ?query if any) \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))

and sent with the headers ``X-Cecert-Key`` (key id), ``X-Cecert-Timestamp``
(Unix seconds), ``X-Cecert-Nonce`` (8–64 characters, never reused) and
``X-Cecert-Signature`` (hex). A timestamp more than ``WINDOW`` away from the
server's clock, a nonce already seen for the key, or a wrong signature is
refused. Every write also carries ``Idempotency-Key``: the same key with the
same body returns the stored response; the same key with another body is
refused (422).

Each base has a budget of signed requests a minute (``CECERT_BASE_API_RATE``,
bucket ``base_api``), shared by all of its keys. It is counted once the
signature checks out and before anything is written (the nonce included, so a
refused request can be sent again unchanged after ``Retry-After`` seconds):
over budget answers 429. The first refusal of each window is audited and logged
as a call; the others write nothing, so a runaway client cannot turn the limit
into a stream of writes.

Secrets are stored encrypted with ``cecert.core.crypto`` (HMAC verification
needs them back) and shown once, when issued. Rotation issues a new key and
lets the old ones work for an overlap period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cecert.accounts.models import Membership, Role, User
from cecert.audit.domain import record as audit
from cecert.catalogs.domain.bases import SERVICE_USER_PREFIX
from cecert.catalogs.models import ApiCall, ApiCredential, ApiNonce, IdempotentRequest
from cecert.core.crypto import decrypt_text, encrypt_text
from cecert.core.errors import DomainError
from cecert.core.ratelimit import Hit, hit
from cecert.organisations.models import Organisation, OrganisationKind

if TYPE_CHECKING:
    from django.http import HttpRequest

WINDOW = dt.timedelta(minutes=5)
DEFAULT_OVERLAP = dt.timedelta(days=7)
_NONCE = re.compile(r"^[A-Za-z0-9_\-.:]{8,64}$")

H_KEY, H_TIMESTAMP, H_NONCE, H_SIGNATURE = "X-Cecert-Key", "X-Cecert-Timestamp", "X-Cecert-Nonce", "X-Cecert-Signature"
H_IDEMPOTENCY = "Idempotency-Key"
RATE_BUCKET = "base_api"


class ApiAuthError(Exception):
    """A refused request: ``status`` (401, 429, 409, 422, 400), ``code`` and bilingual messages."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status, self.code, self.message_zh, self.message_en = status, code, message_zh, message_en

    def to_json(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "errors": [{"field": "", "message_zh": self.message_zh, "message_en": self.message_en}],
        }


class RateLimited(ApiAuthError):
    """The base has used up its request budget for this window: 429, retry after ``retry_after`` seconds."""

    def __init__(self, counted: Hit) -> None:
        super().__init__(
            429,
            "rate_limited",
            f"请求过于频繁：本基地每 {counted.window} 秒最多 {counted.limit} 次接口请求，"
            f"请 {counted.retry_after} 秒后重试",
            f"too many requests: the base's budget is {counted.limit} API requests per {counted.window} seconds;"
            f" retry in {counted.retry_after} seconds",
        )
        self.retry_after = counted.retry_after


# --- credentials ---------------------------------------------------------------------------------


def service_user(base: Organisation) -> User:
    """The base's API identity: acts as a base admin of that base only, cannot log in."""
    username = f"{SERVICE_USER_PREFIX}{base.pk}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=f"{base.name}（接口）")
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, role=Role.BASE_ADMIN, organisation=base)
    return user


def _require_admin(base: Organisation, by: User) -> None:
    if base.kind != OrganisationKind.TRAINING_BASE or not by.is_active or not by.has_perm("catalogs.manage_base", base):
        raise DomainError("base", "只有该基地的管理员可以管理接口密钥", "only the base's admins manage API keys")


def issue_credential(
    base: Organisation, *, by: User, overlap: dt.timedelta = DEFAULT_OVERLAP, request: HttpRequest | None = None
) -> tuple[ApiCredential, str]:
    """A new key for the base; older usable keys keep working for ``overlap`` (rotation). The secret is shown once."""
    _require_admin(base, by)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        older = ApiCredential.objects.select_for_update().filter(base=base, revoked_at__isnull=True)
        for credential in older:
            if credential.expires_at is None or credential.expires_at > now + overlap:
                credential.expires_at = now + overlap
                credential.save(update_fields=["expires_at"])
        credential = ApiCredential.objects.create(
            base=base,
            key_id="cbk_" + secrets.token_hex(12),
            secret_encrypted=encrypt_text(secret),
            service_user=service_user(base),
            created_by=by,
        )
        audit(
            "api_key.issued",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=credential,
            after={"key_id": credential.key_id, "base": base.pk, "older_expire": (now + overlap).isoformat()},
            request=request,
        )
    return credential, secret


def revoke_credential(credential: ApiCredential, *, by: User, request: HttpRequest | None = None) -> ApiCredential:
    _require_admin(credential.base, by)
    with transaction.atomic():
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
        audit(
            "api_key.revoked",
            actor=by,
            role=Role.BASE_ADMIN,
            obj=credential,
            after={"key_id": credential.key_id},
            request=request,
        )
    return credential


# --- signatures ----------------------------------------------------------------------------------


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The signature a client sends (reference implementation for bases)."""
    return hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()


def signed_headers(
    key_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, str]:
    """Headers for a signed request (used by tests, the bench and as documentation)."""
    ts = str(int(timestamp if timestamp is not None else timezone.now().timestamp()))
    nonce = nonce or secrets.token_hex(12)
    headers = {H_KEY: key_id, H_TIMESTAMP: ts, H_NONCE: nonce, H_SIGNATURE: sign(secret, method, path, ts, nonce, body)}
    if idempotency_key is not None:
        headers[H_IDEMPOTENCY] = idempotency_key
    return headers


def _path(request: HttpRequest) -> str:
    query = request.META.get("QUERY_STRING", "")
    return request.path + (f"?{query}" if query else "")


def verify_request(request: HttpRequest, *, now: dt.datetime | None = None) -> ApiCredential:
    """The credential that signed ``request``; else ``ApiAuthError`` (401; 429 over budget). Records the nonce."""
    now = now or timezone.now()
    key_id = request.headers.get(H_KEY, "")
    timestamp = request.headers.get(H_TIMESTAMP, "")
    nonce = request.headers.get(H_NONCE, "")
    signature = request.headers.get(H_SIGNATURE, "")
    if not (key_id and timestamp and nonce and signature):
        raise ApiAuthError(401, "unsigned", "请求未签名（缺少签名头）", "the request is not signed (missing headers)")
    credential = ApiCredential.objects.select_related("base", "service_user").filter(key_id=key_id).first()
    if credential is None or not credential.is_usable(now):
        raise ApiAuthError(401, "bad_key", "接口密钥无效、已过期或已撤销", "unknown, expired or revoked API key")
    try:
        moment = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ApiAuthError(401, "bad_timestamp", "时间戳无效", "invalid timestamp") from None
    if abs(now - moment) > WINDOW:
        _log(credential, request, 401)
        raise ApiAuthError(
            401, "expired", "请求时间戳超出允许范围（5 分钟）", "the timestamp is outside the 5-minute window"
        )
    if not _NONCE.match(nonce):
        raise ApiAuthError(401, "bad_nonce", "随机数格式无效", "invalid nonce")
    expected = sign(
        decrypt_text(credential.secret_encrypted),
        request.method or "GET",
        _path(request),
        timestamp,
        nonce,
        request.body,
    )
    if not hmac.compare_digest(expected, signature.lower()):
        _log(credential, request, 401)
        raise ApiAuthError(401, "bad_signature", "签名错误", "the signature does not match")
    _check_budget(credential, request)
    try:
        with transaction.atomic():
            ApiNonce.objects.create(key_id=key_id, nonce=nonce, seen_at=now)
    except IntegrityError:
        _log(credential, request, 401)
        raise ApiAuthError(
            401, "replayed", "重复的请求（随机数已使用）", "replayed request (nonce already used)"
        ) from None
    ApiNonce.objects.filter(key_id=key_id, seen_at__lt=now - 2 * WINDOW).delete()
    ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential


def _check_budget(credential: ApiCredential, request: HttpRequest) -> None:
    """Count a signed request against its base's budget; ``RateLimited`` when over it."""
    counted = hit(RATE_BUCKET, f"base:{credential.base_id}")
    if not counted.exceeded:
        return
    if counted.first_refusal:
        with transaction.atomic():
            _log(credential, request, 429)
            audit(
                "api.rate_limited",
                actor=credential.service_user,
                role=Role.BASE_ADMIN,
                obj=credential.base,
                after={
                    "key_id": credential.key_id,
                    "method": request.method or "",
                    "path": request.path[:200],
                    "limit": counted.limit,
                    "window": counted.window,
                    "retry_after": counted.retry_after,
                },
                reason="接口请求超出限额 / API request budget exceeded",
                request=request,
            )
    raise RateLimited(counted)


def _log(credential: ApiCredential | None, request: HttpRequest, status: int) -> None:
    ApiCall.objects.create(
        base=credential.base if credential else None,
        key_id=credential.key_id if credential else "",
        method=request.method or "",
        path=request.path[:200],
        status=status,
    )


# --- idempotency ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]


def idempotent(request: HttpRequest, credential: ApiCredential, handler: Callable[[], Outcome]) -> Outcome:
    """Run a write once per ``Idempotency-Key``: same key + same body → the stored response; else 422."""
    key = request.headers.get(H_IDEMPOTENCY, "").strip()
    if not key or len(key) > 100:
        outcome = Outcome(
            400,
            ApiAuthError(
                400,
                "idempotency_key_required",
                "写操作必须提供 Idempotency-Key（1–100 字符）",
                "writes need an Idempotency-Key header (1–100 characters)",
            ).to_json(),
        )
        _log(credential, request, outcome.status)
        return outcome
    body_hash = hashlib.sha256(request.body).hexdigest()
    base = credential.base
    existing = IdempotentRequest.objects.filter(base=base, key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                outcome = handler()
                IdempotentRequest.objects.create(
                    base=base,
                    key=key,
                    method=request.method or "",
                    path=request.path[:200],
                    body_sha256=body_hash,
                    status=outcome.status,
                    response=outcome.body,
                )
        except IntegrityError:
            existing = IdempotentRequest.objects.filter(base=base, key=key).first()
            if existing is None:
                raise
        else:
            _log(credential, request, outcome.status)
            return outcome
    if existing.body_sha256 != body_hash or existing.path != request.path[:200] or existing.method != request.method:
        outcome = Outcome(
            422,
            ApiAuthError(
                422,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个请求，拒绝执行",
                "this Idempotency-Key was used with a different request",
            ).to_json(),
        )
    else:
        outcome = Outcome(existing.status, existing.response)
    _log(credential, request, outcome.status)
    return outcome


def log_call(credential: ApiCredential, request: HttpRequest, status: int) -> None:
    _log(credential, request, status)


def dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
