"""What certificates read of a year: the same whichever path asks (one person, or a batch of a department).

A year moved in from the current platform (ADR 0023) adds its certified amounts to the records certified
here, and its verdict is the year status's, for single issuance and for batch issuance alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cecert.accounts.models import Person
from cecert.certificates.crypto.qr_payload import format_hours
from cecert.certificates.domain import issuance, sources
from cecert.certificates.domain.rendering import to_render_snapshot
from cecert.certificates.models import Certificate
from cecert.core.errors import DomainError
from cecert.crediting.evaluation import today_in_henan
from cecert.records.domain.closing import year_is_closed
from cecert.records.models import PersonYear, YearClosing
from tests.certificates.factories import certified_record
from tests.factories import World
from tests.movein.conftest import moved_in_with_a_year

LAST = today_in_henan().year - 1


@pytest.fixture(autouse=True)
def _keys_and_files(settings: Any, tmp_path: Path) -> None:
    settings.CECERT_AUTO_CREATE_KEYS = True
    settings.MEDIA_ROOT = str(tmp_path / "private")


def moved_in_person(world: World, *, public: str, professional: str, met: str) -> Person:
    """李四, moved in with the year ``LAST`` as the current platform certified it."""
    return moved_in_with_a_year(world, LAST, public, professional, met, serial=f"ZZ-{LAST}-000500")


def close_or_open(world: World, closed: bool) -> None:
    deadline = dt.date(LAST + 1, 1, 31) if closed else today_in_henan() + dt.timedelta(days=30)
    YearClosing.objects.create(year=LAST, deadline=deadline, set_by=world.users["hr_province"])
    assert year_is_closed(LAST) is closed


def batch_certificate(world: World, person: Person) -> Certificate | None:
    batch = issuance.start_batch(world.orgs["hr_zhengzhou"], LAST, by=world.users["hr_zhengzhou"])
    issuance.issue_annual_batch(batch)
    return Certificate.objects.filter(person=person, batch=batch).first()


def content(certificate: Certificate) -> dict[str, Any]:
    """What the certificate states, without what only its issuance differs by (serial, date, key)."""
    keep = ("hours", "met", "required", "records", "moved_in", "year_from", "year_to", "certificate_number")
    return {k: certificate.snapshot.get(k) for k in keep}


def hours_and_verdict(status: sources.YearStatus) -> tuple[str, str, str, bool]:
    public, professional, total = status.public_hours, status.professional_hours, status.total_hours
    return format_hours(public), format_hours(professional), format_hours(total), status.met


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("here", [False, True], ids=["nothing_here", "records_here"])
def test_one_person_and_a_batch_read_a_moved_in_year_alike(world: World, closed: bool, here: bool) -> None:
    person = moved_in_person(world, public="10", professional="40.5", met="否")
    if here:
        certified_record(person, subject="public", hours=14, year=LAST)
        certified_record(person, subject="professional", hours=30, year=LAST)
    close_or_open(world, closed)
    single = sources.certified_year(person, LAST)
    [(_, batch)] = sources.certified_years([person], LAST).items()
    assert batch == single
    assert single.moved_in is not None and single.moved_in["certificate_serial"] == f"ZZ-{LAST}-000500"
    if here:
        # 24 public, 70.5 professional, 94.5 in all: Article 5's 90 / 24 / 60 are reached together.
        assert hours_and_verdict(single) == ("24", "70.5", "94.5", True)
    else:
        assert hours_and_verdict(single) == ("10", "40.5", "50.5", False)


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_batch_and_single_issuance_state_the_same_moved_in_year(world: World, closed: bool) -> None:
    person = moved_in_person(world, public="10", professional="40.5", met="否")
    certified_record(person, subject="public", hours=14, year=LAST)
    certified_record(person, subject="professional", hours=30, year=LAST)
    close_or_open(world, closed)

    from_batch = batch_certificate(world, person)
    assert from_batch is not None
    assert from_batch.snapshot["hours"] == {"public": "24", "professional": "70.5", "total": "94.5"}
    assert from_batch.snapshot["met"] is True
    assert from_batch.snapshot["moved_in"]["certificate_serial"] == f"ZZ-{LAST}-000500"
    # The PDF's table lists the moved-in amounts beside the records, so its rows add up to the total.
    rows = to_render_snapshot(from_batch).records
    assert sum(r.hours for r in rows) == Decimal("94.5")
    assert [(r.record_type, r.subject, r.hours) for r in rows[-2:]] == [
        ("原平台迁入", "public", 10),
        ("原平台迁入", "professional", Decimal("40.5")),
    ]
    # Issued one by one now, the content is the same: the batch's certificate is returned, not replaced.
    single = issuance.issue_annual_certificate(person, LAST, by=world.users["hr_zhengzhou"])
    assert single.pk == from_batch.pk and Certificate.objects.filter(person=person).count() == 1

    # And the other way round: issued one by one first, a batch finds it unchanged.
    issuance.revoke_certificate(single, "重新发放测试", by=None)
    again = issuance.issue_annual_certificate(person, LAST, by=None)
    assert content(again) == content(from_batch)
    batch = issuance.start_batch(world.orgs["hr_zhengzhou"], LAST, by=None)
    done = issuance.issue_annual_batch(batch)
    assert (done.issued, done.unchanged) == (0, 1)


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_a_moved_in_year_without_records_here_gets_no_annual_certificate_either_way(world: World, closed: bool) -> None:
    """ADR 0023: the current platform's certificate is not re-signed; a completion proof states the year."""
    person = moved_in_person(world, public="30", professional="60.5", met="是")
    close_or_open(world, closed)
    assert batch_certificate(world, person) is None
    with pytest.raises(DomainError) as exc:
        issuance.issue_annual_certificate(person, LAST, by=None)
    assert exc.value.message_zh == issuance.ERR_NO_RECORDS
    proof = issuance.issue_completion_proof(person, LAST, LAST, by=person.user)
    assert proof.snapshot["hours"] == {"public": "30", "professional": "60.5", "total": "90.5"}
    assert proof.snapshot["met"] is True


def test_a_year_with_nothing_certified_anywhere_reads_the_same_both_ways(world: World) -> None:
    person = world.people["emp_jinshui"]
    single = sources.certified_year(person, LAST)
    assert single.records == () and single.moved_in is None and single.total_hours == 0
    assert sources.certified_years([person], LAST) == {person.pk: single}
    # nothing to judge: no requirement row is opened for the year (a proof may span 30 empty years)
    assert not PersonYear.objects.filter(person=person, year=LAST).exists()


def test_a_proof_over_moved_in_years_alone_is_reissued_not_dropped(world: World) -> None:
    person = moved_in_person(world, public="30", professional="60.5", met="是")
    proof = issuance.issue_completion_proof(person, LAST, LAST, by=person.user)
    new = issuance.reissue_certificate(proof, "更正", by=None)
    assert new is not None and new.replaces_id == proof.pk and new.snapshot["years"][0]["moved_in"]


@pytest.mark.parametrize("here", [False, True], ids=["nothing_here", "records_here"])
def test_the_issuing_list_holds_a_moved_in_year_only_with_records_certified_here(world: World, here: bool) -> None:
    """The list offers whom issuing accepts: a moved-in year alone gets no annual certificate here."""
    from cecert.certificates.domain.eligibility import EligibilityFilters, eligible_people, selected_people

    person = moved_in_person(world, public="10", professional="40.5", met="否")
    if here:
        certified_record(person, subject="public", hours=14, year=LAST)
        certified_record(person, subject="professional", hours=30, year=LAST)
    department, officer = world.orgs["hr_zhengzhou"], world.users["hr_zhengzhou"]
    rows = eligible_people(department, EligibilityFilters(year=LAST), user=officer).filter(pk=person.pk)
    if here:
        [row] = rows
        assert (str(row.earned_public), str(row.earned_professional), row.met) == ("24.0", "70.5", True)
        assert [r.pk for r in selected_people(department, LAST, [person.pk], user=officer)] == [person.pk]
    else:
        assert not rows.exists()
        with pytest.raises(DomainError):
            selected_people(department, LAST, [person.pk], user=officer)
