"""gunicorn for cecert: `gunicorn -c deploy/gunicorn.conf.py cecert.wsgi:application`.

Sync workers: threaded ones were measured with a 5–10× worse p99 (bench/README.md).
"""

import multiprocessing
import os

bind = os.environ.get("CECERT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CECERT_WORKERS", str(2 * multiprocessing.cpu_count())))
worker_class = "sync"
timeout = 120
graceful_timeout = 30
# Recycle workers now and then (slow leaks in any library), jittered so they do not restart together.
max_requests = 5000
max_requests_jitter = 500
# The application alone decides which proxies to believe (CECERT_TRUSTED_PROXIES): gunicorn must
# not turn X-Forwarded-* into a secure scheme on its own.
forwarded_allow_ips = ""
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%({x-request-id}i)s"'


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    # A dead worker's live gauges leave the multiprocess metrics (its counters stay summed).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
