"""Pages read Chinese only: no internal codes, no English sentences, local times (issue 15).

Each role's main pages are fetched with a certified conference record (proof kind ``notice``,
audit actions ``record.submitted`` …, a policy version) in the world; the visible text is checked.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cecert.accounts.models import User
from cecert.core.labels import action_label, activity_label, chinese_part, local_time, policy_label, proof_label
from cecert.policies.domain.registry import policy_title
from cecert.records.models import Record
from tests.factories import World, logged_in
from tests.records.factories import CONFERENCE, advanced, declared

# Codes that must never be read on a page.
RAW_CODES = [
    "conference",
    "notice",
    "record.submitted",
    "record.employer_approved",
    "record.certified",
    "records.",
    "employer_approved",
    "hr_officer",
    "employer_admin",
    "industry_officer",
    "@20",  # a policy version id
    "+00:00",  # an ISO timestamp in UTC
]
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))
    return re.sub(r"\S+\.(?:pdf|png|jpe?g|xlsx)\b", " ", text)  # file names are the uploader's words


@pytest.fixture
def record(world: World) -> Record:
    for user in User.objects.all():  # the factory names users after their role code
        user.display_name = "经办人"
        user.save(update_fields=["display_name"])
    for user in world.users.values():
        user.refresh_from_db()
    for person in world.people.values():
        person.user.refresh_from_db()
    return advanced(world, declared(world.people["emp_jinshui"], CONFERENCE))


PAGES = {
    "person_jinshui": ["/", "/records/", "/records/{record}/", "/records/progress/", "/records/declare/"],
    "admin_emp_jinshui": ["/", "/records/", "/records/{record}/"],
    "health": ["/", "/records/{record}/"],
    "hr_province": ["/", "/records/{record}/"],
    "auditor": ["/audit/"],
}
CASES = [(user, url) for user, urls in PAGES.items() for url in urls]


@pytest.mark.parametrize(("user_key", "url"), CASES)
def test_pages_show_words_not_codes_or_english(world: World, record: Record, user_key: str, url: str) -> None:
    response = logged_in(world.users[user_key]).get(url.format(record=record.pk))
    assert response.status_code == 200
    page = response.content.decode()
    if url == "/audit/":  # the before → after column is the stored record, kept verbatim for the auditor
        page = re.sub(r"(?s)<small>.*?</small>", " ", page)
        page = re.sub(r"\b[a-z_]+用户", " ", page)  # actors named by the factory before the fixture renamed them
    text = visible_text(page)
    assert not [code for code in RAW_CODES if code in text], url
    assert not ENGLISH_SENTENCE.findall(text), url


def test_record_page_names_type_proof_actions_and_policy(world: World, record: Record) -> None:
    text = visible_text(logged_in(world.users["person_jinshui"]).get(f"/records/{record.pk}/").content.decode())
    assert activity_label("conference") == "学术会议" and "学术会议" in text
    assert proof_label("notice", "conference") == "会议通知" and "会议通知" in text.split("证明材料", 1)[1]
    assert action_label("record.submitted") in text
    assert policy_title(record.policy_id) in text and "@" not in policy_title(record.policy_id)
    assert "起施行" in policy_label("henan-unknown@2024-01-01")


def test_verification_page_is_cached_per_chinese_only(world: World) -> None:
    assert settings.LANGUAGES == [("zh-hans", "简体中文")]
    response = Client().get("/verify/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.headers.get("Content-Language", "zh-hans") == "zh-hans"
    assert not ENGLISH_SENTENCE.findall(visible_text(response.content.decode()))


def test_times_on_pages_are_local(world: World, record: Record) -> None:
    moment = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)  # 01:30 the next day in Beijing
    Record.objects.filter(pk=record.pk).update(
        provenance=[{**record.provenance[0], "at": moment.isoformat(timespec="seconds")}]
    )
    text = visible_text(logged_in(world.users["person_jinshui"]).get(f"/records/{record.pk}/").content.decode())
    assert "2026-03-02 01:30" in text
    assert "2026-03-01T17:30" not in text and "17:30" not in text
    assert local_time("2026-03-01T17:30:00+00:00").utcoffset() == dt.timedelta(hours=8)
    assert timezone.localtime(moment).hour == 1


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("没有已认定的记录 / no certified records in that year", "没有已认定的记录"),
        ("活动结束日期，决定计入年度 / date the activity ended", "活动结束日期，决定计入年度"),
        (
            "主办单位级别：national 国家部委 / provincial 省级 (organiser level)",
            "主办单位级别：national 国家部委 / provincial 省级",
        ),
        ("只有中文", "只有中文"),
    ],
)
def test_chinese_part(text: str, chinese: str) -> None:
    assert chinese_part(text) == chinese
