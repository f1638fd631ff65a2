"""Declare with proof → employer approves → HR (public) / industry authority (professional) certifies →
the person's progress shows the hours; return and resubmit; a foreign officer gets 404 for record and proof."""

from __future__ import annotations

from typing import Any

from cecert.records.models import Record
from tests.browser.conftest import enrolled_officer, login, logout, submit
from tests.factories import PASSWORD, World, build_world
from tests.records.factories import PDF, PNG


def _declare(page: Any, activity_type: str, title: str, fields: dict[str, str], selects: dict[str, str]) -> Record:
    page.goto(f"/records/declare/?type={activity_type}")
    page.fill("#id_title", title)
    page.fill("#id_form", "面授")
    page.fill("#id_start_date", "2025-05-10")
    page.fill("#id_end_date", "2025-05-12")
    page.fill("#id_assessment", "合格")
    for name, value in selects.items():
        page.select_option(f"#id_a-{name}", value)
    for name, value in fields.items():
        if value == "check":
            page.check(f"#id_a-{name}")
        else:
            page.fill(f"#id_a-{name}", value)
    submit(page)
    page.wait_for_selector("#record-state:has-text('草稿')")
    return Record.objects.get(title=title)


def _upload(page: Any, kind: str, name: str, content: bytes, mime: str) -> None:
    page.select_option("#id_kind", kind)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": mime, "buffer": content}])
    submit(page, "#upload")
    page.wait_for_selector(f"text=已上传：{name}")


def _officer(page: Any, world: World, key: str) -> None:
    user = world.users[key]
    login(page, user.username, PASSWORD, enrolled_officer(user))


def test_declare_review_certify_and_progress(page: Any, transactional_db: None) -> None:
    world = build_world()
    person = world.people["emp_zhongyuan"]  # education: counted in hours (the health example counts credits)
    login(page, person.id_number, PASSWORD)
    public = _declare(
        page, "training", "2025年公需科目培训", {"hours": "24"}, {"subject": "public", "organizer": "provincial"}
    )
    _upload(page, "notice", "通知.pdf", PDF, "application/pdf")
    _upload(page, "completion", "结业证书.png", PNG, "image/png")
    submit(page, "#to-submitted")
    page.wait_for_selector("#record-state:has-text('待单位初审')")
    professional = _declare(
        page, "conference", "全国学术年会", {"days": "3", "presented": "check"}, {"level": "national"}
    )
    assert page.inner_text("#record-hours").startswith("24")
    _upload(page, "notice", "会议通知.pdf", PDF, "application/pdf")
    _upload(page, "presentation", "宣读证明.pdf", PDF, "application/pdf")
    submit(page, "#to-submitted")
    page.wait_for_selector("#record-state:has-text('待单位初审')")
    logout(page)

    _officer(page, world, "admin_emp_zhongyuan")
    page.goto("/review/queue/")
    page.check(f"input[name=ids][value='{public.pk}']")
    page.check(f"input[name=ids][value='{professional.pk}']")
    submit(page, "#bulk-approve")
    page.wait_for_selector("text=已处理 2 条记录")
    logout(page)

    _officer(page, world, "hr_zhengzhou")
    page.goto(f"/records/{public.pk}/")
    assert page.locator("#to-certified").count() == 1
    submit(page, "#to-certified")
    page.wait_for_selector("#record-state:has-text('已认定')")
    page.goto(f"/records/{professional.pk}/")  # professional subject: not HR's to certify
    assert page.locator("#to-certified").count() == 0
    logout(page)

    _officer(page, world, "education")
    page.goto(f"/records/{professional.pk}/")
    submit(page, "#to-certified")
    page.wait_for_selector("#record-state:has-text('已认定')")
    logout(page)

    login(page, person.id_number, PASSWORD)
    page.goto("/records/progress/?year=2025")
    assert page.inner_text("#certified-public").strip() == "24"
    assert page.inner_text("#certified-professional").strip() == "24"
    assert page.inner_text("#certified-total").strip() == "48"
    assert "通知" in page.inner_text("#notifications-badge")


def test_return_and_resubmit_then_foreign_officer_gets_404(page: Any, transactional_db: None) -> None:
    world = build_world()
    person = world.people["emp_jinshui"]
    login(page, person.id_number, PASSWORD)
    record = _declare(page, "online_course", "网络课程", {"hours": "10"}, {"subject": "public"})
    _upload(page, "completion", "证明.pdf", PDF, "application/pdf")
    submit(page, "#to-submitted")
    logout(page)

    _officer(page, world, "admin_emp_jinshui")
    page.goto(f"/records/{record.pk}/")
    page.fill("#id_reason", "学习证明不清晰，请重新上传")
    submit(page, "#to-returned")
    page.wait_for_selector("#record-state:has-text('已退回')")
    logout(page)

    login(page, person.id_number, PASSWORD)
    page.goto(f"/records/{record.pk}/")
    assert page.inner_text("#state-reason") == "学习证明不清晰，请重新上传"
    _upload(page, "completion", "清晰证明.pdf", PDF, "application/pdf")
    submit(page, "#to-submitted")
    page.wait_for_selector("#record-state:has-text('待单位初审')")
    logout(page)

    proof = record.proofs.first()
    assert proof is not None
    _officer(page, world, "hr_luoyang")
    response = page.goto(f"/records/{record.pk}/")
    assert response is not None and response.status == 404
    with page.expect_response(f"**/records/proofs/{proof.pk}/") as info:
        page.evaluate(f"fetch('/records/proofs/{proof.pk}/')")
    assert info.value.status == 404
