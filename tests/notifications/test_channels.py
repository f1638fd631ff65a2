"""E-mail through Django's SMTP backend to a real local SMTP server; SMS through the Alibaba Cloud SDK to a
local HTTP server. Each delivery keeps its state, attempts and, on a refusal, the reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from cecert.accounts.models import User
from cecert.notifications.domain.delivery import MAX_ATTEMPTS, NOT_KEPT, deliver
from cecert.notifications.domain.sending import notify, send_code
from cecert.notifications.models import Delivery, DeliveryState
from tests.factories import World
from tests.notifications.conftest import ProviderServer, SmtpInbox


@pytest.fixture
def holder(world: World, settings: Any) -> User:
    settings.CECERT_QUIET_HOURS = ""  # these tests are about the channels, not the clock
    user = world.people["emp_jinshui"].user
    User.objects.filter(pk=user.pk).update(
        email="zhang.san@example.cn", email_verified_at=timezone.now(), phone_verified_at=timezone.now()
    )
    user.refresh_from_db()
    return user


CERTIFIED = {"name": "张三", "title": "公需科目培训", "hours": "24"}


def test_an_e_mail_reaches_a_real_smtp_server_in_utf8_chinese(holder: User, smtp_server: SmtpInbox) -> None:
    notify([holder], "record.certified", CERTIFIED)

    [(sender, recipients, message)] = smtp_server.messages
    assert sender == "noreply@cecert.invalid" and recipients == ["zhang.san@example.cn"]
    assert message["To"] == "zhang.san@example.cn"
    assert str(message["Subject"]) == "继续教育记录已认定"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "张三，您好" in body and "“公需科目培训”已认定，计 24 学时" in body
    delivery = Delivery.objects.get(channel="email")
    assert (delivery.state, delivery.attempts, delivery.sent_at is not None) == (DeliveryState.SENT, 1, True)


def test_a_mailbox_the_server_refuses_fails_the_delivery_with_the_reason(holder: User, smtp_server: SmtpInbox) -> None:
    smtp_server.refuse.add("zhang.san@example.cn")
    notify([holder], "record.certified", CERTIFIED)
    delivery = Delivery.objects.get(channel="email")
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 1
    assert "收件地址被拒绝" in delivery.last_error and "zhang.san@example.cn" in delivery.last_error
    assert not smtp_server.messages


def test_an_unreachable_mail_server_is_retried_then_given_up(holder: User, settings: Any) -> None:
    from tests.notifications.conftest import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    notify([holder], "record.certified", CERTIFIED)
    delivery = Delivery.objects.get(channel="email")
    assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 1 and delivery.last_error
    assert delivery.not_before > timezone.now()  # waits before the next try
    for _ in range(MAX_ATTEMPTS - 1):
        Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
        deliver([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == MAX_ATTEMPTS


def test_the_sms_provider_receives_the_sdks_signed_request(
    holder: User, aliyun_server: ProviderServer, settings: Any
) -> None:
    settings.CECERT_SMS_TEMPLATES = {"record.certified": "SMS_480000001"}
    notify([holder], "record.certified", CERTIFIED)

    [request] = aliyun_server.requests
    params = request["params"]
    assert params["PhoneNumbers"] == holder.phone
    assert params["SignName"] == "河南省继续教育证书平台"
    assert params["TemplateCode"] == "SMS_480000001"
    assert json.loads(params["TemplateParam"]) == {"title": "公需科目培训", "hours": "24"}
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-acs-action"] == "SendSms" and headers["x-acs-version"] == "2017-05-25"
    assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI-test-key,")
    assert "Signature=" in headers["authorization"]
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)


def test_a_provider_error_reply_fails_the_delivery_with_its_reason(
    holder: User, aliyun_server: ProviderServer, settings: Any
) -> None:
    settings.CECERT_SMS_TEMPLATES = {"record.certified": "SMS_480000001"}
    aliyun_server.reply = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "req-2"}
    notify([holder], "record.certified", CERTIFIED)
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 1
    assert "isv.MOBILE_NUMBER_ILLEGAL" in delivery.last_error and "非法手机号" in delivery.last_error


def test_a_provider_http_refusal_fails_the_delivery_with_its_reason(
    holder: User, aliyun_server: ProviderServer, settings: Any
) -> None:
    settings.CECERT_SMS_TEMPLATES = {"record.certified": "SMS_480000001"}
    aliyun_server.status = 400
    aliyun_server.reply = {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
    notify([holder], "record.certified", CERTIFIED)
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.state == DeliveryState.FAILED
    assert "InvalidAccessKeyId.NotFound" in delivery.last_error


def test_an_event_without_a_provider_template_is_refused_not_sent(
    holder: User, aliyun_server: ProviderServer, settings: Any
) -> None:
    settings.CECERT_SMS_TEMPLATES = {}
    notify([holder], "record.certified", CERTIFIED)
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.state == DeliveryState.FAILED and "未配置该通知的短信模板" in delivery.last_error
    assert not aliyun_server.requests


def test_a_code_is_not_kept_once_sent(holder: User, aliyun_server: ProviderServer, settings: Any) -> None:
    settings.CECERT_SMS_TEMPLATES = {"contact.code": "SMS_480000009"}
    delivery_id = send_code(holder, "sms", holder.phone, "contact.code", {"code": "246810"})
    assert json.loads(aliyun_server.requests[0]["params"]["TemplateParam"]) == {"code": "246810"}
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.state == DeliveryState.SENT
    assert delivery.body == NOT_KEPT and delivery.template_params == {} and "246810" not in str(delivery.__dict__)


@pytest.mark.parametrize("raw", [b"<html>502 Bad Gateway</html>", b"", b'{"Code": ', b"\xff\xfe" * 1000])
def test_a_garbled_provider_reply_is_retried_not_taken_for_sent(
    holder: User, aliyun_server: ProviderServer, settings: Any, raw: bytes
) -> None:
    settings.CECERT_SMS_TEMPLATES = {"record.certified": "SMS_480000001"}
    aliyun_server.raw = raw
    notify([holder], "record.certified", CERTIFIED)
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 1 and delivery.last_error
