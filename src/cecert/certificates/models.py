"""Issuing departments' keys and the certificates they seal.

A :class:`Certificate` is an immutable snapshot (pretix invoices): it copies
everything it shows at issue time, and nothing but its revocation fields may
change afterwards; it is never deleted. Business rules live in ``domain/``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cecert.accounts.models import Person, User
from cecert.certificates.domain.reasons import REASONS
from cecert.organisations.models import Organisation


class SnapshotField(models.JSONField):
    """JSON that bulk-inserts as plain ``VALUES`` on PostgreSQL.

    Django 5.2 bulk-inserts through ``UNNEST(array)`` unless a field defines
    ``get_placeholder``; quoting large JSON documents into array literals made
    batch issuance spend most of its time in psycopg's array escaping.
    """

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"


class ImmutableError(Exception):
    """An issued certificate (or key) was about to be changed or deleted."""


class PlatformRoot(models.Model):
    """The platform's root CA; department certificates chain to it."""

    name = models.CharField(_("名称"), max_length=128)
    certificate_pem = models.TextField()
    private_key_encrypted = models.TextField(blank=True)  # empty: key kept offline / in an HSM
    key_id = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("平台根证书")
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_root")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"


class KeyStatus(models.TextChoices):
    CURRENT = "current", _("在用")
    RETIRED = "retired", _("已停用")


class SigningKey(models.Model):
    """One issuing HR department's seal: ECDSA P-256 (PDF) and SM2 (QR) keys."""

    department = models.ForeignKey(
        Organisation, verbose_name=_("发证部门"), on_delete=models.PROTECT, related_name="signing_keys"
    )
    root = models.ForeignKey(PlatformRoot, on_delete=models.PROTECT, related_name="keys")
    key_id = models.CharField(max_length=16, unique=True)  # of the P-256 public key
    certificate_pem = models.TextField()
    private_key_encrypted = models.TextField()
    sm2_key_id = models.CharField(max_length=16, unique=True)
    sm2_public_hex = models.CharField(max_length=130)
    sm2_private_key_encrypted = models.TextField()
    status = models.CharField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.CURRENT)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("签章密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["department"], condition=Q(status="current"), name="one_current_key_per_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.key_id} ({self.status})"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("signing keys are retired, never deleted (old certificates need them)")


class CertificateKind(models.TextChoices):
    ANNUAL = "annual", _("年度继续教育证书")
    COMPLETION_PROOF = "completion_proof", _("继续教育完成情况证明")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def restrict(self, user: User) -> CertificateQuerySet:
        """Certificates of the people the user may see (jurisdiction, fail-closed)."""
        from cecert.accounts.jurisdiction import person_scope

        return self.filter(person_scope(user, via="person__"))

    def delete(self) -> Any:
        raise ImmutableError("certificates are never deleted")

    def current(self) -> CertificateQuerySet:
        return self.filter(status=CertificateStatus.VALID)


# Fields revocation may change; everything else is frozen once issued.
REVOCATION_FIELDS = frozenset({"status", "revoked_at", "revocation_reason", "revoked_by"})


class Certificate(models.Model):
    """One issued version of an annual certificate or a completion proof."""

    verification_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    serial = models.CharField(_("证书序列号"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=24, choices=CertificateKind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certificates")
    year_from = models.PositiveSmallIntegerField(_("起始年度"))
    year_to = models.PositiveSmallIntegerField(_("截止年度"))
    version = models.PositiveSmallIntegerField(default=1)
    snapshot = SnapshotField()
    content_digest = models.CharField(max_length=64)  # of the snapshot's content (idempotency)
    issuer = models.ForeignKey(Organisation, verbose_name=_("发证部门"), on_delete=models.PROTECT, related_name="+")
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="certificates")
    issued_at = models.DateTimeField(_("发证时间"))
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        "CertificateBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revocation_reason = models.TextField(_("撤销原因"), blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("证书")
        ordering = ["-year_to", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "year_from", "year_to", "version"], name="certificate_version_unique"
            ),
            models.UniqueConstraint(
                fields=["person", "kind", "year_from", "year_to"],
                condition=Q(status="valid"),
                name="one_valid_certificate",
            ),
            models.CheckConstraint(condition=Q(year_to__gte=models.F("year_from")), name="certificate_years"),
            models.CheckConstraint(condition=Q(status="valid") | Q(revoked_at__isnull=False), name="revoked_has_time"),
        ]
        indexes = [models.Index(fields=["issuer", "year_from", "kind"])]

    def __str__(self) -> str:
        return self.serial

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= REVOCATION_FIELDS:
                raise ImmutableError("an issued certificate is immutable; revoke it and issue a new version")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("certificates are never deleted")

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def years_label(self) -> str:
        return str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}—{self.year_to}"


class SerialCounter(models.Model):
    """Last human serial number handed out under one prefix (year + issuing code)."""

    prefix = models.CharField(max_length=16, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}{self.last:07d}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class CertificateBatch(models.Model):
    """One officer's request to issue a year's certificates for their department's people."""

    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # no certified records that year
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The running worker's lease: renewed as each chunk completes. A running batch whose lease has
    # expired lost its worker (中断) and is resumed (``issuance.interrupted_batches``, ``claim_interrupted_batch``).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    resumed = models.PositiveSmallIntegerField(default=0)
    # An officer's selection on the issuing page: only these people (``selected_only``); otherwise
    # everyone the department issues for. Explicit, so an empty selection never means "everyone".
    selected_only = models.BooleanField(default=False)
    selection = models.ManyToManyField(Person, blank=True, related_name="+")

    class Meta:
        verbose_name = _("批量发证")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.department} {self.year} ({self.status})"

    @property
    def processed(self) -> int:
        return self.issued + self.unchanged + self.skipped

    @property
    def is_interrupted(self) -> bool:
        """Running, but its worker has not reported within the lease (``CECERT_BATCH_LEASE_SECONDS``)."""
        if self.status != BatchStatus.RUNNING:
            return False
        from django.conf import settings
        from django.utils import timezone

        last = self.heartbeat_at or self.created_at
        return last < timezone.now() - dt.timedelta(seconds=settings.CECERT_BATCH_LEASE_SECONDS)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))


class VerificationRoute(models.TextChoices):
    """Where a verification came in."""

    PAGE_UPLOAD = "page_upload", _("查验页面上传PDF")
    API_UPLOAD = "api_upload", _("接口上传PDF")
    CLI = "cli", _("命令行查验")
    QR_PAGE = "qr_page", _("查验页面二维码")
    QR_API = "qr_api", _("接口二维码")
    QR_CLI = "qr_cli", _("命令行二维码查验")
    CREDENTIAL_PAGE = "vc_page", _("查验页面上传电子凭证")
    CREDENTIAL_API = "vc_api", _("接口上传电子凭证")
    CREDENTIAL_CLI = "vc_cli", _("命令行查验电子凭证")


class SuspiciousVerificationQuerySet(models.QuerySet["SuspiciousVerification"]):
    def restrict(self, user: User) -> SuspiciousVerificationQuerySet:
        """Records about certificates the user's issuing department issued (HR officers; fail-closed)."""
        from cecert.certificates.domain.departments import issuing_departments_of

        departments = issuing_departments_of(user)
        if not departments:
            return self.none()
        return self.filter(issuer__in=departments)

    def update(self, **kwargs: Any) -> int:
        raise ImmutableError("suspicious verifications are append-only")

    def delete(self) -> Any:
        raise ImmutableError("suspicious verifications are append-only")


class SuspiciousVerification(models.Model):
    """A verification answered "tampered" (Article 15: 不得伪造、翻印): kept as evidence, never changed.

    ``public_id`` is the stable id other parts of the platform cite (a violation case opened from it).
    ``claimed_serial`` is what the presented file or code says it is (a relabel shows here);
    ``signed_serial`` what the signature actually covers, when there was a signature to read.
    ``certificate``/``issuer`` are the register's certificate of the claimed serial (else of the signed
    one): the issuing department sees the record. Recording is capped per client address and
    window (``domain.suspicious``), so an anonymous flood cannot grow the table without bound.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"))
    route = models.CharField(_("查验途径"), max_length=16, choices=VerificationRoute.choices)
    claimed_serial = models.CharField(_("声称的证书序列号"), max_length=40, blank=True)
    signed_serial = models.CharField(_("签名所覆盖的序列号"), max_length=40, blank=True)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="suspicious_verifications"
    )
    issuer = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    client_address = models.CharField(_("客户端地址"), max_length=64, blank=True)
    verdict = models.CharField(_("结论"), max_length=16)
    reason = models.CharField(_("原因代码"), max_length=32)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64, blank=True)

    objects = SuspiciousVerificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("可疑查验记录")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["client_address", "created_at"], name="suspicious_client_time"),
            models.Index(fields=["issuer", "created_at"], name="suspicious_issuer_time"),
            models.Index(fields=["created_at"], name="suspicious_time"),
        ]

    def __str__(self) -> str:
        return f"{self.claimed_serial or '-'} {self.reason} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("suspicious verifications are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("suspicious verifications are append-only")

    @property
    def reason_label(self) -> str:
        """The reason in Chinese, as the verification page showed it."""
        return REASONS.get(self.reason, self.reason)


# Bits per published status list (W3C Bitstring Status List: at least 16 KB uncompressed, 131,072 bits).
STATUS_LIST_BITS = 131_072


class CredentialStatusEntry(models.Model):
    """A certificate's place in its issuing department's revocation status lists (ADR 0024).

    ``sequence`` numbers a department's entries from 0 without gaps or repeats (unique with the
    department); list ``sequence // STATUS_LIST_BITS`` holds it at index ``sequence % STATUS_LIST_BITS``.
    The bit itself is not stored: it is the certificate's status, read when the list is published.
    Allocated when a certificate is first exported as a credential; never changed or deleted.
    """

    certificate = models.OneToOneField(Certificate, on_delete=models.PROTECT, related_name="status_entry")
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("凭证状态列表位置")
        constraints = [
            models.UniqueConstraint(fields=["department", "sequence"], name="status_entry_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id}:{self.list_number}#{self.index}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("a status list entry never moves")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("status list entries are never deleted")

    @property
    def list_number(self) -> int:
        return self.sequence // STATUS_LIST_BITS

    @property
    def index(self) -> int:
        return self.sequence % STATUS_LIST_BITS
