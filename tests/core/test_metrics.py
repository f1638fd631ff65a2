"""Prometheus metrics: labelled by route (never by path), published only to the scraper's network."""

from __future__ import annotations

from typing import Any

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from cecert.core.metrics import count_verdict


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_are_counted_by_route(client: Client, db: None) -> None:
    before = _samples(client.get("/metrics").content.decode())
    client.get("/hours/")
    client.get("/verify/")
    client.get("/no-such-page-4711/")
    after = _samples(client.get("/metrics").content.decode())

    def delta(route: str, status: str) -> float:
        key = ("cecert_http_requests_total", (("method", "GET"), ("route", route), ("status", status)))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("verify/", "2xx") == 1
    assert delta("unmatched", "4xx") == 1
    assert not any("4711" in str(labels) for _name, labels in after)  # paths never become labels


def test_verdicts_and_queue_are_published(client: Client, db: None) -> None:
    count_verdict("upload", "tampered")
    samples = _samples(client.get("/metrics").content.decode())
    assert samples[("cecert_verification_verdicts_total", (("route", "upload"), ("verdict", "tampered")))] >= 1
    assert samples[("cecert_tasks", (("status", "ready"),))] == 0
    assert samples[("cecert_task_queue_lag_seconds", ())] == 0


def test_metrics_are_refused_outside_the_scraper_network(client: Client, db: None, settings: Any) -> None:
    settings.CECERT_METRICS_NETWORKS = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    # behind the proxy the scraper is not who X-Forwarded-For claims
    settings.CECERT_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 404


def test_public_verification_counts_its_verdicts(client: Client, db: None) -> None:
    def count() -> float:
        samples = _samples(client.get("/metrics").content.decode())
        return samples.get(("cecert_verification_verdicts_total", (("route", "number"), ("verdict", "not_found"))), 0)

    before = count()
    assert client.get("/verify/", {"number": "HA2025-0000000001", "name": "张三"}).status_code == 200
    assert count() == before + 1
