"""Where the platform keeps files, read from the environment when the settings load (ADR 0021).

Three named ``STORAGES`` aliases hold every file the platform writes: ``proofs`` (Article 10 proof
documents), ``imports`` (bulk-import uploads; their error sheets are built from them) and
``certificates`` (the cache of sealed certificate PDFs). By default they are directories under
``CECERT_VAR_DIR``; with ``CECERT_FILE_STORE=s3`` they are prefixes of one private bucket of an
S3-compatible object store, reached through django-storages, so that every application server sees
the same files. Either way nothing is served by a URL of the store: files leave only through views
that check jurisdiction first (``cecert.core.files``).

Only the standard library is imported here: the settings module runs this in every process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

PROOFS = "proofs"
IMPORTS = "imports"
CERTIFICATES = "certificates"
FILE_STORES = (PROOFS, IMPORTS, CERTIFICATES)

# The directory of each store under CECERT_VAR_DIR: where the files always were, so that an existing
# installation keeps them where they are.
_DIRECTORIES = {PROOFS: ("private", "proofs"), IMPORTS: ("private", "imports"), CERTIFICATES: ("cache", "certificates")}
# Only the PDF cache may replace a file: two servers rendering the same certificate version write
# equivalent PDFs. Proofs and imports are written once under a fresh random name and never replaced.
_REPLACEABLE = {CERTIFICATES}


def var_dir(environ: Mapping[str, str], *, production: bool, cwd: Path) -> Path:
    """``CECERT_VAR_DIR``: in production an absolute path that must be given; in development ``var/``
    under the working directory unless given (``make run`` needs nothing)."""
    raw = environ.get("CECERT_VAR_DIR", "").strip()
    if production and not raw:
        raise ImproperlyConfigured(
            "生产环境须设置 CECERT_VAR_DIR（绝对路径）/ CECERT_VAR_DIR must be set to an absolute path in production"
        )
    if production and not Path(raw).is_absolute():
        raise ImproperlyConfigured(
            f"CECERT_VAR_DIR 须为绝对路径，当前为“{raw}” / CECERT_VAR_DIR must be an absolute path in production "
            f"(got {raw!r}): a relative one would depend on the directory each process happens to start in"
        )
    return Path(raw or cwd / "var").resolve()


def file_stores(environ: Mapping[str, str], var: Path) -> dict[str, dict[str, Any]]:
    """The ``STORAGES`` entries of the three file stores, chosen by ``CECERT_FILE_STORE``."""
    kind = environ.get("CECERT_FILE_STORE", "filesystem").strip() or "filesystem"
    if kind == "filesystem":
        return {alias: _filesystem(alias, var) for alias in FILE_STORES}
    if kind == "s3":
        return {alias: _s3(alias, environ) for alias in FILE_STORES}
    raise ImproperlyConfigured(
        f"CECERT_FILE_STORE 只能是 filesystem 或 s3 / CECERT_FILE_STORE must be 'filesystem' or 's3', not {kind!r}"
    )


def _filesystem(alias: str, var: Path) -> dict[str, Any]:
    return {
        "BACKEND": "cecert.core.files.FileSystemStore",
        "OPTIONS": {
            "location": str(var.joinpath(*_DIRECTORIES[alias])),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
            "allow_overwrite": alias in _REPLACEABLE,
        },
    }


def _s3(alias: str, environ: Mapping[str, str]) -> dict[str, Any]:
    from botocore.config import Config  # only where S3 is chosen: boto3 is not loaded otherwise

    bucket = environ.get("CECERT_S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured(
            "CECERT_FILE_STORE=s3 需要 CECERT_S3_BUCKET / CECERT_FILE_STORE=s3 needs CECERT_S3_BUCKET"
        )
    timeout = float(environ.get("CECERT_S3_TIMEOUT", "5"))
    addressing = environ.get("CECERT_S3_ADDRESSING_STYLE", "").strip() or None
    if addressing not in (None, "path", "virtual"):
        raise ImproperlyConfigured(
            f"CECERT_S3_ADDRESSING_STYLE must be 'path' or 'virtual', not {addressing!r}"  # operators' setting
        )
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("CECERT_S3_ENDPOINT_URL", "").strip() or None,
        "region_name": environ.get("CECERT_S3_REGION", "").strip() or None,
        # Empty keys leave boto3 to its own chain (AWS_* variables, an instance role).
        "access_key": environ.get("CECERT_S3_ACCESS_KEY_ID", "").strip() or None,
        "secret_key": environ.get("CECERT_S3_SECRET_ACCESS_KEY", "").strip() or None,
        "verify": environ.get("CECERT_S3_CA_BUNDLE", "").strip() or None,
        "location": alias,
        # Private objects; the store makes no URL at all (cecert.core.s3store.S3Store.url refuses).
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": alias in _REPLACEABLE,
        # A store that does not answer must fail a request (and /readyz) in seconds, not hold a worker.
        "client_config": Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"mode": "standard", "max_attempts": 2},
            signature_version="s3v4",
            **({"s3": {"addressing_style": addressing}} if addressing else {}),
        ),
    }
    return {"BACKEND": "cecert.core.s3store.S3Store", "OPTIONS": options}
