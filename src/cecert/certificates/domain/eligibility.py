"""Who an issuing department may give a year's certificate to, and how the issuing page explains it.

* :func:`eligible_people` — the department's people (Article 12) with something certified in the year,
  each annotated with the year's status and their current certificate: ONE query over the maintained
  certified sums (``records_certifiedyearsum`` ⋈ ``PersonYear``), never a loop over people;
* :func:`selected_people` — the rows of an officer's selection, checked against that same set;
* :func:`who_issues` — the sentence a user whose department does not issue reads instead of a form;
* :func:`lookup_number` — a certificate management number typed on the issuing page, answered as
  "not found", "issued by another department (and which)" or the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from cecert.accounts.models import Person, RegistrationState, Role, User
from cecert.certificates.domain import sources
from cecert.certificates.domain.issuance import issued_people, issuer_for, issuing_departments_of
from cecert.certificates.domain.signing_keys import department_name_for
from cecert.certificates.models import Certificate, CertificateKind, CertificateStatus
from cecert.core.errors import DomainError
from cecert.organisations.models import Organisation
from cecert.regions.models import PROVINCE_CODE, Region, RegionLevel

NUMBER_RE = re.compile(r"^\d{13}$")
ERR_NUMBER_FORMAT = "证书管理号应为13位数字"
ERR_NUMBER_NOT_FOUND = "未找到该证书编号"
ARTICLE_12 = (
    "依照《河南省专业技术人员继续教育证书管理办法》第十二条，《证书》发放实行分级管理："
    "省辖市、省直管县（市）专业技术人员的《证书》由省辖市、省直管县（市）人力资源社会保障部门发放，"
    "省直单位专业技术人员的《证书》由省人力资源社会保障厅发放。"
)


@dataclass(frozen=True)
class EligibilityFilters:
    """The issuing page's filters; ``None`` means "either"."""

    year: int
    region: Region | None = None
    employer: str = ""  # part of the employer's name
    met: bool | None = None
    issued: bool | None = None


def _valid_annual(year: int) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        person=OuterRef("pk"),
        kind=CertificateKind.ANNUAL,
        year_from=year,
        year_to=year,
        status=CertificateStatus.VALID,
    )


def eligible_people(
    department: Organisation, filters: EligibilityFilters, *, user: User, ensure: bool = True
) -> QuerySet[Any]:
    """The department's approved people with certified records in ``filters.year``, as one query.

    Rows carry ``year_status``'s annotations (``earned_*``, ``required_*``, ``shortfall_*``, ``met``)
    and ``certificate_serial`` / ``certificate_id`` of the valid annual certificate, if any. Also
    restricted to what ``user`` may see (fail closed). ``ensure=False`` (a count that does not ask
    about the requirement) leaves missing requirement rows uncreated.
    """
    if not ensure and filters.met is not None:
        raise ValueError("met/not met needs the requirement rows (ensure=True)")
    people = Person.objects.restrict(user).filter(
        issued_people(department), state=RegistrationState.APPROVED, certificate_number__isnull=False
    )
    if filters.region is not None:
        people = people.filter(employer__region__path__startswith=filters.region.path)
    if filters.employer:
        people = people.filter(employer__name__icontains=filters.employer)
    valid = _valid_annual(filters.year)
    rows = sources.certified_year_status(people, filters.year, ensure=ensure).annotate(
        certificate_serial=Subquery(valid.values("serial")[:1]),
        certificate_id=Subquery(valid.values("verification_id")[:1]),
    )
    if filters.met is not None:
        rows = rows.filter(met=filters.met)
    if filters.issued is not None:
        rows = rows.filter(certificate_serial__isnull=not filters.issued)
    return rows.select_related("employer", "employer__region").order_by("employer__name", "name", "pk")


def selected_people(department: Organisation, year: int, ids: Iterable[int], *, user: User) -> list[Any]:
    """The selected people as eligible rows; every id must be one (else a DomainError naming how many not)."""
    wanted = set(ids)
    rows = list(eligible_people(department, EligibilityFilters(year=year), user=user).filter(pk__in=wanted))
    if len(rows) != len(wanted):
        missing = len(wanted) - len(rows)
        raise DomainError(
            "people",
            f"所选人员中有 {missing} 人不由本部门发证或该年度没有已认定的学时，请重新选择",
            f"{missing} selected people are not this department's or have nothing certified that year",
        )
    return rows


def region_choices(department: Organisation) -> list[Region]:
    """Regions to filter by: the areas directly below the department's region (the province: its cities)."""
    children = Region.objects.filter(parent=department.region)
    if department.region.level == RegionLevel.PROVINCE:
        # The province issues for provincial-direct units wherever they are: filter by city.
        children = children.filter(level=RegionLevel.CITY)
    return list(children.order_by("code"))


# ---------------------------------------------------------------- explanations


def _issuer_name(region: Region) -> str:
    """The name of the HR department of an issuing region (registered, or its customary name)."""
    org = Organisation.objects.filter(kind="hr", region=region).only("name").first()
    return org.name if org is not None else department_name_for(region)


def who_issues(user: User) -> list[str]:
    """Sentences for a user whose department does not issue certificates: who issues theirs, and why.

    Empty for officers of an issuing department (they get the issuing page instead).
    """
    if issuing_departments_of(user):
        return []
    sentences: list[str] = []
    for org in user.organisations_for(Role.HR_OFFICER):
        issuing = org.region.issuing_region
        sentences.append(
            f"{org.region.name}专业技术人员的《证书》由{_issuer_name(issuing)}发放；"
            "县（区）人力资源社会保障部门负责审核、认定本辖区的继续教育学时，不发放《证书》。"
        )
    if user.organisations_for(Role.INDUSTRY_OFFICER):
        sentences.append(
            "行业主管部门负责认定专业科目学时，不发放《证书》；"
            "所管单位人员的《证书》由单位所在省辖市、省直管县（市）人力资源社会保障部门发放，省直单位由省人力资源社会保障厅发放。"
        )
    for employer in user.organisations_for(Role.EMPLOYER_ADMIN):
        region = (
            Region.objects.get(code=PROVINCE_CODE) if employer.provincial_direct else employer.region.issuing_region
        )
        sentences.append(f"{employer.name}专业技术人员的《证书》由{_issuer_name(region)}发放。")
    return [ARTICLE_12, *sentences] if sentences else []


@dataclass(frozen=True)
class NumberLookup:
    """What a typed certificate management number is on the issuing page."""

    message: str = ""  # why there is nothing to issue (not found, another department's person)
    person: Person | None = None


def lookup_number(user: User, number: str) -> NumberLookup:
    """``number`` as typed: format, then existence within what ``user`` may see, then Article 12.

    A number outside the user's jurisdiction answers exactly like one that does not exist.
    """
    number = number.strip()
    if not NUMBER_RE.match(number):
        return NumberLookup(ERR_NUMBER_FORMAT)
    person = (
        Person.objects.restrict(user)
        .filter(certificate_number=number)
        .select_related("employer", "employer__region")
        .first()
    )
    if person is None:
        return NumberLookup(ERR_NUMBER_NOT_FOUND)
    try:
        issuer = issuer_for(person)
    except DomainError as exc:  # the issuing department is not registered yet
        return NumberLookup(exc.message_zh)
    if not any(o.pk == issuer.pk for o in issuing_departments_of(user)):
        return NumberLookup(
            f"{person.name}（{number}）的《证书》由{issuer.name}发放（《办法》第十二条），本部门不能发放。"
        )
    return NumberLookup(person=person)
