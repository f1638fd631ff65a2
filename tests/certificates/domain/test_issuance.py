"""Issuing: Article 12 authority, idempotency, revocation and reissue, completion proofs, audit."""

from __future__ import annotations

import pytest

from cecert.audit.models import AuditEntry
from cecert.certificates.domain import issuance
from cecert.certificates.models import Certificate, CertificateStatus, ImmutableError
from cecert.core.errors import DomainError
from tests.certificates.factories import YEAR, certified_record, full_year
from tests.factories import World

# Who may issue for whom (Article 12): only the issuing department of the person.
ISSUERS = {
    "emp_jinshui": "hr_zhengzhou",
    "emp_zhongyuan": "hr_zhengzhou",
    "emp_luoyang": "hr_luoyang",
    "emp_gongyi": "hr_gongyi",
    "emp_provincial": "hr_province",
}
OFFICERS = ["hr_province", "hr_zhengzhou", "hr_jinshui", "hr_luoyang", "hr_gongyi", "admin_emp_jinshui", "health"]


@pytest.mark.parametrize("person_key", sorted(ISSUERS))
def test_issuer_is_the_department_article_12_names(world: World, person_key: str) -> None:
    assert issuance.issuer_for(world.people[person_key]) == world.orgs[ISSUERS[person_key]]


@pytest.mark.parametrize("officer", OFFICERS)
@pytest.mark.parametrize("person_key", sorted(ISSUERS))
def test_only_the_issuing_department_may_issue(world: World, officer: str, person_key: str) -> None:
    person = world.people[person_key]
    allowed = ISSUERS[person_key] == officer
    assert issuance.may_issue(world.users[officer], person) is allowed
    if not allowed:
        with pytest.raises(DomainError) as exc:
            issuance.issue_annual_certificate(person, YEAR, by=world.users[officer])
        assert exc.value.message_zh == issuance.ERR_NOT_ISSUER


def test_city_cannot_issue_for_another_city_or_provincial_direct(world: World) -> None:
    for key in ("emp_luoyang", "emp_provincial", "emp_gongyi"):
        full_year(world.people[key])
        with pytest.raises(DomainError):
            issuance.issue_annual_certificate(world.people[key], YEAR, by=world.users["hr_zhengzhou"])
    assert Certificate.objects.count() == 0


def test_issuing_twice_gives_the_same_certificate(world: World) -> None:
    person = world.people["emp_jinshui"]
    full_year(person)
    first = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    second = issuance.issue_annual_certificate(person, YEAR, by=world.users["hr_zhengzhou"])
    assert second.pk == first.pk
    assert Certificate.objects.filter(person=person).count() == 1
    assert first.issuer == world.orgs["hr_zhengzhou"]
    assert first.signing_key.department == world.orgs["hr_zhengzhou"]
    snap = first.snapshot
    assert snap["hours"] == {"public": "24", "professional": "72", "total": "96"}
    assert snap["met"] is True
    assert snap["certificate_number"] == person.certificate_number
    assert snap["masked_id"] == person.id_number_masked
    assert snap["issuer"]["name"] == world.orgs["hr_zhengzhou"].name
    assert len(snap["records"]) == 3
    assert first.serial.startswith(f"{YEAR}-4101-")
    assert AuditEntry.objects.filter(action="certificates.issued", object_id=str(first.pk)).count() == 1


def test_no_certified_records_no_certificate(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        issuance.issue_annual_certificate(world.people["emp_jinshui"], YEAR, by=None)
    assert exc.value.message_zh == issuance.ERR_NO_RECORDS


def test_new_certified_record_reissues_naming_the_old_version(world: World) -> None:
    person = world.people["emp_jinshui"]
    certified_record(person, subject="public", hours=24)
    first = issuance.issue_annual_certificate(person, YEAR, by=None)
    assert first.snapshot["met"] is False
    full_year(person)
    second = issuance.issue_annual_certificate(person, YEAR, by=None)
    first.refresh_from_db()
    assert (second.version, second.replaces, first.status) == (2, first, CertificateStatus.REVOKED)
    assert first.revocation_reason == issuance.REASON_CHANGED
    assert second.snapshot["replaces_serial"] == first.serial


def test_issued_certificate_is_immutable_and_never_deleted(world: World) -> None:
    person = world.people["emp_jinshui"]
    full_year(person)
    cert = issuance.issue_annual_certificate(person, YEAR, by=None)
    cert.snapshot = {**cert.snapshot, "met": False}
    with pytest.raises(ImmutableError):
        cert.save()
    with pytest.raises(ImmutableError):
        cert.delete()
    with pytest.raises(ImmutableError):
        Certificate.objects.filter(pk=cert.pk).delete()


def test_revocation_needs_a_reason_and_the_issuing_department(world: World) -> None:
    person = world.people["emp_jinshui"]
    full_year(person)
    cert = issuance.issue_annual_certificate(person, YEAR, by=None)
    with pytest.raises(DomainError):
        issuance.revoke_certificate(cert, "  ", by=world.users["hr_zhengzhou"])
    with pytest.raises(DomainError):
        issuance.revoke_certificate(cert, "错误", by=world.users["hr_luoyang"])
    revoked = issuance.revoke_certificate(cert, "材料不实", by=world.users["hr_zhengzhou"])
    assert (revoked.status, revoked.revocation_reason) == (CertificateStatus.REVOKED, "材料不实")
    assert AuditEntry.objects.filter(action="certificates.revoked", object_id=str(cert.pk)).exists()
    with pytest.raises(DomainError):
        issuance.revoke_certificate(cert, "again", by=world.users["hr_zhengzhou"])


def test_overturned_record_revokes_and_reissues_through_the_signal(world: World) -> None:
    from cecert.review.domain.workflow import transition_record

    person = world.people["emp_jinshui"]
    public, *_ = full_year(person)
    extra = certified_record(person, subject="professional", hours=10)
    cert = issuance.issue_annual_certificate(person, YEAR, by=None)
    transition_record(extra, "overturned", by=world.users["hr_zhengzhou"], reason="证明材料不实")
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED
    assert "证明材料不实" in cert.revocation_reason
    new = cert.replaced_by
    assert new.version == 2 and new.replaces_id == cert.pk and new.status == CertificateStatus.VALID
    assert extra.pk not in issuance.relied_record_ids(new)
    assert public.pk in issuance.relied_record_ids(new)
    assert new.snapshot["hours"]["total"] == "96"


def test_overturn_of_an_unused_record_leaves_certificates_alone(world: World) -> None:
    from cecert.certificates.domain.sources import OverturnedRecord

    person = world.people["emp_jinshui"]
    full_year(person)
    cert = issuance.issue_annual_certificate(person, YEAR, by=None)
    assert issuance.reissue_after_overturn(OverturnedRecord(id=10**9, person_id=person.pk, year=YEAR)) == []
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.VALID


def test_completion_proof_by_person_or_employer_only(world: World) -> None:
    person = world.people["emp_jinshui"]
    full_year(person, YEAR - 1)
    full_year(person, YEAR)
    proof = issuance.issue_completion_proof(person, YEAR - 1, YEAR, by=person.user)
    assert proof.kind == "completion_proof"
    assert [y["year"] for y in proof.snapshot["years"]] == [YEAR - 1, YEAR]
    assert proof.snapshot["hours"]["total"] == "192"
    assert proof.serial.startswith("P")
    again = issuance.issue_completion_proof(person, YEAR - 1, YEAR, by=world.users["admin_emp_jinshui"])
    assert again.pk == proof.pk
    for outsider in ("admin_emp_luoyang", "hr_luoyang", "health"):
        with pytest.raises(DomainError):
            issuance.issue_completion_proof(person, YEAR - 1, YEAR, by=world.users[outsider])
    with pytest.raises(DomainError):
        issuance.issue_completion_proof(person, YEAR, YEAR - 1, by=person.user)


def test_batch_issues_the_departments_people_once_and_resumes(world: World) -> None:
    for key in ISSUERS:
        full_year(world.people[key])
    batch = issuance.start_batch(world.orgs["hr_zhengzhou"], YEAR, by=world.users["hr_zhengzhou"])
    done = issuance.issue_annual_batch(batch, chunk_size=1)
    assert (done.status, done.total, done.issued, done.unchanged) == ("done", 2, 2, 0)
    issued = set(Certificate.objects.filter(batch=batch).values_list("person_id", flat=True))
    assert issued == {world.people["emp_jinshui"].pk, world.people["emp_zhongyuan"].pk}
    # Same certificates as one-by-one issuance would give.
    single = issuance.issue_annual_certificate(world.people["emp_jinshui"], YEAR, by=None)
    assert single.batch_id == batch.pk
    rerun = issuance.issue_annual_batch(batch)
    assert (rerun.issued, rerun.unchanged) == (0, 2)
    assert Certificate.objects.count() == 2


def test_batch_only_for_own_issuing_department(world: World) -> None:
    with pytest.raises(DomainError):
        issuance.start_batch(world.orgs["hr_luoyang"], YEAR, by=world.users["hr_zhengzhou"])
    with pytest.raises(DomainError):
        issuance.start_batch(world.orgs["hr_jinshui"], YEAR, by=world.users["hr_jinshui"])
