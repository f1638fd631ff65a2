"""Sending SMS through a configurable backend, the way Django sends e-mail.

``CECERT_SMS_BACKEND`` names the backend class: ``ConsoleBackend`` (development: printed),
``LocmemBackend`` (tests: kept in ``outbox``). A real provider's adapter subclasses
``BaseSmsBackend`` and is named in that setting.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str  # a mainland mobile number, 11 digits
    body: str


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send ``messages``; returns how many were accepted."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            self.stream.write(f"短信 → {message.to}：{message.body}\n")
        self.stream.flush()
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in ``cecert.core.sms.outbox`` (for tests)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.CECERT_SMS_BACKEND)()
    return backend


def send_sms(to: str, body: str) -> int:
    return get_backend().send_messages([SmsMessage(to, body)])
