"""Request ids: made by us unless our own proxy sent one, on the response and on every log line."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from typing import Any

from django.test import Client
from django.urls import path

from cecert.core.requestid import current_request_id


def _logs(request: Any) -> Any:
    from django.http import HttpResponse

    logging.getLogger("cecert.test").warning("服务 %s", "已调用")
    return HttpResponse(current_request_id())


urlpatterns = [path("log/", _logs)]


def test_each_response_carries_a_fresh_id(client: Client, db: None) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_offered_id_is_kept_only_from_our_proxy(client: Client, db: None, settings: Any) -> None:
    offered = "nginx-5d41402abc4b2a76"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=offered)["X-Request-ID"] != offered  # no proxies configured
    settings.CECERT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID=offered, REMOTE_ADDR="203.0.113.5")["X-Request-ID"] != offered
    assert client.get("/healthz", HTTP_X_REQUEST_ID=offered, REMOTE_ADDR="10.1.2.3")["X-Request-ID"] == offered
    forged = 'x" injected\n{"level": "CRITICAL"}'
    assert client.get("/healthz", HTTP_X_REQUEST_ID=forged, REMOTE_ADDR="10.1.2.3")["X-Request-ID"] != forged


def test_log_lines_are_json_with_the_request_id(client: Client, db: None, settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    stream = io.StringIO()
    config = {**settings.LOGGING, "root": {"handlers": ["console"], "level": "INFO"}}
    config["handlers"] = {"console": {**config["handlers"]["console"], "formatter": "json", "stream": stream}}
    logging.config.dictConfig(config)
    try:
        response = client.get("/log/")
    finally:
        logging.config.dictConfig(settings.LOGGING)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(line for line in lines if line["logger"] == "cecert.test")
    assert line["request_id"] == response.content.decode() == response["X-Request-ID"]
    assert line["message"] == "服务 已调用"
    assert line["level"] == "WARNING"
    assert current_request_id() == "-"  # reset once the request is answered
