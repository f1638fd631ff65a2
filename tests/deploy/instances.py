"""nginx (the shipped site, TLS) in front of two gunicorn instances in production mode, on loopback.

Shared by the deploy test (tests/deploy/test_two_instances.py) and the year-end rush load test
(bench/rush/run.py): each instance has a var directory of its own, as two machines would; stored files
go to one bucket of an S3 API; PostgreSQL and Redis are the caller's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tests.s3_server import S3Server, free_port, s3_environ

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "deploy" / "nginx" / "cecert.conf"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent
# Settings both instances must share with whoever built the data (signing keys, encrypted fields, hashes).
SHARED_SECRETS = ("SECRET_KEY", "CECERT_ID_HASH_KEY", "CECERT_ID_ENCRYPTION_KEY", "CECERT_KEY_PASSPHRASE")


def wait_for(url_host: str, port: int, path: str, *, tls: ssl.SSLContext | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn: http.client.HTTPConnection
            if tls:
                conn = http.client.HTTPSConnection(url_host, port, timeout=2, context=tls)
            else:
                conn = http.client.HTTPConnection(url_host, port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url_host}:{port}{path} did not answer")
        time.sleep(0.3)


def self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.pem", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def site(name: str, https_port: int, upstreams: list[int], tls: tuple[Path, Path], static_root: Path) -> str:
    """The shipped site file, its placeholders filled; zone and upstream names made unique per copy."""
    text = SITE.read_text("utf-8")
    values = {
        "SERVER_NAME": "127.0.0.1",
        "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
        "HTTP_LISTEN": f"127.0.0.1:{free_port()}",
        "TLS_CERT": str(tls[0]),
        "TLS_KEY": str(tls[1]),
        "STATIC_ROOT": str(static_root),
        "UPSTREAM_SERVERS": " ".join(f"server 127.0.0.1:{port};" for port in upstreams),
    }
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    assert not re.search(r"\{\{[A-Z_]+\}\}", text), "a placeholder of the shipped site was not filled"
    return text.replace("cecert_verify", f"cecert_verify_{name}").replace("cecert_app", f"cecert_app_{name}")


@contextlib.contextmanager
def two_instances(
    directory: Path,
    *,
    settings: Any,
    database_url: str,
    redis_url: str,
    s3: S3Server,
    extra_env: Mapping[str, str] | None = None,
    task_worker: bool = False,
) -> Iterator[dict[str, Any]]:
    """Start the platform under ``directory``; yields the sites' and instances' ports, logs and TLS trust.

    ``settings`` gives the shared secrets (``SHARED_SECRETS``); ``task_worker`` adds a ``cecert db_worker``.
    """
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise FileNotFoundError("nginx not found: run `make system-deps`")
    bucket = s3.new_bucket()
    var = {"a": directory / "var-a", "b": directory / "var-b"}  # one per machine: nothing shared on disk
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "CECERT_ENV": "production",
        **{name: str(getattr(settings, name)) for name in SHARED_SECRETS},
        "DATABASE_URL": database_url,
        "CECERT_REDIS_URL": redis_url,
        "CECERT_ALLOWED_HOSTS": "127.0.0.1",
        "CECERT_TRUSTED_PROXIES": "127.0.0.1/32",
        "CECERT_WORKERS": "2",
        "CECERT_LOG_FORMAT": "json",
        **s3_environ(s3.endpoint, bucket),
        **(extra_env or {}),
    }
    subprocess.run(  # noqa: S603
        [BIN / "cecert", "collectstatic", "--noinput", "-v0"],
        env={**env, "CECERT_VAR_DIR": str(var["a"])},
        check=True,
        timeout=300,
    )
    shutil.copytree(var["a"] / "static", var["b"] / "static")  # each machine ships the same static files

    ports = {"a": free_port(), "b": free_port()}
    sites = {"a": free_port(), "b": free_port(), "front": free_port()}
    env["CECERT_CSRF_TRUSTED_ORIGINS"] = ",".join(f"https://127.0.0.1:{port}" for port in sites.values())
    env["CECERT_PUBLIC_URL"] = f"https://127.0.0.1:{sites['front']}"
    processes: list[subprocess.Popen[bytes]] = []
    logs: dict[str, Path] = {}
    try:
        for name, port in ports.items():
            logs[name] = directory / f"gunicorn-{name}.log"
            metrics = directory / f"metrics-{name}"
            metrics.mkdir()
            instance_env = {
                **env,
                "CECERT_VAR_DIR": str(var[name]),
                "CECERT_BIND": f"127.0.0.1:{port}",
                "PROMETHEUS_MULTIPROC_DIR": str(metrics),
            }
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [BIN / "gunicorn", "-c", str(GUNICORN_CONF), "cecert.wsgi:application"],
                    env=instance_env,
                    stdout=logs[name].open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        tls = self_signed(directory)
        nginx_dir = directory / "nginx"
        nginx_dir.mkdir()
        upstreams = {"a": [ports["a"]], "b": [ports["b"]], "front": [ports["a"], ports["b"]]}
        for name, port in sites.items():
            (nginx_dir / f"site-{name}.conf").write_text(site(name, port, upstreams[name], tls, var["a"] / "static"))
        (nginx_dir / "nginx.conf").write_text(
            f"""user root;
worker_processes 1;
pid {nginx_dir}/nginx.pid;
error_log {nginx_dir}/error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {nginx_dir}/access.log;
    client_body_temp_path {nginx_dir}/body;
    proxy_temp_path {nginx_dir}/proxy;
    fastcgi_temp_path {nginx_dir}/fastcgi;
    uwsgi_temp_path {nginx_dir}/uwsgi;
    scgi_temp_path {nginx_dir}/scgi;
    include {nginx_dir}/site-*.conf;
}}
"""
        )
        subprocess.run([nginx, "-t", "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")], check=True, timeout=30)  # noqa: S603
        processes.append(subprocess.Popen([nginx, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")]))  # noqa: S603
        for port in ports.values():
            wait_for("127.0.0.1", port, "/healthz")
        trust = ssl.create_default_context(cafile=str(tls[0]))  # our self-signed certificate, verified as such
        for port in sites.values():
            wait_for("127.0.0.1", port, "/healthz", tls=trust)
        if task_worker:
            logs["worker"] = directory / "worker.log"
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [BIN / "cecert", "db_worker"],
                    env={**env, "CECERT_VAR_DIR": str(var["a"])},
                    stdout=logs["worker"].open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        yield {
            "sites": sites,
            "ports": ports,
            "logs": logs,
            "var": var,
            "tls": trust,
            "tls_cert": tls[0],
            "s3": s3,
            "bucket": bucket,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
