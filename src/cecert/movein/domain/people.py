"""People from the current platform's export, or an employer's staff in bulk: checked, then registered set-based.

A row is a person: identity (name, ID number, checked as at registration),
employer (by USCC, inside the importer's reach), profile fields, and the
Article 13 certificate number, kept when given (``numbers``). Rejections name
the row and the column. Against the database, per chunk and in one query
each: an ID number already registered, a certificate number held by someone
else. Within the file: the same ID number or certificate number twice.

Moved-in people are registered and approved at once (they were on the current
platform; a staff list is the employer's own approval, Article 2's registration
reviewed by the employer) with a login that has no password yet: the person
sets one through the forgotten-password code sent to the phone on file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from cecert.accounts.idnumbers import IdNumber, id_number_digest, mask_id_number
from cecert.accounts.models import PERSON_LOGIN_PREFIX, Education, Person, RegistrationState, Role, User
from cecert.accounts.signals import people_moved_in
from cecert.catalogs.domain.imports import DUPLICATE_EXISTING, INVALID, MISSING, Column, Issue
from cecert.catalogs.enums import ImportKind
from cecert.catalogs.models import ImportRun
from cecert.core.bulk import insert_rows, insert_rows_returning_ids
from cecert.core.crypto import encrypt_text
from cecert.core.errors import DomainError
from cecert.movein.domain import numbers
from cecert.movein.domain.rows import (
    CONFLICT,
    SheetRows,
    employers_in_reach,
    parse_id_cell,
    plain_text_problem,
    record_chunk,
)
from cecert.movein.models import MovedInPerson
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.organisations.uscc import uscc_problem
from cecert.regions.domain import certificate_prefix

EDUCATION_BY_LABEL = {str(label): value for value, label in Education.choices}
_PHONE_DIGITS = 11


@dataclass
class PersonRow:
    row: int
    key: str  # "id:<digest>", the natural key
    identity: IdNumber
    digest: str
    name: str
    number: str  # "" when a new one is to be allocated under ``prefix`` (the employer's, Article 13)
    prefix: str
    employer: Organisation
    profile: dict[str, str]


class PeopleChecker(SheetRows):
    def __init__(self, run: ImportRun, columns: list[Column], index: dict[str, int]) -> None:
        super().__init__(run, columns, index)
        self.importer = run.organisation
        self.prefixes = numbers.known_prefixes()
        self.reach = employers_in_reach(self.importer)
        self.employers: dict[str, Organisation | None] = {}
        self.hash_key = settings.CECERT_ID_HASH_KEY

    # -- one row, by itself
    def _employer(self, uscc: str) -> Organisation | None:
        if uscc not in self.employers:
            self.employers[uscc] = (
                Organisation.objects.filter(self.reach, uscc=uscc).select_related("region", "region__parent").first()
            )
        return self.employers[uscc]

    def _row(self, number: int, cells: list[Any]) -> PersonRow | Issue:
        name = self.text(cells, "name")
        if problem := self.name_problem(name):
            return self.issue(number, "name", MISSING if not name else INVALID, *problem)
        raw_id = self.cell(cells, "id_number")
        if raw_id is None:
            return self.issue(number, "id_number", MISSING, "缺少必填字段", "field required")
        identity = parse_id_cell(raw_id)
        if not isinstance(identity, IdNumber):
            return self.issue(number, "id_number", INVALID, *identity)
        certificate_number = self.text(cells, "certificate_number")
        if certificate_number and (problem := numbers.number_problem(certificate_number, self.prefixes)):
            return self.issue(number, "certificate_number", INVALID, *problem)
        employer = self._row_employer(number, cells)
        if isinstance(employer, Issue):
            return employer
        prefix = ""
        if not certificate_number:
            try:
                prefix = certificate_prefix(employer.region, provincial_direct=employer.provincial_direct)
            except DomainError as exc:
                return self.issue(number, "employer", INVALID, exc.message_zh, exc.message_en)
        profile: dict[str, str] = {}
        for field, limit in (("title_series", 64), ("specialty", 64)):
            value = self.text(cells, field)
            if problem := plain_text_problem(value, limit):
                return self.issue(number, field, INVALID, *problem)
            profile[field] = value
        education = self.text(cells, "education")
        if education and education not in EDUCATION_BY_LABEL:
            return self.issue(
                number,
                "education",
                INVALID,
                "学历应为：" + "、".join(EDUCATION_BY_LABEL),
                "unknown education level",
            )
        profile["education"] = EDUCATION_BY_LABEL.get(education, "")
        phone = self.text(cells, "phone")
        if phone and not (len(phone) == _PHONE_DIGITS and phone.isdigit() and phone.startswith("1")):
            return self.issue(number, "phone", INVALID, "手机号码应为 11 位数字", "the phone number has 11 digits")
        profile["phone"] = phone
        email = self.text(cells, "email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                return self.issue(number, "email", INVALID, "电子邮箱格式不正确", "not an e-mail address")
        profile["email"] = email
        digest = id_number_digest(identity.value, self.hash_key)
        return PersonRow(number, f"id:{digest}", identity, digest, name, certificate_number, prefix, employer, profile)

    def _row_employer(self, number: int, cells: list[Any]) -> Organisation | Issue:
        uscc = self.text(cells, "employer").upper()
        if not uscc:
            if self.importer.kind == OrganisationKind.EMPLOYER:
                return self.importer
            return self.issue(number, "employer", MISSING, "缺少必填字段", "field required")
        if problem := uscc_problem(uscc):
            return self.issue(number, "employer", INVALID, *problem)
        employer = self._employer(uscc)
        if employer is None:
            zh = (
                "不是本单位的统一社会信用代码"
                if self.importer.kind == OrganisationKind.EMPLOYER
                else "本辖区内没有该统一社会信用代码的已审核用人单位"
            )
            return self.issue(number, "employer", INVALID, zh, "no approved employer with this code within your reach")
        employer_name = self.text(cells, "employer_name")
        if employer_name and employer_name != employer.name:
            return self.issue(
                number,
                "employer_name",
                INVALID,
                f"单位名称与统一社会信用代码不符（平台登记为“{employer.name}”）",
                "the name does not match the employer of this code",
            )
        return employer

    # -- the chunk
    def check(self, rows: list[tuple[int, list[Any]]], skip: set[int]) -> tuple[list[PersonRow], list[Issue]]:
        candidates, issues = self.parse_rows(rows, skip, self._row)
        registered = set(
            Person.objects.filter(id_number_digest__in=[c.digest for c in candidates]).values_list(
                "id_number_digest", flat=True
            )
        )
        held = set(
            Person.objects.filter(certificate_number__in=[c.number for c in candidates if c.number]).values_list(
                "certificate_number", flat=True
            )
        )

        def keys(item: PersonRow) -> list[tuple[str, str]]:
            return [("id_number", item.key)] + ([("certificate_number", f"no:{item.number}")] if item.number else [])

        def against_database(item: PersonRow) -> Issue | None:
            if item.digest in registered:
                return self.issue(
                    item.row,
                    "id_number",
                    DUPLICATE_EXISTING,
                    "该身份证号码已在平台注册",
                    "this ID number is already registered",
                )
            if item.number in held:
                return self.issue(
                    item.row,
                    "certificate_number",
                    CONFLICT,
                    "该证书编号已属于平台上的其他人员",
                    "another person already holds this certificate number",
                )
            return None

        accepted, rejected = self.keep_first(candidates, keys, against_database)
        return accepted, sorted(issues + rejected, key=lambda i: i.row)


CHECKER = PeopleChecker


def ledger_keys(run: ImportRun, checker: PeopleChecker) -> set[int]:
    """Rows already committed (a resumed import skips them); their keys still count for duplicates."""
    done: set[int] = set()
    for row, digest, number in (
        MovedInPerson.objects.filter(run=run)
        .values_list("row_number", "person__id_number_digest", "person__certificate_number")
        .iterator(chunk_size=5000)
    ):
        checker.seen[f"id:{digest}"] = row
        checker.seen[f"no:{number}"] = row
        done.add(row)
    return done


def write(run: ImportRun, accepted: list[PersonRow], by: User) -> int:
    """Register one chunk: users, people, provenance and ledger rows, each one set-based insert."""
    now = timezone.now()
    kept_rows = {a.row for a in accepted if a.number}
    kept = [a.number for a in accepted if a.number]
    # Counters first move past the kept numbers, so the numbers allocated next cannot collide with them.
    numbers.advance_past(kept)
    new = [a for a in accepted if not a.number]
    if new:
        for item, allocated in zip(new, numbers.allocate([a.prefix for a in new]), strict=True):
            item.number = allocated
    user_ids = insert_rows_returning_ids(
        User,
        ("username", "password", "display_name", "phone", "email", "is_active", "date_joined", "password_must_change"),
        [
            (
                PERSON_LOGIN_PREFIX + a.digest,
                make_password(None),
                a.name,
                a.profile["phone"],
                a.profile["email"],
                True,
                now,
                False,
            )
            for a in accepted
        ],
    )
    person_ids = insert_rows_returning_ids(
        Person,
        (
            "user_id",
            "id_number_digest",
            "id_number_encrypted",
            "id_number_masked",
            "name",
            "gender",
            "birth_date",
            "education",
            "specialty",
            "title_series",
            "employer_id",
            "state",
            "state_reason",
            "certificate_number",
            "registered_at",
            "approved_at",
        ),
        [
            (
                user_id,
                a.digest,
                encrypt_text(a.identity.value),
                mask_id_number(a.identity.value),
                a.name,
                a.identity.gender,
                a.identity.birth_date,
                a.profile["education"],
                a.profile["specialty"],
                a.profile["title_series"],
                a.employer.pk,
                RegistrationState.APPROVED,
                "",
                a.number,
                now,
                now,
            )
            for a, user_id in zip(accepted, user_ids, strict=True)
        ],
    )
    insert_rows(
        MovedInPerson,
        ("person_id", "run_id", "row_number", "source_sha256", "imported_by_id", "imported_at", "kept_number"),
        [
            (pk, run.pk, a.row, run.sha256, by.pk, now, a.row in kept_rows)
            for a, pk in zip(accepted, person_ids, strict=True)
        ],
    )
    record_chunk(
        run,
        [a.row for a in accepted],
        by=by,
        action="movein.people_registered",
        role=Role.EMPLOYER_ADMIN if run.kind == ImportKind.STAFF_PEOPLE else Role.HR_OFFICER,
        after={"kept_numbers": len(kept), "new_numbers": len(new), "people": person_ids},
    )
    # New approved people count in their employers' kept figures of every year.
    people_moved_in.send(sender=Person, employer_ids={a.employer.pk for a in accepted}, years=None)
    return len(accepted)
