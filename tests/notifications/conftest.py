"""Real local servers for the channels: an SMTP server (aiosmtpd) and an HTTP server the Alibaba Cloud
SMS SDK is pointed at (its real, signed requests are received and answered)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from cecert.core import sms


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: Any) -> None:
    settings.CECERT_SMS_BACKEND = "cecert.core.sms.LocmemBackend"
    sms.outbox.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpInbox:
    port: int
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


class _Handler:
    def __init__(self, inbox: SmtpInbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.inbox.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.inbox.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpInbox]:
    """A real SMTP server on loopback; Django's SMTP e-mail backend is pointed at it."""
    inbox = SmtpInbox(port=_free_port())
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class ProviderServer:
    """What the SMS provider's endpoint received, and what it answers next."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    raw: bytes | None = None  # a reply that is not the provider's JSON
    reply: dict[str, Any] = field(
        default_factory=lambda: {"Code": "OK", "Message": "OK", "BizId": "900000^0", "RequestId": "req-1"}
    )


@pytest.fixture
def aliyun_server(settings: Any) -> Iterator[ProviderServer]:
    """A local HTTP server standing in for dysmsapi.aliyuncs.com; the real SDK sends to it."""
    server_state = ProviderServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            params.update({k: v[0] for k, v in parse_qs(body).items()})
            server_state.requests.append({"path": url.path, "headers": dict(self.headers.items()), "params": params})
            payload = server_state.raw if server_state.raw is not None else json.dumps(server_state.reply).encode()
            self.send_response(server_state.status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.CECERT_SMS_BACKEND = "cecert.core.sms_aliyun.AliyunBackend"
    settings.CECERT_ALIYUN_SMS_ACCESS_KEY_ID = "LTAI-test-key"
    settings.CECERT_ALIYUN_SMS_ACCESS_KEY_SECRET = "test-secret"
    settings.CECERT_ALIYUN_SMS_SIGN_NAME = "河南省继续教育证书平台"
    settings.CECERT_ALIYUN_SMS_ENDPOINT = f"127.0.0.1:{server_state.port}"
    settings.CECERT_ALIYUN_SMS_PROTOCOL = "http"
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
