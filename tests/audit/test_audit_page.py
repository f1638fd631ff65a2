from __future__ import annotations

from tests.factories import World, logged_in


def test_only_the_auditor_reads_the_trail(world: World) -> None:
    page = logged_in(world.users["auditor"]).get("/audit/", {"action": "registration"})
    assert page.status_code == 200 and "注册审核通过" in page.content.decode()  # the action in words
    for key in ("sysadmin", "hr_province", "admin_emp_jinshui", "person_jinshui"):
        assert logged_in(world.users[key]).get("/audit/").status_code == 404
