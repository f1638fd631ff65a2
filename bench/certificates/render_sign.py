"""Micro-benchmark: render + PAdES-sign one certificate PDF.

Run: ``.venv/bin/python bench/certificates/render_sign.py [--iterations 200]``.
Prints one JSON line: median / p95 milliseconds per certificate and peak memory.
Keys, the signer and the seal are set up once before timing, as in production
(one DepartmentSigningMaterial per department, reused for every certificate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from cecert.certificates.crypto import keys, sm2
from cecert.certificates.pdf import (
    CertificateRecord,
    CertificateSnapshot,
    DepartmentSigningMaterial,
    render_and_sign,
)

DEPARTMENT = "郑州市人力资源和社会保障局"


def make_material() -> DepartmentSigningMaterial:
    root_key, root_cert = keys.create_root_ca("河南省专业技术人员继续教育证书根CA")
    key, cert = keys.create_department_certificate(root_key, root_cert, DEPARTMENT, "410100", 5)
    sm2_key = sm2.generate_sm2_key()
    return DepartmentSigningMaterial(
        department_name=DEPARTMENT,
        key=key,
        cert=cert,
        chain=(root_cert,),
        sm2_key=sm2_key,
        sm2_key_id=sm2.sm2_key_id(sm2_key.public_key()),
        verify_base_url="https://cecert.hrss.henan.gov.cn",
        location="郑州",
    )


def make_snapshot(i: int) -> CertificateSnapshot:
    records = tuple(
        CertificateRecord(
            title=f"2024年度专业科目培训：临床医学新进展专题研修班（第{k}期）",
            record_type="培训班" if k % 2 else "网络培训",
            subject="public" if k == 1 else "professional",
            hours=Decimal(24) if k == 1 else Decimal("16.5"),
        )
        for k in range(1, 8)
    )
    return CertificateSnapshot(
        holder_name="欧阳娜娜",
        masked_id="410105********1234",
        certificate_number=f"{4101052024000 + i:013d}",
        employer_name="郑州市第一人民医院",
        year_from=2024,
        year_to=2024,
        public_hours=Decimal(24),
        professional_hours=Decimal(99),
        total_hours=Decimal(123),
        met=True,
        issuer_name=DEPARTMENT,
        issue_date=dt.date(2025, 1, 15),
        serial=f"HA2024{i:010d}",
        records=records,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    material = make_material()
    setup_start = time.perf_counter()
    for i in range(args.warmup):  # registers the font, builds seal and signer
        render_and_sign(make_snapshot(i), material)
    first_ms = (time.perf_counter() - setup_start) * 1000

    snapshots = [make_snapshot(i) for i in range(args.iterations)]
    times: list[float] = []
    size = 0
    gc.collect()
    for snap in snapshots:
        t0 = time.perf_counter()
        rendered = render_and_sign(snap, material)
        times.append((time.perf_counter() - t0) * 1000)
        size = len(rendered.content)

    # Peak Python heap for one render+sign, measured separately because
    # tracemalloc slows allocation-heavy code by 2-3x.
    tracemalloc.start()
    render_and_sign(snapshots[0], material)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    times.sort()
    print(
        json.dumps(
            {
                "benchmark": "certificate_render_sign",
                "iterations": args.iterations,
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                "max_ms": round(times[-1], 2),
                "throughput_per_s": round(1000 / statistics.mean(times), 1),
                "warmup_ms_total": round(first_ms, 1),
                "pdf_bytes": size,
                "peak_tracemalloc_mib_per_certificate": round(peak / 2**20, 2),
                "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
