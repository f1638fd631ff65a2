"""Set-based record creation for imports: the bulk twin of ``register_completion`` and ``declare_record``.

Creating 100,000 records one by one through ``cecert.records.domain.declaring``
costs two audit-chain appends, a row lock and a notification per record. This
module writes the same rows in chunks (``COPY`` on PostgreSQL) and is equivalent
field for field (``tests/catalogs/test_bulk_equivalence.py`` compares a bulk
record with one made by ``register_completion``):

* the activity is validated by the crediting Pydantic schemas and credited by
  the engine under the person's year policy (``year_policy``, cached per
  policy inputs and year), with ``activity_to_json``, ``result_fields`` and
  ``dedupe_key`` from the records app;
* the state is what the one transition function would reach: ``draft`` for
  an employer's import (the employer then adds proofs and submits), or
  ``submitted`` for a base's import: it waits for the employer's first review
  like every record (Article 11(1); no channel skips a step);
* the audit trail gets one entry per chunk naming every record created and its
  state, and the people who must act are notified once per chunk.

Callers check scope, duplicates and closed years before calling (the import
pipeline does, row by row, and reports what it refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from cecert.accounts.models import Person, Role, User
from cecert.audit.domain import record as audit
from cecert.core.bulk import insert_rows_returning_ids
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.evaluation import evaluate
from cecert.crediting.policies import Policy
from cecert.crediting.schemas import ActivityModel
from cecert.organisations.models import Organisation
from cecert.records.domain.closing import year_is_closed
from cecert.records.domain.crediting import activity_to_json, policy_inputs, result_fields, year_policy
from cecert.records.domain.declaring import Declaration, dedupe_key
from cecert.records.enums import Channel, RecordState
from cecert.records.models import Record

if TYPE_CHECKING:
    from django.db.models import Model


class PolicyCache:
    """Year policies and closed years, looked up once per (policy inputs, year) during an import."""

    def __init__(self) -> None:
        self._policies: dict[tuple[str, str | None, int], Policy] = {}
        self._closed: dict[int, bool] = {}
        self.results: dict[tuple[Hashable, str], tuple[dict[str, Any], dict[str, Any]]] = {}

    def policy(self, employer: Organisation, year: int) -> Policy:
        region_code, industry = policy_inputs(employer)
        key = (region_code, industry, year)
        if key not in self._policies:
            self._policies[key] = year_policy(employer, year)
        return self._policies[key]

    def closed(self, year: int) -> bool:
        if year not in self._closed:
            self._closed[year] = year_is_closed(year)
        return self._closed[year]


def record_fields(
    person_id: int,
    employer: Organisation,
    activity: ActivityModel,
    declaration: Declaration,
    cache: PolicyCache,
    *,
    memo: Hashable | None = None,
) -> dict[str, Any]:
    """Record fields exactly as ``declaring._fields`` computes them (raises ``CreditingInputError``).

    ``memo`` names an activity and declaration that repeat across rows (a program's completions): the
    engine's result depends only on them and the policy, so it is computed once per (memo, policy).
    """
    year = declaration.end_date.year
    policy = cache.policy(employer, year)
    key = (memo, policy.id) if memo is not None else None
    if key is not None and key in cache.results:
        data, credited = cache.results[key]
    else:
        dated = activity.model_copy(update={"date": declaration.end_date})
        credited = result_fields(evaluate(dated, policy))
        data = activity_to_json(dated)
        if key is not None:
            cache.results[key] = (data, credited)
    return {
        "year": year,
        "activity_type": data["type"],
        "activity": data,
        "title": declaration.title.strip(),
        "form": declaration.form.strip(),
        "start_date": declaration.start_date,
        "end_date": declaration.end_date,
        "assessment": declaration.assessment.strip(),
        "dedupe_key": dedupe_key(person_id, data, declaration.start_date, declaration.end_date),
        **credited,
        # Article 4 references, already checked by the caller (``program_references``)
        "guide_course_id": getattr(declaration.guide_course, "pk", None),
        "catalog_item_id": getattr(declaration.catalog_item, "pk", None),
    }


@dataclass(frozen=True, slots=True)
class PersonRef:
    """The few columns of a person an import needs (no model instance per row)."""

    pk: int
    name: str
    state: str
    employer_id: int
    user_id: int

    @classmethod
    def of(cls, person: Person) -> PersonRef:
        return cls(person.pk, person.name, person.state, person.employer_id, person.user_id)


@dataclass(frozen=True, slots=True)
class BulkRecord:
    person: PersonRef
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Registered:
    """A record just written by ``bulk_register`` (no model instance per row)."""

    pk: int
    subject: str


def record_rows(
    items: list[BulkRecord],
    *,
    channel: str,
    by: User,
    source: Organisation | None,
    to_state: str,
    now: dt.datetime | None = None,
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """Every ``Record`` column (by attribute name, but the key) and one row of values per item, in the
    state the transition function would have put the record in.

    Columns no item and no state sets take the model field's default (``""``, NULL), computed once: what
    ``Record(...)`` would hold, without building 2,000 model instances per chunk.
    """
    now = now or timezone.now()
    provenance = {
        "channel": channel,
        "by": by.pk,
        "by_label": str(by),
        "source": source.pk if source is not None else None,
        "at": now.isoformat(timespec="seconds"),
    }
    fields = [f for f in Record._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {f.attname: f.get_default() for f in fields}  # as Record(...) would
    common = {
        **defaults,
        "channel": channel,
        "source_id": source.pk if source is not None else None,
        "created_by_id": by.pk,
        "provenance": [provenance],
        "state": to_state,
        "state_changed_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if to_state != RecordState.DRAFT:
        common["submitted_at"] = now
    columns = tuple(f.attname for f in fields)
    rows = []
    for item in items:
        values = {**common, **item.fields, "person_id": item.person.pk}
        rows.append(tuple(values[c] for c in columns))
    return columns, rows


# Article 11: a bulk registration never certifies nor first-reviews anything on its own.
BULK_STATES = (RecordState.DRAFT, RecordState.SUBMITTED)


def bulk_register(
    items: list[BulkRecord],
    *,
    channel: str,
    by: User,
    source: Organisation | None,
    to_state: str,
    audit_obj: Model,
) -> list[Registered]:
    """Insert one chunk of records, audit it once and notify who must act. Runs in the caller's transaction."""
    if to_state not in BULK_STATES:
        raise ValueError(f"bulk registration lands records as draft or submitted only, not {to_state}")
    if not items:
        return []
    columns, rows = record_rows(items, channel=channel, by=by, source=source, to_state=to_state)
    ids = insert_rows_returning_ids(Record, columns, rows)
    records = [Registered(pk, item.fields["subject"]) for pk, item in zip(ids, items, strict=True)]
    role = Role.BASE_ADMIN if channel in (Channel.BASE, Channel.ONLINE) else Role.EMPLOYER_ADMIN
    audit(
        "record.bulk_registered" if source is not None else "record.bulk_draft",
        actor=by,
        role=role,
        obj=audit_obj,
        after={
            "state": to_state,
            "channel": channel,
            "source": source.pk if source else None,
            "count": len(ids),
            "records": ids,
        },
    )
    _notify(items, records, to_state, source)
    return records


def _notify(items: list[BulkRecord], records: list[Registered], to_state: str, source: Organisation | None) -> None:
    from cecert.review.domain.notifications import employer_admins, notify

    if source is None or not records:
        return  # an employer's own drafts wait for the employer itself
    name = source.name
    if to_state == RecordState.SUBMITTED:
        employers = {item.person.employer_id for item in items}
        for employer_id in sorted(employers):
            count = sum(1 for item in items if item.person.employer_id == employer_id)
            notify(employer_admins(employer_id), f"继续教育基地“{name}”登记的 {count} 条记录待初审")


__all__ = [
    "BulkRecord",
    "CreditingInputError",
    "PolicyCache",
    "Registered",
    "bulk_register",
    "record_fields",
    "record_rows",
]
