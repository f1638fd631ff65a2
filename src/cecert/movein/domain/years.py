"""Past years from the current platform's export: certified amounts, the verdict and the annual certificate.

A row is one person and one year. The person must be registered, approved and
inside the importing department's jurisdiction (anyone else reads as "not
found"), named as registered. Amounts are whole tenths, at most one decimal,
non-negative. The verdict (是否达标) is the current platform's, kept as given:
this platform does not re-judge a year certified elsewhere (ADR 0023). A year's
annual certificate, when the row has one, names the HR department that issued
and sealed it (Articles 12 and 13): an issuing department of this platform,
found by its full name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cecert.accounts.idnumbers import IdNumber, id_number_digest
from cecert.accounts.models import Person, RegistrationState, Role, User
from cecert.accounts.signals import people_moved_in
from cecert.catalogs.domain.imports import (
    DUPLICATE_EXISTING,
    INVALID,
    MISSING,
    NAME_MISMATCH,
    UNKNOWN_PERSON,
    Column,
    Issue,
    parse_date,
)
from cecert.catalogs.models import ImportRun
from cecert.certificates.models import Certificate
from cecert.core.bulk import insert_rows
from cecert.crediting.evaluation import today_in_henan
from cecert.movein.domain.rows import CONFLICT, SheetRows, parse_id_cell, plain_text_problem, record_chunk, tenths
from cecert.movein.models import LegacyYear
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.regions.models import ISSUING_LEVELS

FIRST_YEAR = 2017  # 豫人社〔2017〕121号: the years this platform's rules and proofs cover
_YES = {"是", "达标", "已达标", "合格"}
_NO = {"否", "未达标", "不达标", "不合格"}


@dataclass
class YearRow:
    row: int
    key: str  # "year:<person>:<year>"
    person_id: int
    year: int
    public_tenths: int
    professional_tenths: int
    met: bool
    serial: str | None
    issuer_id: int | None
    issued_on: dt.date | None


class YearsChecker(SheetRows):
    def __init__(self, run: ImportRun, columns: list[Column], index: dict[str, int]) -> None:
        super().__init__(run, columns, index)
        self.scope = Q(employer__jurisdiction_path__startswith=run.organisation.region.path)
        self.issuers = {
            o.name: o.pk
            for o in Organisation.objects.filter(
                kind=OrganisationKind.HR_DEPARTMENT, region__level__in=ISSUING_LEVELS
            ).only("pk", "name")
        }
        self.today = today_in_henan()
        self.hash_key = settings.CECERT_ID_HASH_KEY

    def _people(self, rows: list[tuple[int, list[Any]]]) -> dict[str, tuple[int, str, str | None]]:
        """``{digest: (pk, name, certificate number)}`` of the approved people in scope named in the chunk."""
        digests = set()
        for _, cells in rows:
            raw = self.cell(cells, "id_number")
            if isinstance(raw, str):
                digests.add(id_number_digest(raw, self.hash_key))
        found = Person.objects.filter(self.scope, id_number_digest__in=digests, state=RegistrationState.APPROVED)
        return {
            d: (pk, name, number)
            for d, pk, name, number in found.values_list("id_number_digest", "pk", "name", "certificate_number")
        }

    def _row(self, number: int, cells: list[Any], people: dict[str, tuple[int, str, str | None]]) -> YearRow | Issue:
        raw_id = self.cell(cells, "id_number")
        if raw_id is None:
            return self.issue(number, "id_number", MISSING, "缺少必填字段", "field required")
        identity = parse_id_cell(raw_id)
        if not isinstance(identity, IdNumber):
            return self.issue(number, "id_number", INVALID, *identity)
        person = people.get(id_number_digest(identity.value, self.hash_key))
        if person is None:
            return self.issue(
                number,
                "id_number",
                UNKNOWN_PERSON,
                "本辖区内没有该身份证号码的已注册人员（请先迁入人员名单）",
                "no registered person with this ID number in your jurisdiction (move the people in first)",
            )
        person_id, registered_name, registered_number = person
        if self.text(cells, "name") != registered_name:
            return self.issue(
                number, "name", NAME_MISMATCH, "姓名与身份证号码登记的姓名不一致", "the name does not match"
            )
        certificate_number = self.text(cells, "certificate_number")
        if certificate_number and certificate_number != registered_number:
            return self.issue(
                number,
                "certificate_number",
                INVALID,
                "证书编号与该人员的证书管理号不一致",
                "the certificate number is not this person's",
            )
        year_text = self.text(cells, "year").removesuffix("年")
        if not year_text:
            return self.issue(number, "year", MISSING, "缺少必填字段", "field required")
        if not (year_text.isdigit() and FIRST_YEAR <= int(year_text) < self.today.year):
            return self.issue(
                number,
                "year",
                INVALID,
                f"年度应为 {FIRST_YEAR} 至 {self.today.year - 1} 年之间的已过年度",
                f"the year must be a past year from {FIRST_YEAR}",
            )
        year = int(year_text)
        amounts: dict[str, int] = {}
        for field in ("public_hours", "professional_hours"):
            text = self.text(cells, field)
            if not text:
                return self.issue(number, field, MISSING, "缺少必填字段", "field required")
            value = tenths(text)
            if value is None:
                return self.issue(
                    number,
                    field,
                    INVALID,
                    "学时应为不小于 0、最多一位小数、不超过 1000 的数",
                    "hours: a number from 0 to 1000 with one decimal at most",
                )
            amounts[field] = value
        met_text = self.text(cells, "met")
        if met_text not in _YES | _NO:
            return self.issue(
                number, "met", MISSING if not met_text else INVALID, "应填“是”或“否”", "should be 是 or 否"
            )
        met = met_text in _YES
        if met and not (amounts["public_hours"] or amounts["professional_hours"]):
            return self.issue(number, "met", INVALID, "学时为 0 却标为达标", "marked met with no hours")
        certificate = self._certificate(number, cells, year)
        if isinstance(certificate, Issue):
            return certificate
        serial, issuer_id, issued_on = certificate
        return YearRow(
            number,
            f"year:{person_id}:{year}",
            person_id,
            year,
            amounts["public_hours"],
            amounts["professional_hours"],
            met,
            serial,
            issuer_id,
            issued_on,
        )

    def _certificate(
        self, number: int, cells: list[Any], year: int
    ) -> tuple[str | None, int | None, dt.date | None] | Issue:
        serial = self.text(cells, "certificate_serial")
        issuer = self.text(cells, "issuer")
        issued_raw = self.cell(cells, "issued_on")
        if not serial:
            if issuer or issued_raw is not None:
                return self.issue(
                    number,
                    "certificate_serial",
                    MISSING,
                    "填写了发证机构或发证日期，但缺少年度证书编号",
                    "an issuer or date without the certificate's serial",
                )
            return None, None, None
        if problem := plain_text_problem(serial, 40):
            return self.issue(number, "certificate_serial", INVALID, *problem)
        if not issuer:
            return self.issue(number, "issuer", MISSING, "有年度证书时必须填写发证机构", "the issuer is required")
        issuer_id = self.issuers.get(issuer)
        if issuer_id is None:
            return self.issue(
                number,
                "issuer",
                INVALID,
                "发证机构须为省、省辖市或省直管县（市）人力资源社会保障部门的全称（第十二条）",
                "the issuer must be a provincial, city or province-administered county HR department (Article 12)",
            )
        if issued_raw is None:
            return self.issue(
                number, "issued_on", MISSING, "有年度证书时必须填写发证日期", "the issue date is required"
            )
        issued_on = parse_date(issued_raw)
        if issued_on is None:
            return self.issue(
                number, "issued_on", INVALID, "发证日期应为日期，如 2025-03-01", "should be a date YYYY-MM-DD"
            )
        if not (year <= issued_on.year and issued_on <= self.today):
            return self.issue(
                number,
                "issued_on",
                INVALID,
                "发证日期应在该年度之内或之后，且不晚于今天",
                "the issue date must fall in or after the year and not in the future",
            )
        return serial, issuer_id, issued_on

    def check(self, rows: list[tuple[int, list[Any]]], skip: set[int]) -> tuple[list[YearRow], list[Issue]]:
        people = self._people([r for r in rows if r[0] not in skip])
        candidates, issues = self.parse_rows(rows, skip, lambda number, cells: self._row(number, cells, people))
        existing = set(
            LegacyYear.objects.filter(
                person_id__in={c.person_id for c in candidates}, year__in={c.year for c in candidates}
            ).values_list("person_id", "year")
        )
        serials = {c.serial for c in candidates if c.serial}
        taken = set(
            LegacyYear.objects.filter(certificate_serial__in=serials).values_list("certificate_serial", flat=True)
        )
        taken |= set(Certificate.objects.filter(serial__in=serials).values_list("serial", flat=True))

        def keys(item: YearRow) -> list[tuple[str, str]]:
            return [("year", item.key)] + ([("certificate_serial", f"serial:{item.serial}")] if item.serial else [])

        def against_database(item: YearRow) -> Issue | None:
            if (item.person_id, item.year) in existing:
                return self.issue(
                    item.row, "year", DUPLICATE_EXISTING, "该人员该年度已迁入", "this year was already moved in"
                )
            if item.serial in taken:
                return self.issue(
                    item.row,
                    "certificate_serial",
                    CONFLICT,
                    "该年度证书编号已被平台上的其他证书使用",
                    "another certificate already has this serial",
                )
            return None

        accepted, rejected = self.keep_first(candidates, keys, against_database)
        return accepted, sorted(issues + rejected, key=lambda i: i.row)


CHECKER = YearsChecker


def ledger_keys(run: ImportRun, checker: YearsChecker) -> set[int]:
    done: set[int] = set()
    rows = LegacyYear.objects.filter(run=run).values_list("row_number", "person_id", "year", "certificate_serial")
    for row, person_id, year, serial in rows.iterator(chunk_size=5000):
        checker.seen[f"year:{person_id}:{year}"] = row
        if serial:
            checker.seen[f"serial:{serial}"] = row
        done.add(row)
    return done


def write(run: ImportRun, accepted: list[YearRow], by: User) -> int:
    now = timezone.now()
    insert_rows(
        LegacyYear,
        (
            "person_id",
            "year",
            "public_tenths",
            "professional_tenths",
            "met",
            "certificate_serial",
            "issuer_id",
            "issued_on",
            "run_id",
            "row_number",
            "source_sha256",
            "imported_by_id",
            "imported_at",
        ),
        [
            (
                a.person_id,
                a.year,
                a.public_tenths,
                a.professional_tenths,
                a.met,
                a.serial,
                a.issuer_id,
                a.issued_on,
                run.pk,
                a.row,
                run.sha256,
                by.pk,
                now,
            )
            for a in accepted
        ],
    )
    record_chunk(
        run,
        [a.row for a in accepted],
        by=by,
        action="movein.years_imported",
        role=Role.HR_OFFICER,
        after={"certificates": sum(1 for a in accepted if a.serial), "years": sorted({a.year for a in accepted})},
    )
    # A past year's status now reads these amounts and verdicts: the employers' kept figures follow.
    employers = set(Person.objects.filter(pk__in={a.person_id for a in accepted}).values_list("employer_id", flat=True))
    people_moved_in.send(sender=Person, employer_ids=employers, years={a.year for a in accepted})
    return len(accepted)
