"""Alibaba Cloud SMS (阿里云短信服务) through its official SDK (``alibabacloud_dysmsapi20170525``).

The SDK builds and signs the request (ACS3-HMAC-SHA256); this adapter only maps a message to the
``SendSms`` call and the answer to our outcome: ``Code == "OK"`` is accepted, any other code or a
4xx reply is a refusal (``SmsRejected`` with the provider's code and message, the delivery fails
for good); a 5xx reply, throttling or a network failure raises as it is (the delivery is retried).

Settings: ``CECERT_ALIYUN_SMS_ACCESS_KEY_ID`` / ``…_SECRET`` (the RAM user's key), ``…_SIGN_NAME``
(the approved signature, e.g. 河南省继续教育证书平台), ``…_ENDPOINT`` (default
``dysmsapi.aliyuncs.com``) and ``…_PROTOCOL`` (``https``; tests point it at a local ``http`` server).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.conf import settings

from cecert.core.sms import BaseSmsBackend, SmsMessage, SmsRejected


class AliyunBackend(BaseSmsBackend):
    def __init__(self) -> None:
        self.client = Client(
            Config(
                access_key_id=settings.CECERT_ALIYUN_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.CECERT_ALIYUN_SMS_ACCESS_KEY_SECRET,
                endpoint=settings.CECERT_ALIYUN_SMS_ENDPOINT,
                protocol=settings.CECERT_ALIYUN_SMS_PROTOCOL,
            )
        )
        self.sign_name = settings.CECERT_ALIYUN_SMS_SIGN_NAME
        # No retry inside the SDK: a delivery is retried by the queue, with its attempts counted.
        self.runtime = RuntimeOptions(autoretry=False, connect_timeout=5000, read_timeout=10000)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            if not message.template:
                raise SmsRejected("未配置该通知的短信模板 / no SMS template configured for this notification")
            request = SendSmsRequest(
                phone_numbers=message.to,
                sign_name=self.sign_name,
                template_code=message.template,
                template_param=json.dumps(message.params, ensure_ascii=False),
            )
            try:
                response = self.client.send_sms_with_options(request, self.runtime)
            except ClientException as exc:
                raise SmsRejected(f"{exc.code}: {exc.message}") from None
            body = response.body
            if body is None or body.code != "OK":
                code, text = (body.code, body.message) if body is not None else ("", "empty answer")
                raise SmsRejected(f"{code}: {text}")
        return len(messages)
