"""The public result page and the written-out serial lookup agree with the model path, escape what
they show, and answer a wrong name exactly like an unknown serial."""

from __future__ import annotations

import pytest
from django.test import Client

from cecert.certificates.domain import issuance, verification
from cecert.certificates.models import Certificate
from cecert.verification.result_page import result_page
from tests.certificates.factories import YEAR, full_year
from tests.factories import World


@pytest.fixture
def reissued(world: World) -> tuple[Certificate, Certificate]:
    """A revoked first version (with markup in its reason) and the version that replaces it."""
    person = world.people["emp_jinshui"]
    full_year(person)
    first = issuance.issue_annual_certificate(person, YEAR, by=None)
    second = issuance.reissue_certificate(first, "<script>alert(1)</script> 记录被撤销", by=None)
    assert second is not None
    first.refresh_from_db()
    return first, second


def test_written_out_lookup_gives_the_public_view_of_the_model(reissued: tuple[Certificate, Certificate]) -> None:
    for certificate in reissued:
        found = verification.lookup_serial(certificate.serial)
        assert found is not None
        holder, result = found
        assert holder == certificate.person.name
        assert result.public_views() == [verification.public_view(certificate)]
        assert result.status == ("revoked" if certificate is reissued[0] else "genuine")
    assert verification.lookup_serial("2025-4101-7777777") is None


def test_revoked_page_names_reason_and_successor_escaped(reissued: tuple[Certificate, Certificate]) -> None:
    first, second = reissued
    page = Client().get("/verify/", {"number": first.serial, "name": first.person.name}).content.decode()
    assert 'data-status="revoked"' in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; 记录被撤销" in page
    assert f'<dd class="replaced-by">{second.serial}</dd>' in page
    assert f'data-serial="{first.serial}"' in page and first.issuer.name in page


def test_same_page_for_every_way_of_reading_the_certificate(reissued: tuple[Certificate, Certificate]) -> None:
    _first, second = reissued
    found = verification.lookup_serial(second.serial)
    assert found is not None
    by_lookup = result_page("genuine", found[1].public_views())
    by_model = result_page("genuine", [verification.public_view(second)])
    assert by_lookup == by_model
    assert f"{second.snapshot['hours']['total']} 学时" in by_lookup


def test_tampering_detail_is_escaped_into_the_page() -> None:
    page = result_page("tampered", [], "<b>bad</b> 签名无效")
    assert 'data-status="tampered"' in page and "&lt;b&gt;bad&lt;/b&gt; 签名无效" in page
    assert "@@cecert" not in page


def test_debug_renders_the_frame_each_time(settings: object) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    assert result_page("not_found", []) == result_page("not_found", [])
    assert 'data-status="not_found"' in result_page("not_found", [])
