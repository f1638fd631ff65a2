"""A recognised training base in 金水区 with a classroom and an online program, and builders for sheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from cecert.accounts.models import Membership, Role, User
from cecert.catalogs.domain.bases import (
    BaseApplication,
    ProgramInput,
    apply_for_recognition,
    enrol,
    publish_program,
    transition_base,
)
from cecert.catalogs.enums import RecognitionState
from cecert.catalogs.models import Enrolment, Program
from cecert.organisations.models import Organisation
from tests.factories import PASSWORD, World, region

YEAR = 2026
START, END = dt.date(YEAR, 3, 1), dt.date(YEAR, 3, 3)


@dataclass
class BaseWorld:
    world: World
    base: Organisation
    admin: User
    classroom: Program
    online: Program
    enrolment: Enrolment
    other_base: Organisation
    other_admin: User


def make_base(name: str, region_code: str, username: str, hr: User) -> tuple[Organisation, User]:
    base = apply_for_recognition(
        BaseApplication(
            name=name,
            region=region(region_code),
            scope="卫生",
            admin_username=username,
            admin_name="基地管理员",
            admin_phone="13800000001",
            admin_password=PASSWORD,
        )
    )
    transition_base(base, RecognitionState.RECOGNISED, by=hr)
    admin = Membership.objects.get(organisation=base, role=Role.BASE_ADMIN).user
    admin.refresh_from_db()
    return base, admin


def program(
    base: Organisation,
    admin: User,
    *,
    title: str = "公需科目培训班",
    subject: str = "public",
    form: str = "classroom",
    hours: str = "12",
    capacity: int = 100,
    start: dt.date = START,
    end: dt.date = END,
) -> Program:
    return publish_program(
        base,
        ProgramInput(
            title=title,
            subject=subject,
            form=form,
            hours=Decimal(hours),
            start_date=start,
            end_date=end,
            capacity=capacity,
        ),
        by=admin,
    )


@pytest.fixture
def bw(world: World) -> BaseWorld:
    base, admin = make_base("郑州继续教育基地", "410105", "base_admin", world.users["hr_jinshui"])
    other, other_admin = make_base("洛阳继续教育基地", "410302", "other_base_admin", world.users["hr_luoyang"])
    classroom = program(base, admin)
    online = program(
        base, admin, title="网络公需课", form="online", hours="4", start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31)
    )
    enrolment = enrol(classroom, world.people["emp_jinshui"].certificate_number, by=admin)
    return BaseWorld(world, base, admin, classroom, online, enrolment, other, other_admin)


def csv_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], title: str = "Sheet") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
