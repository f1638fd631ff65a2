"""Notifications: one row per recipient and event (the in-app message), one delivery per other channel.

The in-app notification moved here from ``review`` with its table (state-only move, then a rename:
no row copied; ADR 0022). A ``Delivery`` is one e-mail or SMS owed for a notification, with its
state (queued → sent / failed / skipped), attempts and the provider's reason for a failure.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cecert.records.models import Record


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("事件"), max_length=40, db_default="task")
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set for events that must reach a person once (a year-end reminder per person, year and campaign).
    once_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        verbose_name = _("通知")

    def __str__(self) -> str:
        return self.message


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("手机短信")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")


class Delivery(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("事件"), max_length=40)
    # The in-app notification it accompanies (none for one-time codes, which are not kept in-app).
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    destination = models.CharField(_("发送至"), max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # The provider's template and its parameters (SMS providers send approved templates, not free text).
    template_params = models.JSONField(default=dict)
    state = models.CharField(_("状态"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # Not before this moment (SMS wait out the quiet hours).
    not_before = models.DateTimeField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "not_before"], name="delivery_due")]
        verbose_name = _("通知发送")

    def __str__(self) -> str:
        return f"{self.event} {self.channel} → {self.user_id}: {self.state}"


class ChannelPreference(models.Model):
    """A user's choice not to receive one channel (reminders and notices; codes are always sent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="one_preference_per_channel")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}: {self.enabled}"
