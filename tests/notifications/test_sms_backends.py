"""The development and test SMS backends named by ``CECERT_SMS_BACKEND``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from cecert.core import sms
from cecert.core.sms import ConsoleBackend, FileBackend, SmsMessage


def test_the_file_backend_writes_one_utf8_json_file_per_message(tmp_path: Path, settings: Any) -> None:
    settings.CECERT_SMS_FILE_PATH = str(tmp_path / "sms")
    settings.CECERT_SMS_BACKEND = "cecert.core.sms.FileBackend"
    sent = sms.get_backend().send_messages(
        [SmsMessage("13800000000", "您的记录已认定", "SMS_1", {"hours": "24"}), SmsMessage("13900000000", "第二条")]
    )
    files = sorted((tmp_path / "sms").iterdir())
    assert sent == 2 and len(files) == 2
    contents = [json.loads(f.read_text("utf-8")) for f in files]
    assert {c["to"] for c in contents} == {"13800000000", "13900000000"}
    assert {"to": "13800000000", "body": "您的记录已认定", "template": "SMS_1", "params": {"hours": "24"}} in contents


def test_the_console_backend_prints_the_chinese_text() -> None:
    stream = io.StringIO()
    assert ConsoleBackend(stream).send_messages([SmsMessage("13800000000", "验证码 123456")]) == 1
    assert stream.getvalue() == "短信 → 13800000000：验证码 123456\n"


def test_file_backend_uses_the_path_it_is_given(tmp_path: Path) -> None:
    FileBackend(str(tmp_path)).send_messages([SmsMessage("13800000000", "正文")])
    assert len(list(tmp_path.iterdir())) == 1
