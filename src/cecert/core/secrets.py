"""Secrets from the environment, generated once for development.

Production (``CECERT_ENV=production``) must provide every secret through the
environment and refuses to start without them; development keeps generated
values in ``var/dev-secrets.json`` so that a restart keeps sessions and the
ID-number index valid.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SECRET_NAMES = ("SECRET_KEY", "CECERT_ID_HASH_KEY", "CECERT_ID_ENCRYPTION_KEY", "CECERT_KEY_PASSPHRASE")


def load_secrets(var_dir: Path, production: bool) -> dict[str, str]:
    values = {name: os.environ[name] for name in SECRET_NAMES if os.environ.get(name)}
    missing = [name for name in SECRET_NAMES if name not in values]
    if not missing:
        return values
    if production:
        raise ImproperlyConfigured(f"生产环境缺少密钥配置 / missing secrets in production: {', '.join(missing)}")
    store = var_dir / "dev-secrets.json"
    stored: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = secrets.token_urlsafe(48)
            changed = True
        values[name] = stored[name]
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(stored, indent=2))
        store.chmod(0o600)
    return values
