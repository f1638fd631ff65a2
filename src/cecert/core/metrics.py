"""Prometheus metrics: requests, task queue, verification verdicts.

Under gunicorn every worker is a process of its own; with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty
directory per service start, see docs/deployment.md) prometheus_client's multiprocess mode adds
them up at scrape time. The queue figures are read from the database at scrape time, so every
instance reports the same shared queue.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# Our own registry, not the process default one: only what is ours is published.
REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "cecert_http_requests_total",
    "HTTP requests answered, by route and status class.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "cecert_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
VERDICTS = Counter(
    "cecert_verification_verdicts_total",
    "Public certificate verifications, by route (number, qr, upload) and verdict.",
    ["route", "verdict"],
    registry=REGISTRY,
)


def count_verdict(route: str, verdict: str) -> None:
    VERDICTS.labels(route=route, verdict=verdict).inc()


def _route(request: HttpRequest) -> str:
    # The URL pattern, never the path: a path holds serials and ids (unbounded label values).
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        LATENCY.labels(route=route).observe(time.perf_counter() - started)
        REQUESTS.labels(method=request.method or "", route=route, status=f"{response.status_code // 100}xx").inc()
        return response


class TaskQueueCollector(Collector):
    """Depth and lag of the django-tasks database queue, read when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        by_status = GaugeMetricFamily(
            "cecert_tasks", "Background tasks in the queue table, by status.", labels=["status"]
        )
        counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for status in TaskResultStatus:
            by_status.add_metric([status.value.lower()], counts.get(status.value, 0))
        yield by_status
        yield GaugeMetricFamily(
            "cecert_task_queue_lag_seconds", "Age of the oldest task ready to run.", value=queue_lag()
        )


_QUEUE = CollectorRegistry()
_QUEUE.register(TaskQueueCollector())


def queue_lag() -> float:
    """Seconds the oldest runnable task has waited (0 when none waits)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    oldest = DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__lte=now).aggregate(
        oldest=Min("run_after")
    )["oldest"]
    return max((now - oldest) / timedelta(seconds=1), 0.0) if oldest else 0.0


def _may_scrape(request: HttpRequest) -> bool:
    # The scraper talks to the instance directly; the reverse proxy does not forward /metrics.
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.CECERT_METRICS_NETWORKS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # every worker's counters, summed
        registry.register(TaskQueueCollector())
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY) + generate_latest(_QUEUE)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
