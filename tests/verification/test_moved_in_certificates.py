"""Public verification of annual certificates moved in from the current platform (ADR 0023).

Such a serial answers ``moved_in``: the register entry as recorded (masked holder, year, issuer, dates,
the recorded verdict) and that this platform did not sign it — never "genuine". A wrong name answers like
an unknown serial, a serial not moved in is not found, and the API says exactly what the page says.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client

from cecert.certificates.domain import verification
from cecert.core import cache as shared_cache
from cecert.crediting.evaluation import today_in_henan
from tests.factories import World
from tests.movein.conftest import moved_in_with_a_year
from tests.redis_server import REDIS, redis_cache, redis_up

LAST = today_in_henan().year - 1
FREE_TEXT = f"ZZ-{LAST}-000500"  # how the current platform numbered its certificates (any text up to 40)
OUR_SHAPE = f"{LAST}-4101-0000500"  # a serial shaped like this platform's: the page's cached path


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "private")


def result(page: str) -> str:
    return page[page.index('<section id="verify-result"') : page.index("</section>")]


def ask(client: Client, number: str, name: str) -> str:
    return client.get("/verify/", {"number": number, "name": name}).content.decode()


def api(client: Client, number: str, name: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/certificates/verify", {"number": number, "name": name}, content_type="application/json"
    )
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture(params=["off", "locmem", "redis"])
def page_cache(request: pytest.FixtureRequest, settings: Any) -> None:
    """Without the page cache, with it in this process, and in a real Redis as in production."""
    if request.param == "off":
        settings.CECERT_VERIFY_CACHE_SECONDS = 0
        return
    settings.CECERT_VERIFY_CACHE_SECONDS = 60
    if request.param == "redis":
        if not redis_up():
            pytest.skip(f"Redis is not running at {REDIS}")
        redis.Redis.from_url(REDIS).flushdb()
        settings.CACHES = redis_cache(REDIS)


@pytest.mark.parametrize("serial", [FREE_TEXT, OUR_SHAPE], ids=["free_text", "our_shape"])
def test_a_moved_in_serial_shows_the_register_entry_and_says_it_is_not_signed_here(
    world: World, page_cache: None, serial: str
) -> None:
    person = moved_in_with_a_year(world, LAST, "30", "60.5", "是", serial=serial)
    page = result(ask(Client(), serial, "李四"))
    assert 'data-status="moved_in"' in page
    moved_in_on = today_in_henan().isoformat()
    assert f"该证书由原平台发放，于 {moved_in_on} 迁入本平台。" in page
    assert "没有本平台的数字签名" in page and "无（本平台未签发、未签章）" in page
    for fact in (serial, "李*", str(LAST), world.orgs["hr_zhengzhou"].name, f"{LAST + 1}-03-01", "已达到要求"):
        assert html.escape(fact) in page, fact
    # Nothing that would read as a verdict on the document, and nothing more of the person.
    assert "证书真实有效" not in page and 'data-status="genuine"' not in page
    for private in ("李四", person.id_number, person.id_number_masked, person.certificate_number, "60.5", "90.5"):
        assert private not in page, private
    # Asked again it is read again (a moved-in answer is never kept in the page cache).
    assert result(ask(Client(), serial, "李四")) == page
    assert shared_cache.get(verification.public_cache_key(serial, "zh-hans")) is None


def test_a_serial_typed_in_small_letters_is_found(world: World) -> None:
    moved_in_with_a_year(world, LAST, "30", "60.5", "是", serial=FREE_TEXT)
    assert 'data-status="moved_in"' in ask(Client(), FREE_TEXT.lower(), "李四")


def test_a_year_recorded_short_says_so(world: World) -> None:
    moved_in_with_a_year(world, LAST, "10", "20", "否", serial=FREE_TEXT)
    page = result(ask(Client(), FREE_TEXT, "李四"))
    assert 'data-status="moved_in"' in page and "未达到要求" in page and "已达到要求" not in page


@pytest.mark.parametrize("serial", [FREE_TEXT, OUR_SHAPE], ids=["free_text", "our_shape"])
def test_a_wrong_name_answers_like_a_serial_never_moved_in(world: World, page_cache: None, serial: str) -> None:
    moved_in_with_a_year(world, LAST, "30", "60.5", "是", serial=serial)
    client = Client()
    wrong = result(ask(client, serial, "张三"))
    unknown = result(ask(client, serial[:-1] + "9", "李四"))
    assert wrong == unknown and 'data-status="not_found"' in wrong
    assert (
        api(client, serial, "张三")
        == api(client, serial[:-1] + "9", "李四")
        == {
            "status": "not_found",
            "detail": "",
            "certificates": [],
        }
    )


def test_a_serial_not_moved_in_is_not_found(world: World) -> None:
    """The year was moved in without a certificate: neither its data nor anyone's serial answers."""
    person = moved_in_with_a_year(world, LAST, "30", "60.5", "是")
    client = Client()
    for number in (FREE_TEXT, OUR_SHAPE, "原平台证书", person.certificate_number, "x" * 40):
        assert 'data-status="not_found"' in ask(client, number, "李四"), number
        assert api(client, number, "李四")["status"] == "not_found"


def test_the_api_answers_what_the_page_shows_and_nothing_more(world: World) -> None:
    person = moved_in_with_a_year(world, LAST, "30", "60.5", "是", serial=FREE_TEXT)
    client = Client()
    data = api(client, FREE_TEXT, "李四")
    assert data["status"] == "moved_in" and data["detail"] == ""
    [view] = data["certificates"]
    assert view == {
        "serial": FREE_TEXT,
        "kind": "legacy_annual",
        "kind_label": "原平台年度证书（迁入）",
        "status": "moved_in",
        "signed": False,
        "holder_name": "李*",
        "year_from": LAST,
        "year_to": LAST,
        "met": True,
        "issuer": world.orgs["hr_zhengzhou"].name,
        "issued_on": f"{LAST + 1}-03-01",
        "moved_in_on": today_in_henan().isoformat(),
    }
    page = result(ask(client, FREE_TEXT, "李四"))
    for key in ("serial", "kind_label", "holder_name", "year_from", "issuer", "issued_on", "moved_in_on"):
        assert html.escape(str(view[key])) in page, key
    text = json.dumps(data, ensure_ascii=False)
    for private in ("李四", person.id_number, person.id_number_masked, person.certificate_number, "60.5"):
        assert private not in text, private


def test_the_number_and_name_answer_is_the_same_in_the_domain(world: World) -> None:
    moved_in_with_a_year(world, LAST, "30", "60.5", "是", serial=FREE_TEXT)
    found = verification.verify_by_number(FREE_TEXT, "李 四")  # names compare without spaces
    assert found.status == "moved_in" and not found.is_genuine and not found.is_suspicious
    assert found.certificate is None and found.as_dict()["certificates"] == found.public_views()
