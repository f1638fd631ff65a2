"""The layout of the current platform's export (docs/moving-in.md): Chinese headers, one file per sheet.

Two files: the people (``人员``) and their past years (``历年学时``). An employer
registering its staff uses the people layout (its own unit may be left out).
Headers are matched by their Chinese title alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cecert.catalogs import sheets
from cecert.catalogs.domain.imports import Column
from cecert.catalogs.enums import ImportKind


@dataclass(frozen=True)
class SheetColumn(Column):
    """A column shown by its Chinese title alone (the report names the column as the sheet does)."""

    @property
    def header(self) -> str:
        return self.title


NAME = SheetColumn("name", "姓名", True, "text", "与身份证一致")
ID_NUMBER = SheetColumn("id_number", "身份证号", True, "text", "18 位公民身份号码，末位可为 X")
CERTIFICATE_NUMBER = SheetColumn(
    "certificate_number",
    "证书编号",
    False,
    "text",
    "原平台的 13 位证书管理号，沿用不变（第十三条）；新注册人员留空，由平台按所在单位分配",
)
EMPLOYER = SheetColumn("employer", "工作单位", True, "text", "工作单位的 18 位统一社会信用代码")
EMPLOYER_OWN = SheetColumn("employer", "工作单位", False, "text", "本单位的统一社会信用代码，可留空")
EMPLOYER_NAME = SheetColumn(
    "employer_name", "工作单位名称", False, "text", "填写时须与统一社会信用代码对应的单位名称一致"
)
TITLE = SheetColumn("title_series", "专业技术职务", False, "text", "如 主治医师、中学一级教师")
SPECIALTY = SheetColumn("specialty", "所学专业", False, "text", "")
EDUCATION = SheetColumn("education", "学历", False, "text", "博士研究生、硕士研究生、大学本科、大学专科、中专及以下")
PHONE = SheetColumn("phone", "手机", False, "text", "11 位手机号码，用于本人设置登录密码")
EMAIL = SheetColumn("email", "电子邮箱", False, "text", "")

PEOPLE_COLUMNS = [
    NAME,
    ID_NUMBER,
    CERTIFICATE_NUMBER,
    EMPLOYER,
    EMPLOYER_NAME,
    TITLE,
    SPECIALTY,
    EDUCATION,
    PHONE,
    EMAIL,
]
STAFF_COLUMNS = [
    NAME,
    ID_NUMBER,
    CERTIFICATE_NUMBER,
    EMPLOYER_OWN,
    EMPLOYER_NAME,
    TITLE,
    SPECIALTY,
    EDUCATION,
    PHONE,
    EMAIL,
]

YEAR = SheetColumn("year", "年度", True, "text", "2017 年起、今年以前的年度")
PUBLIC_HOURS = SheetColumn("public_hours", "公需科目学时", True, "text", "原平台已认定的学时，最多一位小数")
PROFESSIONAL_HOURS = SheetColumn("professional_hours", "专业科目学时", True, "text", "原平台已认定的学时，最多一位小数")
MET = SheetColumn("met", "是否达标", True, "text", "是 或 否（原平台的结论）")
SERIAL = SheetColumn("certificate_serial", "年度证书编号", False, "text", "原平台发放的该年度《证书》编号；无证书留空")
ISSUER = SheetColumn("issuer", "发证机构", False, "text", "发证的人力资源社会保障部门全称（第十二条）；有证书时必填")
ISSUED_ON = SheetColumn("issued_on", "发证日期", False, "text", "YYYY-MM-DD；有证书时必填")
YEAR_COLUMNS = [
    NAME,
    ID_NUMBER,
    SheetColumn("certificate_number", "证书编号", False, "text", "填写时须与该人员的证书管理号一致"),
    YEAR,
    PUBLIC_HOURS,
    PROFESSIONAL_HOURS,
    MET,
    SERIAL,
    ISSUER,
    ISSUED_ON,
]

COLUMNS: dict[str, list[SheetColumn]] = {
    ImportKind.MOVEIN_PEOPLE: PEOPLE_COLUMNS,
    ImportKind.STAFF_PEOPLE: STAFF_COLUMNS,
    ImportKind.MOVEIN_YEARS: YEAR_COLUMNS,
}
SHEET_TITLES: dict[str, str] = {
    ImportKind.MOVEIN_PEOPLE: "人员",
    ImportKind.STAFF_PEOPLE: "人员",
    ImportKind.MOVEIN_YEARS: "历年学时",
}
EXAMPLES: dict[str, list[Any]] = {
    ImportKind.MOVEIN_PEOPLE: [
        "张三",
        "410105198001010017",
        "4101050000123",
        "12410105MB0000001D",
        "金水区人民医院",
        "主治医师",
        "临床医学",
        "大学本科",
        "13800000000",
        "",
    ],
    ImportKind.MOVEIN_YEARS: [
        "张三",
        "410105198001010017",
        "4101050000123",
        2024,
        30,
        60,
        "是",
        "2024-4101-0001234",
        "郑州市人力资源和社会保障局",
        "2025-03-01",
    ],
}
EXAMPLES[ImportKind.STAFF_PEOPLE] = EXAMPLES[ImportKind.MOVEIN_PEOPLE]


def template_bytes(kind: str) -> bytes:
    """The template of one file: headers, a 说明 sheet with each column's meaning and an example row."""
    columns = COLUMNS[kind]
    notes = [(c.header, "必填" if c.required else "选填", c.help) for c in columns]
    return sheets.template_workbook(SHEET_TITLES[kind], [c.header for c in columns], notes, EXAMPLES[kind])
