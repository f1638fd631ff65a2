"""Title-evaluation and expert checks (Articles 3 and 14): was every year of a span met?

Input is a list of identifiers, certificate management numbers (13 digits) or
resident ID numbers (18 characters), pasted or read from an .xlsx/.csv file.
People are looked up only inside the officer's scope, so someone elsewhere is
answered exactly like someone who does not exist: "not found".
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from cecert.accounts.idnumbers import id_number_digest, mask_id_number, normalise
from cecert.reports.domain.certificates import CertificateInfo, annual_met_certificates, completion_proofs
from cecert.reports.domain.check_types import DEFAULT, CheckType, check_types
from cecert.reports.domain.queries import status_by_year

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from cecert.accounts.models import Person

MAX_LINES = 5000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_SPAN = 20
CERT_NUMBER = re.compile(r"^41\d{11}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


class CheckInputError(ValueError):
    pass


@dataclass
class CheckRow:
    line: int
    shown: str  # the identifier as shown back (ID numbers masked)
    kind: str  # "certificate_number" | "id_number" | "invalid"
    person_id: int | None = None
    name: str = ""
    employer: str = ""
    certificate_number: str = ""
    years: dict[int, bool] = field(default_factory=dict)
    proofs: list[CertificateInfo] = field(default_factory=list)
    # Article 14: the annual certificate (showing the year met) of each year, when the check type needs it.
    certificates: dict[int, str] = field(default_factory=dict)
    check_type: CheckType = field(default_factory=lambda: check_types()[DEFAULT])

    @property
    def found(self) -> bool:
        return self.person_id is not None

    @property
    def all_met(self) -> bool:
        met = self.found and bool(self.years) and all(self.years.values())
        if met and self.check_type.certificate_each_year:
            return all(year in self.certificates for year in self.years)
        return met

    @property
    def missing_certificates(self) -> list[int]:
        if not self.check_type.certificate_each_year:
            return []
        return [year for year in self.years if year not in self.certificates]

    @property
    def verdict(self) -> str:
        if self.kind == "invalid":
            return "号码格式不正确"
        if not self.found:
            return "未找到"
        if not (bool(self.years) and all(self.years.values())):
            return "有未达标年度"
        if self.missing_certificates:
            years = "、".join(str(y) for y in self.missing_certificates)
            return f"{years}年度无显示达标的有效《证书》"
        if self.check_type.certificate_each_year:
            return f"符合{self.check_type.label}申报的继续教育条件"
        return "各年度均已达标"


def identifiers_from_text(text: str) -> list[str]:
    """One identifier per line (commas, tabs and spaces also separate)."""
    return [token for token in re.split(r"[\s,，;；]+", text) if token]


def identifiers_from_file(name: str, content: bytes) -> list[str]:
    """The first non-empty cell of each row of an .xlsx or .csv file (a header row is skipped).

    The file is sniffed and inspected like an import (``cecert.catalogs.sheets``: zip members, sheet extent,
    CSV rows and fields) before any parser builds it, and at most ``MAX_LINES`` + 1 rows are read.
    """
    from cecert.catalogs import sheets

    lower = name.lower()
    if not lower.endswith((".xlsx", ".csv")):
        raise CheckInputError("只接受 .xlsx 或 .csv 文件")
    if len(content) > MAX_FILE_BYTES:
        raise CheckInputError(f"文件过大（上限 {MAX_FILE_BYTES >> 20} MB）")
    if not content:
        raise CheckInputError("文件为空")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("list.xlsx" if lower.endswith(".xlsx") else "list.csv")
        path.write_bytes(content)
        try:
            file_format = sheets.check_file(path, name)
            rows: list[list[Any]] = [cells for _, cells in islice(sheets.iter_rows(path, file_format), MAX_LINES + 1)]
        except sheets.SheetError as exc:
            raise CheckInputError(exc.message_zh) from None
    out = []
    for row in rows:
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if not cells:
            continue
        value = cells[0]
        if value.endswith(".0") and value[:-2].isdigit():  # a number cell read as float
            value = value[:-2]
        out.append(value)
    if out and not (CERT_NUMBER.match(out[0]) or ID_NUMBER.match(normalise(out[0]))):
        out = out[1:]  # header
    return out


def run_check(
    people: QuerySet[Person],
    identifiers: list[str],
    year_from: int,
    year_to: int,
    check_type: CheckType | None = None,
) -> list[CheckRow]:
    """Each identifier's verdict over ``year_from``–``year_to`` within ``people`` (the officer's scope),
    under ``check_type`` (Article 14's expert applications also need each year's certificate).

    Set-based: one lookup query for all identifiers, one grouped year-status
    query per year, one certificates query.
    """
    if year_to < year_from:
        raise CheckInputError("截止年度不能早于起始年度")
    if year_to - year_from + 1 > MAX_SPAN:
        raise CheckInputError(f"年度跨度不能超过 {MAX_SPAN} 年")
    if not identifiers:
        raise CheckInputError("请填写或上传证书管理号、身份证号码")
    if len(identifiers) > MAX_LINES:
        raise CheckInputError(f"一次最多核查 {MAX_LINES} 人")
    kind = check_type or check_types()[DEFAULT]
    key = settings.CECERT_ID_HASH_KEY
    rows: list[CheckRow] = []
    digests: dict[str, list[CheckRow]] = {}
    numbers: dict[str, list[CheckRow]] = {}
    for i, raw in enumerate(identifiers, start=1):
        value = normalise(raw)
        if CERT_NUMBER.match(value):
            row = CheckRow(i, value, "certificate_number", check_type=kind)
            numbers.setdefault(value, []).append(row)
        elif ID_NUMBER.match(value):
            row = CheckRow(i, mask_id_number(value), "id_number", check_type=kind)
            digests.setdefault(id_number_digest(value, key), []).append(row)
        else:
            row = CheckRow(i, raw[:3] + "…" if len(raw) > 6 else raw, "invalid", check_type=kind)
        rows.append(row)
    found = people.filter(pk__in=people.filter(certificate_number__in=list(numbers)).values("pk")) | people.filter(
        id_number_digest__in=list(digests)
    )
    matched: dict[int, list[CheckRow]] = {}
    for pk, name, employer, number, digest in found.values_list(
        "pk", "name", "employer__name", "certificate_number", "id_number_digest"
    ):
        for row in numbers.get(number or "", []) + digests.get(digest, []):
            row.person_id, row.name, row.employer, row.certificate_number = pk, name, employer, number or ""
            matched.setdefault(pk, []).append(row)
    if matched:
        ids = list(matched)
        subset = people.filter(pk__in=ids)
        for year, met in status_by_year(subset, range(year_from, year_to + 1)):
            for pk, person_rows in matched.items():
                for row in person_rows:
                    row.years[year] = bool(met.get(pk, False))
        proofs = completion_proofs(ids, year_from, year_to)
        annual = annual_met_certificates(ids, year_from, year_to) if kind.certificate_each_year else {}
        for pk, person_rows in matched.items():
            for row in person_rows:
                row.proofs = proofs.get(pk, [])
                row.certificates = {y: annual[(pk, y)] for y in range(year_from, year_to + 1) if (pk, y) in annual}
    return rows
