"""CECERT_VAR_DIR and the choice of file stores, as the settings read them from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cecert.core.filestores import FILE_STORES, file_stores, var_dir

SRC = Path(__file__).resolve().parents[2] / "src"


def test_development_defaults_to_var_under_the_working_directory(tmp_path: Path) -> None:
    assert var_dir({}, production=False, cwd=tmp_path) == tmp_path / "var"
    assert var_dir({"CECERT_VAR_DIR": "rel/var"}, production=False, cwd=tmp_path) == (Path.cwd() / "rel/var").resolve()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "CECERT_VAR_DIR must be set to an absolute path in production"),
        ("var", "CECERT_VAR_DIR must be an absolute path in production (got 'var')"),
        ("./srv/cecert/var", "CECERT_VAR_DIR must be an absolute path in production (got './srv/cecert/var')"),
    ],
)
def test_production_refuses_a_missing_or_relative_var_dir(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        var_dir({"CECERT_VAR_DIR": value}, production=True, cwd=tmp_path)
    assert var_dir({"CECERT_VAR_DIR": "/srv/cecert/var"}, production=True, cwd=tmp_path) == Path("/srv/cecert/var")


def test_the_settings_refuse_to_load_with_a_relative_var_dir_in_production(tmp_path: Path) -> None:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "cecert.settings",
        "CECERT_ENV": "production",
        "CECERT_VAR_DIR": "var",
        **{name: "x" * 50 for name in ("SECRET_KEY", "CECERT_ID_HASH_KEY", "CECERT_ID_ENCRYPTION_KEY")},
        "CECERT_KEY_PASSPHRASE": "x" * 50,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "CECERT_VAR_DIR 须为绝对路径，当前为“var”" in result.stderr
    assert not (tmp_path / "var").exists()


def test_filesystem_stores_sit_where_the_files_always_were(tmp_path: Path) -> None:
    stores = file_stores({}, tmp_path)
    assert set(stores) == set(FILE_STORES)
    locations = {alias: Path(store["OPTIONS"]["location"]) for alias, store in stores.items()}
    assert locations == {
        "proofs": tmp_path / "private" / "proofs",
        "imports": tmp_path / "private" / "imports",
        "certificates": tmp_path / "cache" / "certificates",
    }
    assert {alias for alias, store in stores.items() if store["OPTIONS"]["allow_overwrite"]} == {"certificates"}
    assert all(store["OPTIONS"]["file_permissions_mode"] == 0o600 for store in stores.values())


def test_s3_stores_are_private_prefixes_of_one_bucket(tmp_path: Path) -> None:
    environ = {
        "CECERT_FILE_STORE": "s3",
        "CECERT_S3_BUCKET": "cecert-files",
        "CECERT_S3_ENDPOINT_URL": "https://oss.internal:9000",
        "CECERT_S3_REGION": "cn-henan-1",
        "CECERT_S3_ACCESS_KEY_ID": "AKID",
        "CECERT_S3_SECRET_ACCESS_KEY": "secret",
        "CECERT_S3_ADDRESSING_STYLE": "path",
    }
    stores = file_stores(environ, tmp_path)
    options = {alias: store["OPTIONS"] for alias, store in stores.items()}
    assert {alias: o["location"] for alias, o in options.items()} == {a: a for a in FILE_STORES}
    assert {o["bucket_name"] for o in options.values()} == {"cecert-files"}
    assert {o["default_acl"] for o in options.values()} == {"private"}
    assert {o["endpoint_url"] for o in options.values()} == {"https://oss.internal:9000"}
    assert {alias for alias, o in options.items() if o["file_overwrite"]} == {"certificates"}
    assert {store["BACKEND"] for store in stores.values()} == {"cecert.core.s3store.S3Store"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CECERT_FILE_STORE": "nfs"}, "CECERT_FILE_STORE must be 'filesystem' or 's3', not 'nfs'"),
        ({"CECERT_FILE_STORE": "s3"}, "CECERT_FILE_STORE=s3 needs CECERT_S3_BUCKET"),
        (
            {"CECERT_FILE_STORE": "s3", "CECERT_S3_BUCKET": "b", "CECERT_S3_ADDRESSING_STYLE": "dns"},
            "CECERT_S3_ADDRESSING_STYLE must be 'path' or 'virtual', not 'dns'",
        ),
    ],
)
def test_a_wrong_store_setting_names_itself(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        file_stores(environ, tmp_path)
