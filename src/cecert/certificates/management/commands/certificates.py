"""``cecert certificates verify FILE | verify-qr PAYLOAD | export-vc SERIAL | issue | batches``.

``verify`` takes a certificate PDF or an exported credential (compact JWS, or JSON carrying one;
ADR 0024); it and ``verify-qr`` print JSON with ``status`` (genuine, revoked, tampered, not_found)
and exit 0 only for genuine. ``export-vc`` writes a certificate's signed Open Badges 3.0 credential.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cecert.accounts.models import Person
from cecert.certificates.domain import credentials, issuance, suspicious, verification
from cecert.certificates.domain.credential_verification import verify_credential
from cecert.certificates.models import Certificate, VerificationRoute
from cecert.core.errors import DomainError
from cecert.regions.models import Region


def _is_credential(path: Path, content: bytes) -> bool:
    """A credential file (``.jwt``/``.json``, or text that opens like JSON or a JOSE header); anything
    else is read as a certificate PDF, whose verifier says what it is not."""
    if content.startswith(b"%PDF-"):
        return False
    opening = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:3]
    return path.suffix.lower() in (".jwt", ".json") or opening.startswith((b"{", b"eyJ"))


class Command(BaseCommand):
    help = "证书 / certificates: verify a PDF or QR payload, issue one or a batch"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser(
            "verify", help="查验证书PDF或电子凭证（.jwt/.json）/ verify a certificate PDF or a credential (.jwt/.json)"
        )
        v.add_argument("file", type=Path)
        e = sub.add_parser("export-vc", help="导出电子凭证 / export a signed Open Badges 3.0 credential")
        e.add_argument("serial")
        e.add_argument("--output", "-o", type=Path, help="写入文件（默认标准输出）/ file to write (default stdout)")
        q = sub.add_parser("verify-qr", help="查验二维码内容 / verify a QR payload")
        q.add_argument("payload")
        i = sub.add_parser("issue", help="发证 / issue one person's certificate or a region's batch")
        who = i.add_mutually_exclusive_group(required=True)
        who.add_argument("--person", help="证书管理号 / certificate number")
        who.add_argument("--region", help="发证部门区划代码 / issuing region code (batch)")
        i.add_argument("--year", type=int, required=True)
        i.add_argument("--chunk-size", type=int, default=2000, help="每个事务的人数 / people per transaction (batch)")
        b = sub.add_parser("batches", help="批量发证任务 / batch issuances (JSON lines)")
        b.add_argument(
            "--stale",
            action="store_true",
            help="只列出中断的（进程已停止）/ only batches whose worker died (lease expired)",
        )
        b.add_argument(
            "--resume",
            action="store_true",
            help="在本进程中续发中断的批次 / resume interrupted batches in this process",
        )
        b.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            path: Path = options["file"]
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            with path.open("rb") as fh:  # never read past the limit: one byte more says "too large"
                content = fh.read(verification.MAX_PDF_BYTES + 1)
            if _is_credential(path, content):
                result = verify_credential(content)
                suspicious.record(result, route=VerificationRoute.CREDENTIAL_CLI, client="")
            else:
                result = verification.verify_pdf_upload(content)
                suspicious.record(result, route=VerificationRoute.CLI, client="")
            self._report(result)
        elif action == "export-vc":
            self._export(options["serial"], options["output"])
        elif action == "verify-qr":
            result = verification.verify_qr(options["payload"])
            suspicious.record(result, route=VerificationRoute.QR_CLI, client="")
            self._report(result)
        elif action == "batches":
            self._batches(options)
        else:
            self._issue(options)

    def _report(self, result: verification.Verification) -> None:
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
        if not result.is_genuine:
            sys.exit(1)

    def _export(self, serial: str, output: Path | None) -> None:
        certificate = (
            Certificate.objects.select_related("person", "issuer", "issuer__region").filter(serial=serial).first()
        )
        if certificate is None:
            raise CommandError(f"无此证书 / no certificate with serial {serial}")
        try:
            token = credentials.export_credential(certificate, by=None)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if output is None:
            self.stdout.write(token)
        else:
            output.write_text(token + "\n", encoding="ascii")
            self.stderr.write(f"{certificate.serial} → {output}")

    def _issue(self, options: dict[str, Any]) -> None:
        year = options["year"]
        try:
            if options["person"]:
                person = Person.objects.filter(certificate_number=options["person"]).first()
                if person is None:
                    raise CommandError("no person with that certificate number")
                cert = issuance.issue_annual_certificate(person, year, by=None)
                self.stdout.write(
                    json.dumps(
                        {"serial": cert.serial, "version": cert.version, "verification_id": str(cert.verification_id)}
                    )
                )
                return
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError("unknown region")
            from cecert.certificates.domain.signing_keys import issuing_department_for_region

            department = issuing_department_for_region(region)
            batch = issuance.start_batch(department, year, by=None)

            def progress(b: Any) -> None:
                self.stderr.write(f"{b.processed}/{b.total}")

            batch = issuance.issue_annual_batch(batch, chunk_size=options["chunk_size"], progress=progress)
            self.stdout.write(
                json.dumps(
                    {
                        "batch": batch.pk,
                        "total": batch.total,
                        "issued": batch.issued,
                        "unchanged": batch.unchanged,
                        "skipped": batch.skipped,
                    }
                )
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _batches(self, options: dict[str, Any]) -> None:
        from cecert.certificates.models import CertificateBatch

        stale = options["stale"] or options["resume"]
        batches = issuance.interrupted_batches() if stale else CertificateBatch.objects.all()
        for batch in batches.select_related("department").order_by("pk"):
            line: dict[str, Any] = {
                "batch": batch.pk,
                "department": batch.department.name,
                "year": batch.year,
                "status": "interrupted" if batch.is_interrupted else batch.status,
                "status_zh": "中断" if batch.is_interrupted else str(batch.get_status_display()),
                "total": batch.total,
                "processed": batch.processed,
                "heartbeat_at": batch.heartbeat_at.isoformat() if batch.heartbeat_at else None,
            }
            if options["resume"]:
                if not issuance.claim_interrupted_batch(batch):
                    line["resumed"] = False  # another process took it over meanwhile
                else:
                    done = issuance.resume_batch(batch, chunk_size=options["chunk_size"])
                    line.update(
                        resumed=True,
                        status=done.status,
                        issued=done.issued,
                        unchanged=done.unchanged,
                        skipped=done.skipped,
                    )
            self.stdout.write(json.dumps(line, ensure_ascii=False))
