"""Which people a report covers: the officer's jurisdiction, narrowed to one drill-down node.

Everything starts from ``person_scope`` (fail-closed: no role, nothing) and is
then narrowed, never widened. A node the officer may not see (a region outside
their subtree, an employer outside their scope) is refused with
``OutOfScope``, which pages and the API turn into 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from cecert.accounts.jurisdiction import person_scope
from cecert.accounts.models import Person, RegistrationState, Role
from cecert.organisations.models import Organisation, OrganisationKind
from cecert.regions.models import Region, RegionLevel

if TYPE_CHECKING:
    from cecert.accounts.models import User

REPORT_ROLES = (Role.HR_OFFICER, Role.INDUSTRY_OFFICER, Role.EMPLOYER_ADMIN)


class OutOfScope(Exception):
    """The requested node is not in the officer's jurisdiction (shown as 404)."""


@dataclass(frozen=True)
class Node:
    """Where the officer is looking: a region subtree, a region's directly attached units, or one employer."""

    kind: str  # "region" | "direct" | "employer"
    region: Region | None = None
    employer: Organisation | None = None

    @property
    def label(self) -> str:
        if self.kind == "employer" and self.employer is not None:
            return self.employer.name
        assert self.region is not None
        if self.kind == "direct":
            return f"{self.region.name}{direct_units_label(self.region)}"
        return self.region.name

    def query(self) -> dict[str, str]:
        """URL parameters that select this node."""
        if self.kind == "employer" and self.employer is not None:
            return {"employer": str(self.employer.pk)}
        assert self.region is not None
        if self.kind == "direct":
            return {"region": self.region.code, "direct": "1"}
        return {"region": self.region.code}

    def person_filter(self) -> Q:
        if self.kind == "employer" and self.employer is not None:
            return Q(employer_id=self.employer.pk)
        assert self.region is not None
        if self.kind == "direct":
            return Q(employer__jurisdiction_path=self.region.path)
        return Q(employer__jurisdiction_path__startswith=self.region.path)


def direct_units_label(region: Region) -> str:
    return {
        RegionLevel.PROVINCE: "省直单位",
        RegionLevel.CITY: "市直单位",
        RegionLevel.DIRECT_COUNTY: "直属单位",
    }.get(region.level, "直属单位")  # type: ignore[call-overload]


@dataclass
class ReportScope:
    """One officer's view: their jurisdiction (``people``) and the node they drilled down to."""

    user: User
    node: Node
    roots: list[Node] = field(default_factory=list)

    @property
    def base_people(self) -> QuerySet[Person]:
        """Approved people of the officer's whole jurisdiction."""
        return Person.objects.filter(person_scope(self.user), state=RegistrationState.APPROVED)

    @property
    def people(self) -> QuerySet[Person]:
        """Approved people of the jurisdiction under the current node."""
        return self.base_people.filter(self.node.person_filter())

    def breadcrumbs(self) -> list[Node]:
        """From the officer's root down to the node (only nodes they may open)."""
        if self.node.kind == "employer" and self.node.employer is not None:
            trail = self._region_trail(self.node.employer.jurisdiction_path)
            employer_region = self.node.employer.jurisdiction_path
            if trail and trail[-1].region is not None and trail[-1].region.path == employer_region:
                region = trail[-1].region
                if Region.objects.filter(parent=region).exists():
                    trail.append(Node("direct", region=region))
            return [*trail, self.node]
        assert self.node.region is not None
        trail = self._region_trail(self.node.region.path)
        return [*trail, self.node] if self.node.kind == "direct" else trail

    def _region_trail(self, path: str) -> list[Node]:
        codes = [c for c in path.split("/") if c]
        regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [
            Node("region", region=regions[c]) for c in codes if c in regions and region_allowed(self.user, regions[c])
        ]


def officer_roots(user: User) -> list[Node]:
    """The top nodes of a user's jurisdiction: their HR/industry regions, then their employers."""
    roots: list[Node] = []
    seen: set[str] = set()
    for membership in user.active_memberships:
        org = membership.organisation
        if org is None:
            continue
        if membership.role in (Role.HR_OFFICER, Role.INDUSTRY_OFFICER) and org.region.code not in seen:
            seen.add(org.region.code)
            roots.append(Node("region", region=org.region))
    for membership in user.active_memberships:
        if membership.role == Role.EMPLOYER_ADMIN and membership.organisation is not None:
            roots.append(Node("employer", employer=membership.organisation))
    return roots


def region_allowed(user: User, region: Region) -> bool:
    """HR and industry officers open any region of their subtree."""
    return any(
        m.organisation is not None and region.path.startswith(m.organisation.region.path)
        for m in user.active_memberships
        if m.role in (Role.HR_OFFICER, Role.INDUSTRY_OFFICER)
    )


def employer_allowed(user: User, employer_id: int) -> Organisation:
    """The employer if it is in the officer's scope, else ``OutOfScope``."""
    org = (
        Organisation.objects.restrict(user)
        .filter(kind=OrganisationKind.EMPLOYER, pk=employer_id)
        .select_related("region", "industry")
        .first()
    )
    if org is None:
        raise OutOfScope
    # Same reading as ``person_scope`` (``organisation_scope`` is wider for system administrators).
    if not _employer_has_scope(user, org):
        raise OutOfScope
    return org


def _employer_has_scope(user: User, org: Organisation) -> bool:
    for m in user.active_memberships:
        if m.organisation is None:
            continue
        if m.role == Role.EMPLOYER_ADMIN and m.organisation.pk == org.pk:
            return True
        if m.role == Role.HR_OFFICER and org.jurisdiction_path.startswith(m.organisation.region.path):
            return True
        if (
            m.role == Role.INDUSTRY_OFFICER
            and org.industry_id == m.organisation.industry_id
            and org.jurisdiction_path.startswith(m.organisation.region.path)
        ):
            return True
    return False


def report_scope(user: User, *, region: str = "", direct: bool = False, employer: str = "") -> ReportScope:
    """The scope for a report request; ``OutOfScope`` for anything the user may not open.

    With no parameters: the user's first root (their HR/industry region, or their employer).
    """
    if not getattr(user, "is_authenticated", False) or not (user.roles & set(REPORT_ROLES)):
        raise OutOfScope
    roots = officer_roots(user)
    if not roots:
        raise OutOfScope
    if employer:
        if not employer.isdigit():
            raise OutOfScope
        return ReportScope(user, Node("employer", employer=employer_allowed(user, int(employer))), roots)
    if region:
        found = Region.objects.filter(code=region).first()
        if found is None or not region_allowed(user, found):
            raise OutOfScope
        return ReportScope(user, Node("direct" if direct else "region", region=found), roots)
    return ReportScope(user, roots[0], roots)


def person_in_scope(user: User, pk: int) -> Person:
    """A person the officer may report on (any registration state), else ``OutOfScope``."""
    if not getattr(user, "is_authenticated", False) or not (user.roles & set(REPORT_ROLES)):
        raise OutOfScope
    person = (
        Person.objects.filter(person_scope(user), pk=pk)
        .select_related("employer", "employer__region", "employer__industry")
        .first()
    )
    if person is None:
        raise OutOfScope
    return person
