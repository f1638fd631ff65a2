"""Sending SMS through a configurable backend, the way Django sends e-mail.

``CECERT_SMS_BACKEND`` names the backend class: ``ConsoleBackend`` (development: printed),
``FileBackend`` (development: one file per message under ``CECERT_SMS_FILE_PATH``),
``LocmemBackend`` (tests: kept in ``outbox``) and ``cecert.core.sms_aliyun.AliyunBackend`` (Alibaba
Cloud SMS through its official SDK). Providers send approved templates only: a message carries the
provider's ``template`` code and its ``params`` beside the rendered ``body`` the development
backends show.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str  # a mainland mobile number, 11 digits
    body: str
    template: str = ""  # the provider's template code
    params: dict[str, str] = field(default_factory=dict)


class SmsRejected(Exception):
    """The provider answered and refused the message (a wrong number, an unapproved template …): final."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send ``messages``; returns how many were accepted; ``SmsRejected`` when the provider refuses."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            self.stream.write(f"短信 → {message.to}：{message.body}\n")
        self.stream.flush()
        return len(messages)


class FileBackend(BaseSmsBackend):
    """Writes each message as one JSON file under ``CECERT_SMS_FILE_PATH`` (like Django's file e-mail backend)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.CECERT_SMS_FILE_PATH)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        for message in messages:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            target = self.path / f"{stamp}-{secrets.token_hex(4)}.json"
            content = {"to": message.to, "body": message.body, "template": message.template, "params": message.params}
            target.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
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
