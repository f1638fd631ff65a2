"""Settings for the verification load benchmark: production settings plus a minimal view to compare with."""

from cecert.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
DEBUG = False
# The benchmark measures throughput, not the limiter: one client address makes every request.
CECERT_RATE_LIMITS = {**CECERT_RATE_LIMITS, "verify": (10**9, 60)}  # noqa: F405
