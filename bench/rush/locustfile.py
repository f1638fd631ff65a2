"""A December evening on cecert: 70 % professionals, 20 % reviewers, 10 % public verification.

Started by ``bench/rush/run.py`` (which builds the world and the platform); on its own:

    RUSH_WORLD=world.json RUSH_CA=tls.pem .venv/bin/locust -f bench/rush/locustfile.py \\
        --headless -u 20 -r 5 -t 60s --host https://127.0.0.1:PORT

Every form is fetched first and posted back with its CSRF token, the ``csrftoken`` cookie and a same-origin
``Referer``, as a browser does. A request is an error when its status is not 2xx/3xx (after redirects) *or*
when the page it lands on does not say the step succeeded (a refused upload or submission is answered
with a redirect and a message, not an error status).
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

from django_otp.oath import hotp
from locust import HttpUser, between, task
from pypdf import PdfWriter
from requests.adapters import HTTPAdapter

WORLD: dict[str, Any] = json.loads(Path(os.environ["RUSH_WORLD"]).read_text("utf-8"))
CA_FILE = os.environ["RUSH_CA"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUEUE_IDS = re.compile(r'name="ids" value="(\d+)"')
DONE = re.compile(r"已处理 (\d+) 条记录")
BATCH = 20  # records approved at once by a reviewer
_professionals = itertools.cycle(WORLD["professionals"])
# One account per concurrent reviewer, and fresh accounts for each run (run.py passes the first one): a TOTP
# code is accepted once per account, so an account that logged in during the previous run's last 30 s
# would be refused now.
_reviewers = iter(WORLD["reviewers"][int(os.environ.get("RUSH_FIRST_REVIEWER", "0")) :])
_certificates = itertools.cycle(WORLD["certificates"])
_visitors = itertools.count(1)


def _proof_pdf() -> bytes:
    """A small real PDF (one blank page): the upload checks parse it in full."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PROOF = _proof_pdf()


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for the base32 ``secret`` (RFC 6238, 30 s, 6 digits)."""
    return str(hotp(base64.b32decode(secret), int(time.time()) // 30)).zfill(6)


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address: each verifier is a different client to nginx's rate limit."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class BrowserUser(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.verify = CA_FILE

    def _token(self, path: str, name: str) -> str:
        """GET a page with a form; its CSRF token (the cookie is kept by the session)."""
        with self.client.get(path, name=name, catch_response=True) as response:
            match = CSRF.search(response.text)
            if match is None:
                response.failure(f"no form on {path} (landed on {response.url})")
                return ""
            return match.group(1)

    def _post(self, path: str, data: dict[str, Any], name: str, **kwargs: Any) -> Any:
        return self.client.post(
            path,
            data=data,
            name=name,
            headers={"Referer": f"{self.host}{path}", "Origin": self.host or ""},
            catch_response=True,
            **kwargs,
        )

    def log_in(self, username: str, password: str, name: str) -> bool:
        token = self._token("/accounts/login/", "login page")
        if not token:
            return False
        data = {"csrfmiddlewaretoken": token, "username": username, "password": password}
        with self._post("/accounts/login/", data, name) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"login refused for {username}")
                return False
        return True

    def log_out(self) -> None:
        token = self.client.cookies.get("csrftoken", "")
        with self._post("/accounts/logout/", {"csrfmiddlewaretoken": token}, "logout") as response:
            if response.status_code >= 400:
                response.failure(f"logout answered {response.status_code}")
        self.client.cookies.clear()


class Professional(BrowserUser):
    """Logs in, looks at the year's progress, declares an online course with a PDF proof, submits, logs out."""

    weight = 70
    wait_time = between(1, 5)

    @task
    def declare(self) -> None:
        if not self.log_in(next(_professionals), WORLD["password"], "login (professional)"):
            return
        self.client.get("/records/progress/", name="progress")
        path = "/records/declare/?type=online_course"
        token = self._token(path, "declare form")
        data = {
            "csrfmiddlewaretoken": token,
            "title": f"年终网络课程 {uuid.uuid4().hex[:8]}",
            "form": "网络学习",
            "start_date": "2026-11-20",
            "end_date": "2026-11-22",
            "assessment": "合格",
            "a-subject": "public",
            "a-hours": "6",
        }
        with self._post(path, data, "declare") as response:
            record = re.search(r"/records/(\d+)/$", response.url)
            if record is None:
                response.failure("declaration not saved (no record page)")
                self.log_out()
                return
        detail = f"/records/{record.group(1)}/"
        if found := CSRF.search(response.text):  # the record page's form: the token rotates at login
            token = found.group(1)
        files = {"file": ("证明.pdf", PROOF, "application/pdf")}
        with self._post(f"{detail}proofs/", {"csrfmiddlewaretoken": token, "kind": "completion"}, "upload proof",
                        files=files) as response:  # fmt: skip
            if "已上传" not in response.text:
                response.failure("proof not accepted")
        submit = {"csrfmiddlewaretoken": token, "to": "submitted"}
        with self._post(f"{detail}transition/", submit, "submit") as response:
            if "待单位初审" not in response.text:
                response.failure("record not submitted")
        self.log_out()


class Reviewer(BrowserUser):
    """An employer admin (password + TOTP, once): the queue, then a batch of submitted records approved."""

    weight = 20
    wait_time = between(3, 10)

    def on_start(self) -> None:
        super().on_start()
        self.account = next(_reviewers, None)
        if self.account is None:
            raise RuntimeError("more concurrent reviewers than reviewer accounts in the world file")
        if not self.log_in(self.account["username"], WORLD["password"], "login (reviewer)"):
            return
        token = self._token("/accounts/2fa/verify/", "second factor page")
        code = totp_code(self.account["totp_secret"])
        with self._post("/accounts/2fa/verify/", {"csrfmiddlewaretoken": token, "code": code},
                        "second factor") as response:  # fmt: skip
            if 'name="code"' in response.text:  # the code form again: refused (new recovery codes would be success)
                response.failure("second factor refused")

    @task
    def approve_batch(self) -> None:
        with self.client.get("/review/queue/", name="review queue", catch_response=True) as response:
            ids = QUEUE_IDS.findall(response.text)[:BATCH]
            match = CSRF.search(response.text)
            if match is None:
                response.failure(f"no queue form (landed on {response.url})")
                return
        if not ids:
            return
        data = {"csrfmiddlewaretoken": match.group(1), "decision": "approve", "ids": ids}
        with self._post("/review/queue/", data, "batch approve") as response:
            done = DONE.search(response.text)
            if done is None or int(done.group(1)) == 0:
                response.failure("batch approval did nothing")


class Verifier(HttpUser):
    """A member of the public: a certificate checked by number + name, then by its QR payload.

    Each visit comes from another loopback address (127.1.x.y) on a new connection, as distinct visitors do.
    """

    weight = 10
    wait_time = between(2, 8)

    def on_start(self) -> None:
        self.client.verify = CA_FILE

    @task
    def verify(self) -> None:
        visitor = next(_visitors)
        self.client.mount("https://", SourceAddressAdapter(f"127.1.{visitor // 250 % 250}.{visitor % 250 + 1}"))
        certificate = next(_certificates)
        params = {"number": certificate["number"], "name": certificate["name"]}
        with self.client.get("/verify/", params=params, name="verify by number", catch_response=True) as response:
            if 'data-status="genuine"' not in response.text:
                response.failure("certificate not shown as genuine")
        with self.client.get("/verify/qr", params={"p": certificate["qr"]}, name="verify QR", catch_response=True) as r:
            if 'data-status="genuine"' not in r.text:
                r.failure("QR payload not shown as genuine")
