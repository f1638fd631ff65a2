"""The append-only audit trail, kept as several hash chains (ADR 0006, ADR 0025)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditHead(models.Model):
    """The head of one chain (``id`` is the chain's number), locked while appending to that chain.

    Each chain has its own order; writes to different chains do not wait for each other.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    last_sequence = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain {self.id} head #{self.last_sequence}"


class AuditEntry(models.Model):
    chain = models.PositiveSmallIntegerField(_("链"), default=1)
    sequence = models.PositiveBigIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=128, blank=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    source_ip = models.CharField(_("来源地址"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "sequence"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="audit_entry_chain_sequence")]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence} {self.action}"


class AuditKey(models.Model):
    """The platform's audit key: signs the checkpoints of the chain head (ADR 0017).

    The private key is stored encrypted with ``CECERT_KEY_PASSPHRASE`` like the departments' keys;
    its certificate is also written to the anchor directory, which is where ``cecert audit verify``
    takes the keys it trusts from (never from this table, which the database's owner could rewrite).
    """

    key_id = models.CharField(max_length=16, unique=True)
    certificate_pem = models.TextField()
    private_key_encrypted = models.TextField()
    current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审计签名密钥")
        constraints = [
            models.UniqueConstraint(fields=["current"], condition=models.Q(current=True), name="one_current_audit_key")
        ]

    def __str__(self) -> str:
        return f"audit key {self.key_id}"
