"""Builders for records: declared through the real domain functions, proofs as real tiny files."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from cecert.accounts.models import Person, User
from cecert.crediting.schemas import ActivityAdapter
from cecert.records.domain.declaring import Declaration, add_proof, declare_record
from cecert.records.enums import RecordState
from cecert.records.models import Record
from cecert.records.proofs import required_proofs
from cecert.review.domain.workflow import transition_record
from tests.factories import World


def pdf_bytes(pages: int = 1) -> bytes:
    """A genuine (tiny) PDF: blank A4 pages written by pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (16, 12)) -> bytes:
    """A genuine (tiny) PNG or JPEG drawn by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = pdf_bytes()
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")

PUBLIC_TRAINING: dict[str, Any] = {"type": "training", "subject": "public", "organizer": "provincial", "hours": 24}
CONFERENCE: dict[str, Any] = {"type": "conference", "level": "national", "days": 3, "presented": True}


def declaration(end: dt.date = dt.date(2025, 6, 30), title: str = "公需科目培训", days: int = 2) -> Declaration:
    return Declaration(
        title=title, start_date=end - dt.timedelta(days=days), end_date=end, form="面授", assessment="合格"
    )


def declared(
    person: Person,
    activity: dict[str, Any] | None = None,
    *,
    by: User | None = None,
    end: dt.date = dt.date(2025, 6, 30),
    proofs: bool = True,
    title: str = "公需科目培训",
) -> Record:
    model = ActivityAdapter.validate_python(activity or PUBLIC_TRAINING)
    actor = by or person.user
    record = declare_record(person, model, declaration(end, title), by=actor)
    if proofs:
        for requirement in required_proofs(record.activity_type, record.activity):
            add_proof(record, kind=requirement.kind, name=f"{requirement.kind}.pdf", content=PDF, by=actor)
    return record


def certifier_for(world: World, record: Record) -> User:
    if record.subject == "professional":
        return world.users["health"] if record.person.employer.industry.code == "health" else world.users["education"]
    return world.users["hr_province"]


def advanced(world: World, record: Record, to: str = RecordState.CERTIFIED) -> Record:
    """Walk a draft through the chain up to ``to`` with the right people."""
    person = record.person
    admin = world.users[f"admin_{next(k for k, p in world.people.items() if p.pk == person.pk)}"]
    record = transition_record(record, RecordState.SUBMITTED, by=person.user)
    if to == RecordState.SUBMITTED:
        return record
    record = transition_record(record, RecordState.EMPLOYER_APPROVED, by=admin)
    if to == RecordState.EMPLOYER_APPROVED:
        return record
    return transition_record(record, RecordState.CERTIFIED, by=certifier_for(world, record))
