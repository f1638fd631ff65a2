"""Settings, read from the environment.

``DATABASE_URL`` selects the database (default: a SQLite file under ``var/``);
``CECERT_ENV=production`` turns off debug and requires every secret to come
from the environment (see ``cecert.core.secrets``).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from cecert.core.filestores import file_stores, var_dir
from cecert.core.secrets import load_secrets

BASE_DIR = Path(__file__).resolve().parent
PRODUCTION = os.environ.get("CECERT_ENV") == "production"
# Absolute and given in production (refused otherwise); ``var/`` under the working directory in development.
VAR_DIR = var_dir(os.environ, production=PRODUCTION, cwd=Path.cwd())
_secrets = load_secrets(VAR_DIR, PRODUCTION)

SECRET_KEY = _secrets["SECRET_KEY"]
CECERT_ID_HASH_KEY = _secrets["CECERT_ID_HASH_KEY"]
CECERT_ID_ENCRYPTION_KEY = _secrets["CECERT_ID_ENCRYPTION_KEY"]
CECERT_KEY_PASSPHRASE = _secrets["CECERT_KEY_PASSPHRASE"]

DEBUG = os.environ.get("CECERT_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("CECERT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
# The reverse proxies in front of the application (addresses or networks, comma-separated): only
# from them is X-Forwarded-For read, to find the client's address (cecert.core.network).
CECERT_TRUSTED_PROXIES = [p for p in os.environ.get("CECERT_TRUSTED_PROXIES", "").split(",") if p.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CECERT_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CECERT_PUBLIC_URL = os.environ.get("CECERT_PUBLIC_URL", "http://127.0.0.1:8000")
# An RFC 3161 timestamp server: certificates are then sealed as PAdES B-T instead of B-B.
CECERT_TIMESTAMP_URL = os.environ.get("CECERT_TIMESTAMP_URL", "")
# Where the signed checkpoints of the audit chain's head are written (ADR 0017): in production a
# separate append-only mount, WORM bucket or log host the application's user cannot modify.
CECERT_AUDIT_ANCHOR_DIR = os.environ.get(
    "CECERT_AUDIT_ANCHOR_DIR", "" if PRODUCTION else str(VAR_DIR / "audit-anchors")
)
# How many hash chains the audit trail is split over (ADR 0025): audited writes of different chains
# do not wait for each other. Raising it adds chains; lowering it leaves the higher ones closed.
CECERT_AUDIT_CHAINS = int(os.environ.get("CECERT_AUDIT_CHAINS", "16"))
# Full years after a year ends before its records may leave the live table (PostgreSQL partitions, ADR 0027).
CECERT_RECORDS_KEEP_YEARS = int(os.environ.get("CECERT_RECORDS_KEEP_YEARS", "5"))
# A running batch issuance whose worker has not reported for this long is interrupted (中断) and resumed.
CECERT_BATCH_LEASE_SECONDS = int(os.environ.get("CECERT_BATCH_LEASE_SECONDS", "900"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # the API docs page from the platform's own static files, not a CDN (CSP: ADR 0015)
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_tasks",
    "django_tasks_db",
    "cecert.core",
    "cecert.audit",
    "cecert.regions",
    "cecert.organisations",
    "cecert.accounts",
    "cecert.crediting",
    "cecert.api",
    "cecert.records",
    "cecert.review",
    "cecert.certificates",
    "cecert.verification",
    "cecert.reports",
    "cecert.catalogs",
    "cecert.policies",
    "cecert.violations",
    "cecert.movein",
    "cecert.notifications",
    "cecert.demo",  # above every other app: it builds a world with all of them
]

MIDDLEWARE = [
    "cecert.core.network.TrustedProxyMiddleware",
    "cecert.core.requestid.RequestIdMiddleware",
    "cecert.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cecert.accounts.middleware.IdleTimeoutMiddleware",
    "cecert.accounts.middleware.SecondFactorMiddleware",
    "cecert.accounts.middleware.PasswordMustChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cecert.urls"
WSGI_APPLICATION = "cecert.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cecert.accounts.context_processors.roles",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cecert.sqlite3'}"),
        conn_max_age=int(os.environ.get("CECERT_CONN_MAX_AGE", "0")),
    )
}
# PostgreSQL through Django's backend with one feature corrected for year-partitioned tables (ADR 0027).
POSTGRESQL_ENGINE = "cecert.core.backends.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# Dashboards, exports and title checks read a PostgreSQL streaming replica when one is configured
# and fit (cecert.core.replica, ADR 0026); writes, and reads of one's own writes, stay on the primary.
DATABASE_ROUTERS = ["cecert.core.replica.ReplicaRouter"]
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=int(os.environ.get("CECERT_CONN_MAX_AGE", "0"))
    )
    # A replica that stopped answering must not hold a report for long: it falls back to the primary.
    DATABASES["replica"]["ENGINE"] = POSTGRESQL_ENGINE
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 3}
    # The test run makes no database on the replica (it cannot: it is read-only); tests that read a
    # replica make their own from the test database (tests/core/replica_cluster.py).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# A replica further behind than this is not read; the page then says its figures are live.
CECERT_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("CECERT_REPLICA_MAX_LAG_SECONDS", "30"))
# How long one process trusts its last look at the replica's lag.
CECERT_REPLICA_CHECK_SECONDS = float(os.environ.get("CECERT_REPLICA_CHECK_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "cecert.accounts.backends.LoginNameBackend",
]

PASSWORD_HASHERS = [
    "cecert.accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "cecert.accounts.passwords.CharacterClassValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"

# 等保三级: five failures lock the login for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Lock the account, not the address: whole government offices share one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username"]
# Axes stores the digest, never the typed ID number.
AXES_USERNAME_CALLABLE = "cecert.accounts.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_SENSITIVE_PARAMETERS = ["username", "password"]
AXES_CLIENT_IP_CALLABLE = "cecert.core.network.client_address"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

SILENCED_SYSTEM_CHECKS = [
    "axes.W006",  # see AXES_LOCKOUT_PARAMETERS
    # HSTS preload: the platform is served from a subdomain of the department's domain
    # (jxjy.hrss.henan.gov.cn); preload lists take registrable domains only, and preloading binds every
    # subdomain of that domain, which is its owner's decision, not the application's (ADR 0015).
    # CECERT_HSTS_PRELOAD=1 sends the directive where the owner has decided so.
    "security.W021",
]

# The second factor (django-otp, ADR 0016): after n consecutive wrong codes the next attempt waits
# factor × 2^(n-1) seconds (1, 2, 4 … s: about ten guesses in 30 minutes); a code is accepted once,
# within one 30-second step either side of the server's clock, and the authenticator's drift is learnt.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_TOTP_SYNC = True
OTP_TOTP_ISSUER = "河南省继续教育证书平台"

# Forgotten passwords: a one-time code by SMS (this backend) or e-mail (Django's EMAIL_BACKEND).
CECERT_SMS_BACKEND = os.environ.get("CECERT_SMS_BACKEND", "cecert.core.sms.ConsoleBackend")
CECERT_SMS_FILE_PATH = os.environ.get("CECERT_SMS_FILE_PATH", str(VAR_DIR / "sms"))
# Alibaba Cloud SMS (CECERT_SMS_BACKEND=cecert.core.sms_aliyun.AliyunBackend): the RAM user's key, the
# approved signature, and the provider's template code for each notification event (JSON object).
CECERT_ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("CECERT_ALIYUN_SMS_ACCESS_KEY_ID", "")
CECERT_ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("CECERT_ALIYUN_SMS_ACCESS_KEY_SECRET", "")
CECERT_ALIYUN_SMS_SIGN_NAME = os.environ.get("CECERT_ALIYUN_SMS_SIGN_NAME", "河南省继续教育证书平台")
CECERT_ALIYUN_SMS_ENDPOINT = os.environ.get("CECERT_ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
CECERT_ALIYUN_SMS_PROTOCOL = os.environ.get("CECERT_ALIYUN_SMS_PROTOCOL", "https")
CECERT_SMS_TEMPLATES: dict[str, str] = json.loads(os.environ.get("CECERT_SMS_TEMPLATES", "{}"))
# No SMS notices at night (Asia/Shanghai); one-time codes are sent at any hour. Empty: no quiet hours.
CECERT_QUIET_HOURS = os.environ.get("CECERT_QUIET_HOURS", "21:00-08:00")
EMAIL_BACKEND = os.environ.get("CECERT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("CECERT_FROM_EMAIL", "noreply@cecert.invalid")
EMAIL_HOST = os.environ.get("CECERT_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CECERT_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CECERT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CECERT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("CECERT_EMAIL_TLS", "0") == "1"

CECERT_IDLE_TIMEOUT_SECONDS = int(os.environ.get("CECERT_IDLE_TIMEOUT_SECONDS", "1800"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_AGE = 8 * 3600

_redis_url = os.environ.get("CECERT_REDIS_URL")
# Django's own Redis backend (replies parsed by hiredis, which redis-py picks up when installed). The
# public hot paths send their commands through a redis-py client built from the same LOCATION and
# OPTIONS (cecert.core.cache). Time-outs keep a Redis that stopped answering from holding requests:
# the pages then do without it (per-process rate limits, no page cache; ADR 0018).
_redis_timeout = float(os.environ.get("CECERT_REDIS_TIMEOUT", "0.5"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": {"socket_connect_timeout": _redis_timeout, "socket_timeout": _redis_timeout},
        }
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cecert"}
    )
}

TASKS = {"default": {"BACKEND": os.environ.get("CECERT_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# The scheduler's job table changes (cecert.core.scheduler): JSON {"job name": "cron expression" or "" (off)}.
CECERT_SCHEDULE = os.environ.get("CECERT_SCHEDULE", "")
# How long an API write's Idempotency-Key keeps returning the stored response (then it is pruned).
CECERT_IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("CECERT_IDEMPOTENCY_KEEP_DAYS", "30"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # users read Chinese only (no English catalogue is offered)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# In production, collectstatic writes names with a hash of the content (cached for good by the proxy).
# The platform's own files live in three named stores, "proofs", "imports" and "certificates": directories
# under VAR_DIR, or prefixes of one private bucket of an S3-compatible object store with
# CECERT_FILE_STORE=s3 (cecert.core.filestores, ADR 0021). Nothing is written to "default".
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    **file_stores(os.environ, VAR_DIR),
}
MEDIA_ROOT = VAR_DIR / "private"  # outside the web root, never served statically
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS is the proxy's; the application trusts its X-Forwarded-Proto only when the request comes from
# one of CECERT_TRUSTED_PROXIES (cecert.core.network.TrustedProxyMiddleware drops it from anyone else).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("CECERT_SSL_REDIRECT", "1" if PRODUCTION else "0") == "1"
# The load balancer and Prometheus talk to each instance directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# HSTS only in production (a development server on http://127.0.0.1 must not pin itself to HTTPS).
# One year, subdomains included; preload is a decision for the domain's owner (CECERT_HSTS_PRELOAD=1).
SECURE_HSTS_SECONDS = int(os.environ.get("CECERT_HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = os.environ.get("CECERT_HSTS_PRELOAD", "0") == "1"

# Content-Security-Policy (django-csp; ADR 0015): scripts, styles and everything else from the
# platform's own origin only; no inline script, no inline style element, no eval, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs: one JSON object a line (production default) or plain text, each with the request id.
CECERT_LOG_FORMAT = os.environ.get("CECERT_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_ids": {"()": "cecert.core.logging.MaskIdNumbersFilter"},
        "request_id": {"()": "cecert.core.requestid.RequestIdFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_ids", "request_id"],
            "formatter": CECERT_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CECERT_LOG_LEVEL", "WARNING")},
}
# Who may read /metrics (addresses or networks): the Prometheus server, talking to the instance directly.
CECERT_METRICS_NETWORKS = [
    n.strip() for n in os.environ.get("CECERT_METRICS_NETWORKS", "127.0.0.1/32,::1/128").split(",") if n.strip()
]
# /readyz flags the task queue as lagging beyond this many seconds (reported, not fatal).
CECERT_QUEUE_LAG_WARN = int(os.environ.get("CECERT_QUEUE_LAG_WARN", "300"))

# Public endpoints (calculator, verification) are rate limited per client address.
# Public verification by serial keeps each certificate's rendered result in the cache this long.
# Only with a cache shared by every worker (Redis): revocation clears the entry, and a per-process
# cache could not be cleared from the process that revokes (ADR 0012).
CECERT_VERIFY_CACHE_SECONDS = int(os.environ.get("CECERT_VERIFY_CACHE_SECONDS", "60" if _redis_url else "0"))
# The verification lookup reads by a statement psycopg prepares once per PostgreSQL connection
# (cecert.core.prepared); turn off behind a pooler in transaction mode that does not keep prepared
# statements (PgBouncer before 1.21, or without max_prepared_statements).
CECERT_PREPARED_READS = os.environ.get("CECERT_PREPARED_READS", "1") == "1"
if CECERT_PREPARED_READS and DATABASES["default"]["ENGINE"] == POSTGRESQL_ENGINE:
    # Django turns psycopg's preparation off (None); only server-binding cursors prepare, and only
    # cecert.core.prepared makes them: each of its statements is prepared at its first execution.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 0)

CECERT_RATE_LIMITS = {
    "calculator": (int(os.environ.get("CECERT_CALC_RATE", "120")), 60),
    "verify": (int(os.environ.get("CECERT_VERIFY_RATE", "30")), 60),
    "register": (int(os.environ.get("CECERT_REGISTER_RATE", "20")), 60),
    # Forgotten-password requests and code entries, and password changes, per client address.
    "password": (int(os.environ.get("CECERT_PASSWORD_RATE", "10")), 600),
    # The training-base API (signed requests) is limited per base, not per address.
    "base_api": (int(os.environ.get("CECERT_BASE_API_RATE", "600")), 60),
}
# Forged or tampered files and codes presented for verification are recorded (Article 15), at most
# (per client address, in all) per window of seconds; beyond that they are answered, not stored.
CECERT_SUSPICIOUS_RECORDS = (
    int(os.environ.get("CECERT_SUSPICIOUS_PER_CLIENT", "20")),
    int(os.environ.get("CECERT_SUSPICIOUS_OVERALL", "2000")),
    3600,
)
