"""Checkpoints of the audit chain's head, signed and written outside the database (ADR 0017).

The chain (``cecert.audit.domain``) shows an edited, removed or reordered entry, but its head lives
in the same database: whoever can rewrite the last rows and the head row can shorten the trail
unseen. A checkpoint fixes the head (sequence, entry hash, count, time) in a small JSON document
with a detached CMS signature (``.p7s``, made by pyHanko, RFC 3161-timestamped when
``CECERT_TIMESTAMP_URL`` is set) by the platform audit key, written exclusively and read-only into
``CECERT_AUDIT_ANCHOR_DIR`` — a place the application can add to but not rewrite.

Files in the anchor directory::

    keys/<key_id>.pem                 the audit keys' certificates (trusted by ``verify``)
    checkpoint-00000001.json          the checkpoint document
    checkpoint-00000001.json.p7s      its detached CMS signature (DER)

Each checkpoint names the SHA-256 of the previous checkpoint's document, and the trail itself
records each checkpoint (``audit.checkpoint``), so a removed checkpoint shows as a gap in the
numbers or as one the trail mentions but the directory lacks. Any checkpoint can be checked
without cecert: ``openssl cms -verify -binary -inform DER -in N.json.p7s -content N.json
-CAfile keys/<key_id>.pem -purpose any``.

A checkpoint seals the heads of every chain together (ADR 0025): ``chains`` lists each chain's
number, last sequence, that entry's hash and its count of entries. Documents of the first format
(``cecert-audit-checkpoint/1``, one chain called ``main``) are read as chain 1.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import operator
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from cecert.audit.domain import genesis_hash, record, seals
from cecert.audit.models import AuditEntry, AuditHead, AuditKey
from cecert.core.crypto import SIGNATURE_KEY_USAGE, key_id
from cecert.core.errors import DomainError

FORMAT = "cecert-audit-checkpoint/2"
FORMAT_ONE_CHAIN = "cecert-audit-checkpoint/1"  # before ADR 0025: one chain, named "main" (chain 1)
FORMATS = (FORMAT, FORMAT_ONE_CHAIN)
KEY_NAME = "继续教育证书平台审计日志签名"
CHECKPOINT_ACTION = "audit.checkpoint"
_NAME = re.compile(r"^checkpoint-(\d{8})\.json$")
_SIG_NAME = re.compile(r"^checkpoint-(\d{8})\.json\.p7s$")

ERR_NO_ANCHOR = "未配置审计锚定目录（CECERT_AUDIT_ANCHOR_DIR）"
ERR_NO_KEY = "尚未配置审计签名密钥，请先运行 cecert audit keys create"


def _passphrase() -> bytes:
    return str(settings.CECERT_KEY_PASSPHRASE).encode()


def anchor_dir() -> Path | None:
    value = getattr(settings, "CECERT_AUDIT_ANCHOR_DIR", "")
    return Path(value) if value else None


def _require_anchor_dir() -> Path:
    path = anchor_dir()
    if path is None:
        raise DomainError("anchor_dir", ERR_NO_ANCHOR, "CECERT_AUDIT_ANCHOR_DIR is not set")
    (path / "keys").mkdir(parents=True, exist_ok=True)
    return path


def write_once(path: Path, data: bytes) -> None:
    """Create ``path`` exclusively (never overwrite) and leave it read-only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checkpoint_name(number: int) -> str:
    return f"checkpoint-{number:08d}.json"


# ---------------------------------------------------------------- the audit key


def _key_id(cert: x509.Certificate) -> str:
    return key_id(cert)


def _new_key_and_certificate(valid_years: int = 10) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key with a self-signed certificate: the anchor directory, not a CA, says it is trusted."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, KEY_NAME)]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now.replace(year=now.year + valid_years, day=min(now.day, 28)))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(SIGNATURE_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _publish_certificate(key: AuditKey) -> None:
    """Write the key's certificate into the anchor directory once (an identical copy is fine)."""
    path = _require_anchor_dir() / "keys" / f"{key.key_id}.pem"
    data = key.certificate_pem.encode()
    if path.exists():
        if path.read_bytes() != data:
            raise DomainError(
                "audit_key", "锚定目录中已有同名但内容不同的审计证书", f"{path} differs from the stored key"
            )
        return
    write_once(path, data)


def create_key(*, rotate: bool = False) -> AuditKey:
    """Create the audit key (or, with ``rotate``, a new one retiring the current); publish its certificate."""
    from cecert.certificates.crypto.keys import encrypt_private_key

    with transaction.atomic():
        current = AuditKey.objects.select_for_update().filter(current=True).first()
        if current is not None and not rotate:
            _publish_certificate(current)
            return current
        private, cert = _new_key_and_certificate()
        if current is not None:
            AuditKey.objects.filter(pk=current.pk).update(current=False, retired_at=timezone.now())
        key = AuditKey.objects.create(
            key_id=_key_id(cert),
            certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            private_key_encrypted=encrypt_private_key(private, _passphrase()).decode(),
        )
        _publish_certificate(key)
        record(
            "audit.key_rotated" if current is not None else "audit.key_created",
            obj=key,
            before={"key_id": current.key_id} if current is not None else None,
            after={"key_id": key.key_id},
        )
    return key


def current_key(*, create: bool | None = None) -> AuditKey:
    key = AuditKey.objects.filter(current=True).first()
    if key is not None:
        return key
    from cecert.certificates.domain.signing_keys import auto_create_keys

    if not (auto_create_keys() if create is None else create):
        raise DomainError("audit_key", ERR_NO_KEY, "no audit key: run `cecert audit keys create`")
    try:
        return create_key()
    except IntegrityError:  # created concurrently
        return AuditKey.objects.get(current=True)


def _asn1_cert(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@functools.lru_cache(maxsize=4)
def _signer(key_id: str, private_pem: str, certificate_pem: str) -> Any:
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from cecert.certificates.crypto.keys import load_private_key

    private = load_private_key(private_pem.encode(), _passphrase())
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    return SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            private.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([]),
    )


def sign_detached(data: bytes, key: AuditKey, *, timestamp_url: str | None) -> bytes:
    """A detached CMS signature (DER) over ``data``; with a timestamp server, carrying its RFC 3161 token."""
    from cecert.certificates.pdf.signing import _timestamper

    signer = _signer(key.key_id, key.private_key_encrypted, key.certificate_pem)
    timestamper = _timestamper(timestamp_url) if timestamp_url else None
    content_info = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True, timestamper=timestamper))
    return bytes(content_info.dump())


# ---------------------------------------------------------------- writing checkpoints


@dataclass(frozen=True)
class ChainHead:
    chain: int
    sequence: int
    entry_hash: str
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "sequence": self.sequence, "entry_hash": self.entry_hash, "count": self.count}


def _any_of(conditions: list[models.Q]) -> models.Q:
    return functools.reduce(operator.or_, conditions)


def _entry_hashes(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The hashes of the entries at the given (chain, sequence) pairs that exist."""
    found: dict[tuple[int, int], str] = {}
    for start in range(0, len(pairs), 500):
        match = _any_of([models.Q(chain=c, sequence=s) for c, s in pairs[start : start + 500]])
        rows = AuditEntry.objects.filter(match).values_list("chain", "sequence", "entry_hash")
        found.update(((c, s), h) for c, s, h in rows)
    return found


def _counts_up_to(pairs: list[tuple[int, int]]) -> dict[int, int]:
    """Each chain's count of entries up to the given sequence, in one query."""
    if not pairs:
        return {}
    up_to = _any_of([models.Q(chain=c, sequence__lte=s) for c, s in pairs])
    rows = AuditEntry.objects.filter(up_to).values("chain").annotate(n=models.Count("id")).values_list("chain", "n")
    return dict(rows)


def current_heads() -> list[ChainHead]:
    """Every chain's committed head, with the last entry's hash and the chain's count of entries.

    A head row changes in the same transaction as its entry, so one read of the heads is a consistent
    cut across chains; the hashes and counts are then taken from the entries themselves.
    """
    pairs = sorted(AuditHead.objects.filter(last_sequence__gt=0).values_list("id", "last_sequence"))
    hashes, counts, archived = _entry_hashes(pairs), _counts_up_to(pairs), seals()
    # The count covers the whole chain: a detached year's entries (up to its seal) count as they did before.
    return [
        ChainHead(c, s, hashes.get((c, s), genesis_hash(c)), counts.get(c, 0) + archived.get(c, (0, ""))[0])
        for c, s in pairs
    ]


@dataclass(frozen=True)
class Checkpoint:
    number: int
    document: dict[str, Any]
    raw: bytes
    signature: bytes | None

    @property
    def chains(self) -> dict[int, ChainHead]:
        """Each sealed chain's head by chain number (a first-format ``main`` is chain 1)."""
        heads: dict[int, ChainHead] = {}
        for item in self.document.get("chains", []):
            try:
                number = 1 if item["chain"] == "main" else int(item["chain"])
                heads[number] = ChainHead(number, int(item["sequence"]), str(item["entry_hash"]), int(item["count"]))
            except (KeyError, TypeError, ValueError):
                continue
        return heads

    @property
    def entries(self) -> int:
        return sum(head.count for head in self.chains.values())

    @property
    def sha256(self) -> str:
        return _sha256(self.raw)


def _numbers(directory: Path) -> tuple[list[int], list[int]]:
    docs, sigs = [], []
    if directory.is_dir():
        for name in os.listdir(directory):
            if m := _NAME.match(name):
                docs.append(int(m.group(1)))
            elif m := _SIG_NAME.match(name):
                sigs.append(int(m.group(1)))
    return sorted(docs), sorted(sigs)


def _load(directory: Path, number: int) -> Checkpoint:
    raw = (directory / checkpoint_name(number)).read_bytes()
    sig_path = directory / (checkpoint_name(number) + ".p7s")
    try:
        document = json.loads(raw)
        if not isinstance(document, dict):
            raise ValueError("not an object")
    except ValueError:
        document = {}
    return Checkpoint(number, document, raw, sig_path.read_bytes() if sig_path.exists() else None)


def make_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the chain's current head into the next numbered checkpoint; ``None`` when nothing is new.

    The signature is written before the document, so a document never exists unsigned; the trail
    then records the checkpoint (the next checkpoint covers that entry).
    """
    directory = _require_anchor_dir()
    key = current_key()
    _publish_certificate(key)
    docs, sigs = _numbers(directory)
    previous = _load(directory, docs[-1]) if docs else None
    heads = current_heads()
    if previous is not None and not force and _nothing_new(previous, heads):
        return None
    number = max([0, *docs, *sigs]) + 1
    document = {
        "format": FORMAT,
        "number": number,
        "created_at": timezone.now().isoformat(),
        "previous_sha256": previous.sha256 if previous is not None else None,
        "key_id": key.key_id,
        "chains": [head.as_dict() for head in heads],
    }
    raw = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode() + b"\n"
    timestamp_url = settings.CECERT_TIMESTAMP_URL or None
    signature = sign_detached(raw, key, timestamp_url=timestamp_url)
    write_once(directory / (checkpoint_name(number) + ".p7s"), signature)
    write_once(directory / checkpoint_name(number), raw)
    checkpoint = Checkpoint(number, document, raw, signature)
    record(
        CHECKPOINT_ACTION,
        after={
            "number": number,
            "chains": len(heads),
            "entries": checkpoint.entries,
            "sha256": checkpoint.sha256,
            "key_id": key.key_id,
            "timestamped": timestamp_url is not None,
        },
    )
    return checkpoint


def _nothing_new(previous: Checkpoint, heads: list[ChainHead]) -> bool:
    """Nothing since ``previous`` but (at most) its own record in the trail."""
    covered = previous.chains
    advanced = [(h.chain, h.sequence) for h in heads if h.sequence != covered.get(h.chain, _NO_HEAD).sequence]
    if not advanced:
        return True
    if len(advanced) > 1:
        return False
    chain, sequence = advanced[0]
    if sequence != covered.get(chain, _NO_HEAD).sequence + 1:
        return False
    return AuditEntry.objects.filter(chain=chain, sequence=sequence, action=CHECKPOINT_ACTION).exists()


_NO_HEAD = ChainHead(0, 0, "", 0)


# ---------------------------------------------------------------- verifying against checkpoints


@dataclass
class AnchorReport:
    configured: bool
    checkpoints: int = 0
    latest: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "checkpoints": self.checkpoints,
            "latest": self.latest,
            "problems": self.problems,
        }


def _trusted_certificates(directory: Path) -> list[Any]:
    certs = []
    keys = directory / "keys"
    if keys.is_dir():
        for path in sorted(keys.glob("*.pem")):
            try:
                certs.append(_asn1_cert(x509.load_pem_x509_certificate(path.read_bytes())))
            except ValueError:
                continue
    return certs


def signature_problem(checkpoint: Checkpoint, trusted: list[Any]) -> str | None:
    """Why the checkpoint's signature does not hold, or ``None`` when it is by an anchored audit key."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    n = checkpoint.number
    if checkpoint.signature is None:
        return f"检查点 {n} 缺少签名文件 / checkpoint {n} has no signature"
    try:
        content_info = cms.ContentInfo.load(checkpoint.signature)
        signed_data = content_info["content"]
        status = asyncio.run(
            async_validate_detached_cms(
                checkpoint.raw, signed_data, signer_validation_context=ValidationContext(trust_roots=trusted)
            )
        )
    except Exception as exc:
        return f"检查点 {n} 的签名无法解析 / checkpoint {n} signature unreadable ({type(exc).__name__})"
    if not status.intact or not status.valid:
        return f"检查点 {n} 的内容与签名不符 / checkpoint {n} was altered after signing"
    if not status.trusted:
        return f"检查点 {n} 不是由审计签名密钥签署 / checkpoint {n} is not signed by an audit key"
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid):
        return f"检查点 {n} 的时间戳无效 / checkpoint {n} timestamp token broken"
    return None


def timestamp_time(checkpoint: Checkpoint) -> str | None:
    from asn1crypto import cms

    if checkpoint.signature is None:
        return None
    try:
        signer_info = cms.ContentInfo.load(checkpoint.signature)["content"]["signer_infos"][0]
        for attr in signer_info["unsigned_attrs"] or []:
            if attr["type"].native == "signature_time_stamp_token":
                tst_info = attr["values"][0]["content"]["encap_content_info"]["content"].parsed
                return str(tst_info["gen_time"].native.isoformat())
    except (KeyError, ValueError, IndexError, TypeError):
        return None
    return None


def _recorded_checkpoints() -> Iterator[tuple[str, int, str]]:
    for chain, sequence, after in (
        AuditEntry.objects.filter(action=CHECKPOINT_ACTION).order_by("id").values_list("chain", "sequence", "after")
    ):
        if isinstance(after, dict) and "number" in after:
            yield f"{chain}:{sequence}", int(after["number"]), str(after.get("sha256", ""))


def verify_checkpoints(*, all_signatures: bool = False) -> AnchorReport:
    """Check the trail against the anchor directory; every problem is named.

    - every checkpoint number from 1 to the latest is present, each names its predecessor's hash;
    - the latest checkpoint's signature (or, with ``all_signatures``, every one) is by an audit key
      whose certificate is in the anchor directory (the hash links cover the earlier ones);
    - for every checkpoint, the trail still has its entry with the same hash and as many entries
      up to it (a shortened or rewritten trail fails);
    - every checkpoint the trail records is in the directory, unchanged (a deleted latest file fails).
    """
    directory = anchor_dir()
    if directory is None:
        return AnchorReport(configured=False)
    report = AnchorReport(configured=True)
    docs, sigs = _numbers(directory)
    report.checkpoints = len(docs)
    present = set(docs)
    for number in range(1, max([0, *docs, *sigs]) + 1):
        if number not in present:
            report.problems.append(f"检查点 {number} 缺失 / checkpoint {number} missing from the sequence")
    checkpoints = [_load(directory, n) for n in docs]
    trusted = _trusted_certificates(directory)
    by_number = {c.number: c for c in checkpoints}
    for c in checkpoints:
        if c.document.get("format") not in FORMATS or c.document.get("number") != c.number:
            report.problems.append(f"检查点 {c.number} 格式或编号不符 / checkpoint {c.number} malformed")
            continue
        before = by_number.get(c.number - 1)
        if before is not None and c.document.get("previous_sha256") != before.sha256:
            report.problems.append(
                f"检查点 {c.number} 与前一检查点不衔接"
                f" / checkpoint {c.number} does not follow checkpoint {c.number - 1}"
            )
    to_check = checkpoints if all_signatures else checkpoints[-1:]
    for c in to_check:
        problem = signature_problem(c, trusted)
        if problem is not None:
            report.problems.append(problem)
    sealed = [
        (c.number, head) for c in checkpoints if c.document.get("format") in FORMATS for head in c.chains.values()
    ]
    hashes_ = _entry_hashes(sorted({(head.chain, head.sequence) for _, head in sealed if head.sequence}))
    latest_number = checkpoints[-1].number if checkpoints else 0
    latest_counts = _counts_up_to([(head.chain, head.sequence) for number, head in sealed if number == latest_number])
    archived = seals()  # entries up to a chain's seal left with a detached year (ADR 0027)
    for number, head in sealed:
        if head.sequence <= archived.get(head.chain, (0, ""))[0]:
            continue
        actual = hashes_.get((head.chain, head.sequence))
        if actual is None:
            have = AuditEntry.objects.filter(chain=head.chain).aggregate(m=models.Max("sequence"))["m"] or 0
            report.problems.append(
                f"审计日志比检查点 {number} 短：链 {head.chain} 检查点记到第 {head.sequence} 条，现有 {have} 条"
                f" / trail shorter than checkpoint {number}: it covers chain {head.chain} entry {head.sequence},"
                f" the chain ends at {have}"
            )
        elif actual != head.entry_hash:
            report.problems.append(
                f"链 {head.chain} 第 {head.sequence} 条与检查点 {number} 记录的哈希不同"
                f" / chain {head.chain} entry {head.sequence} differs from checkpoint {number}"
            )
        elif (
            number == latest_number
            and latest_counts.get(head.chain, 0) + archived.get(head.chain, (0, ""))[0] != head.count
        ):
            report.problems.append(
                f"检查点 {number} 之前链 {head.chain} 的条目数不符"
                f" / entries of chain {head.chain} up to checkpoint {number} were added or removed"
            )
    for sequence, number, sha in _recorded_checkpoints():
        found = by_number.get(number)
        if found is None:
            report.problems.append(
                f"日志第 {sequence} 条记录的检查点 {number} 文件不存在"
                f" / checkpoint {number} recorded by entry {sequence} is missing"
            )
        elif sha and found.sha256 != sha:
            report.problems.append(
                f"检查点 {number} 与日志第 {sequence} 条记录的不同 / checkpoint {number} differs from entry {sequence}"
            )
    if checkpoints:
        latest = checkpoints[-1]
        report.latest = {
            "number": latest.number,
            "chains": len(latest.chains),
            "entries": latest.entries,
            "created_at": latest.document.get("created_at"),
            "timestamp": timestamp_time(latest),
        }
    return report
