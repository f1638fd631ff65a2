"""Moving in: the current platform's export as sheets, and running it through the import machinery."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from cecert.accounts.idnumbers import make_id_number
from cecert.accounts.models import User
from cecert.catalogs.domain.imports import check_import, commit_import, create_import
from cecert.catalogs.models import ImportRun
from cecert.movein.domain.layout import PEOPLE_COLUMNS, YEAR_COLUMNS
from cecert.organisations.models import Organisation
from tests.catalogs.conftest import csv_bytes, xlsx_bytes

PEOPLE_HEADER = [c.title for c in PEOPLE_COLUMNS]
YEAR_HEADER = [c.title for c in YEAR_COLUMNS]

__all__ = ["PEOPLE_HEADER", "YEAR_HEADER", "csv_bytes", "xlsx_bytes"]


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "private")


def new_id(n: int, region: str = "410105") -> str:
    import datetime as dt

    return make_id_number(region, dt.date(1975, 1, 1) + dt.timedelta(days=n), 500 + n % 400)


def person_row(
    name: str,
    id_number: str,
    number: str = "",
    employer: Organisation | str | None = None,
    **extra: str,
) -> list[Any]:
    """One row of the people layout (columns in ``PEOPLE_HEADER`` order)."""
    uscc = employer.uscc if isinstance(employer, Organisation) else (employer or "")
    values = {
        "姓名": name,
        "身份证号": id_number,
        "证书编号": number,
        "工作单位": uscc,
        "工作单位名称": "",
        "专业技术职务": "主治医师",
        "所学专业": "临床医学",
        "学历": "大学本科",
        "手机": "13800000001",
        "电子邮箱": "",
        **extra,
    }
    return [values[h] for h in PEOPLE_HEADER]


def year_row(
    name: str, id_number: str, year: Any, public: Any, professional: Any, met: str = "是", **extra: Any
) -> list[Any]:
    values = {
        "姓名": name,
        "身份证号": id_number,
        "证书编号": "",
        "年度": year,
        "公需科目学时": public,
        "专业科目学时": professional,
        "是否达标": met,
        "年度证书编号": "",
        "发证机构": "",
        "发证日期": "",
        **extra,
    }
    return [values[h] for h in YEAR_HEADER]


def upload(org: Organisation, kind: str, content: bytes, by: User, name: str = "export.xlsx") -> ImportRun:
    run, _ = create_import(org, kind=kind, filename=name, content=io.BytesIO(content), by=by)
    return run


def dry_run(
    org: Organisation, kind: str, rows: list[list[Any]], by: User, header: list[str] | None = None, *, csv: bool = False
) -> ImportRun:
    """``csv``: a CSV export, whose cells are all text (an .xlsx writer would store ``=…`` as a formula)."""
    default = PEOPLE_HEADER if kind != "movein_years" else YEAR_HEADER
    sheet = [header or default, *rows]
    if csv:
        return check_import(upload(org, kind, csv_bytes(sheet), by, name="export.csv"))
    return check_import(upload(org, kind, xlsx_bytes(sheet), by))


def imported(org: Organisation, kind: str, rows: list[list[Any]], by: User) -> ImportRun:
    run = dry_run(org, kind, rows, by)
    return commit_import(run, by=by)


def issues_of(run: ImportRun) -> list[tuple[int, str, str, str]]:
    return [(i.row, i.column, i.code, i.message_zh) for i in run.issues.order_by("row", "pk")]


def moved_in_with_a_year(
    world: Any, year: int, public: str, professional: str, met: str, *, serial: str = "", name: str = "李四"
) -> Any:
    """``name``, moved in by 郑州 with number 4101050000500 and one past year (with its annual certificate
    ``serial``, issued by 郑州 on 1 March of the next year, when given). Returns the person."""
    from cecert.accounts.models import Person
    from cecert.catalogs.enums import ImportKind

    hr, officer = world.orgs["hr_zhengzhou"], world.users["hr_zhengzhou"]
    imported(
        hr,
        ImportKind.MOVEIN_PEOPLE,
        [person_row(name, new_id(1), "4101050000500", world.orgs["emp_jinshui"])],
        officer,
    )
    certificate = {"年度证书编号": serial, "发证机构": hr.name, "发证日期": f"{year + 1}-03-01"} if serial else {}
    row = year_row(name, new_id(1), year, public, professional, met, **certificate)
    imported(hr, ImportKind.MOVEIN_YEARS, [row], officer)
    return Person.objects.get(certificate_number="4101050000500")
