"""Input schemas: one strict Pydantic model per Article 7 activity type.

The same models feed validation, the OpenAPI schema and a generated HTML form,
so every model and field carries a Chinese ``title`` and a bilingual
``description``. Validation is strict on purpose: a string where a number is
expected, a bool where a count is expected, or a misspelt field name is an
error, never silently coerced or defaulted (the contract forbids silent zeros).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

# Sanity bounds. They keep Decimal products far inside the default 28-digit
# precision (so arithmetic stays exact) and refuse absurd input on a public API.
MAX_HOURS = Decimal(10000)
MAX_TEN_THOUSAND_CHARS = Decimal(10000)
MAX_DAYS = 366
MAX_MONTHS = 1200
MAX_COUNT = 1000
MAX_RANK = 1000
MAX_ITEMS = 1000

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Subject(StrEnum):
    """Article 4 subjects."""

    PUBLIC = "public"
    PROFESSIONAL = "professional"


def _exact_decimal(value: Any) -> Decimal:
    """Accept a JSON number (int, float or Decimal) and return it as an exact Decimal.

    Floats come from ``json.loads`` and are converted through ``str`` so that the
    number the user typed (``0.1``) is kept, not its binary approximation.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        result = Decimal(str(value))
    if not result.is_finite():
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return result


def _iso_date(value: Any) -> date:
    """Accept only an existing calendar date written ``YYYY-MM-DD`` (or a ``date``)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "Input should be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "date_invalid", "Input is not an existing calendar date: {value}", {"value": value}
        ) from None


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _positive_number_schema(maximum: Decimal) -> WithJsonSchema:
    """OpenAPI/form schema for an exact decimal: a JSON number (strings are refused)."""
    return WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": int(maximum)})


Hours = Annotated[
    ExactDecimal,
    Field(gt=0, le=MAX_HOURS, decimal_places=1),
    _positive_number_schema(MAX_HOURS),
]


def _f(zh_title: str, description: str, **kwargs: Any) -> Any:
    """Field with a Chinese title (form label) and bilingual description."""
    return Field(title=zh_title, description=description, **kwargs)


SubjectField = Annotated[
    Literal["public", "professional"],
    _f("科目", "科目：public 公需科目 / professional 专业科目 (Article 4 subject)"),
]
HoursField = Annotated[Hours, _f("学时", "学时数（>0，最多一位小数） / hours (>0, one decimal at most)")]
DateField = Annotated[
    IsoDate | None,
    _f(
        "日期",
        "活动结束或取得日期（YYYY-MM-DD，缺省为当天），决定适用的政策版本和计入年度 / "
        "date the activity ended or was obtained; picks the policy and the year (default today)",
        default=None,
    ),
]


def _rank_field(zh_title: str, en: str) -> Any:
    return _f(zh_title, f"{zh_title}（按职责排序，从 1 开始） / {en} (1 = first)", ge=1, le=MAX_RANK)


class _Activity(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    date: DateField


class TrainingBase(_Activity):
    model_config = ConfigDict(title="继续教育基地培训班", json_schema_extra={"clause": "7(1)"})

    type: Literal["training_base"] = _f("活动类型", "活动类型 / activity type")
    subject: SubjectField
    hours: Annotated[Hours, _f("学时", "基地审批部门按实际学习时间确定的学时 / approved actual learning time")]


class Training(_Activity):
    model_config = ConfigDict(title="培训、研修活动", json_schema_extra={"clause": "7(2)"})

    type: Literal["training"] = _f("活动类型", "活动类型 / activity type")
    subject: SubjectField
    organizer: Literal["national", "provincial", "municipal", "industry"] = _f(
        "主办单位",
        "主办单位级别：national 国家部委 / provincial 省级 / municipal 市级 / industry 行业组织 (organiser level)",
    )
    hours: Annotated[Hours, _f("学时", "主办单位确定的学时 / hours set by the organiser")]


class OnlineCourse(_Activity):
    model_config = ConfigDict(title="网络课程学习", json_schema_extra={"clause": "7(1)"})

    type: Literal["online_course"] = _f("活动类型", "活动类型 / activity type")
    subject: SubjectField
    hours: Annotated[Hours, _f("学时", "课程目录标注的学时 / the course's catalog hours")]


class DegreeCourse(_Activity):
    model_config = ConfigDict(title="学历、学位教育课程", json_schema_extra={"clause": "7(3)"})

    type: Literal["degree_course"] = _f("活动类型", "活动类型 / activity type")
    courses_passed: StrictInt = _f(
        "考试合格课程门数", "考试合格的课程门数 / number of courses passed", ge=1, le=MAX_COUNT
    )


class CourseStudy(_Activity):
    model_config = ConfigDict(title="课程进修", json_schema_extra={"clause": "7(3)"})

    type: Literal["course_study"] = _f("活动类型", "活动类型 / activity type")
    months: StrictInt = _f("进修月数", "进修月数 / months of study", ge=1, le=MAX_MONTHS)
    passed: StrictBool = _f("考核合格", "考核是否合格 / passed the assessment")


class Conference(_Activity):
    model_config = ConfigDict(title="学术会议", json_schema_extra={"clause": "7(4)"})

    type: Literal["conference"] = _f("活动类型", "活动类型 / activity type")
    level: Literal["national", "provincial"] = _f("会议级别", "national 国家部委举办 / provincial 省级 (who held it)")
    days: StrictInt = _f("实际天数", "实际参会天数 / days attended", ge=1, le=MAX_DAYS)
    presented: StrictBool = _f("宣读、报告论文", "是否宣读、报告论文 / presented or read a paper")


class ResearchProject(_Activity):
    model_config = ConfigDict(title="课题研究与项目开发", json_schema_extra={"clause": "7(5)"})

    type: Literal["research_project"] = _f("活动类型", "活动类型 / activity type")
    level: Literal["national", "provincial"] = _f("课题级别", "national 国家级 / provincial 省级 (project level)")
    role: Literal["main", "sub"] = _f(
        "课题组", "main 主课题（项目）组 / sub 子课题（项目）组 (main or sub-project team)"
    )
    rank: StrictInt = _rank_field("排序", "rank in the team by responsibility")


class Book(_Activity):
    model_config = ConfigDict(title="出版著作（译作）", json_schema_extra={"clause": "7(6)"})

    type: Literal["book"] = _f("活动类型", "活动类型 / activity type")
    # Four decimals = whole characters (1 万字 = 10,000 characters).
    ten_thousand_chars: Annotated[
        ExactDecimal,
        _positive_number_schema(MAX_TEN_THOUSAND_CHARS),
        _f(
            "字数（万字）",
            "作品字数，以万字为单位（>0） / length in units of 10,000 characters (>0)",
            gt=0,
            le=MAX_TEN_THOUSAND_CHARS,
            decimal_places=4,
        ),
    ]
    author_rank: StrictInt = _rank_field("作者排序", "author rank")


class Paper(_Activity):
    model_config = ConfigDict(title="发表论文", json_schema_extra={"clause": "7(6)"})

    type: Literal["paper"] = _f("活动类型", "活动类型 / activity type")
    journal: Literal["national_society", "provincial_core", "issn_cn"] = _f(
        "刊物类别",
        "national_society 国外及国家一级学会主办的专业刊物 / "
        "provincial_core 省级专业刊物（核心期刊） / "
        "issn_cn 具有 ISSN 和 CN 刊号的刊物 (journal class)",
    )
    author_rank: StrictInt = _rank_field("作者排序", "author rank")
    supplement: StrictBool = _f(
        "增刊、副刊",
        "是否发表在增刊、副刊（不计学时） / published in a supplement (no hours)",
        default=False,
    )


class Patent(_Activity):
    model_config = ConfigDict(title="专利", json_schema_extra={"clause": "7(7)"})

    type: Literal["patent"] = _f("活动类型", "活动类型 / activity type")
    kind: Literal["invention", "utility_model", "design"] = _f(
        "专利类型", "invention 发明 / utility_model 实用新型 / design 外观设计 (patent kind)"
    )
    holder_rank: StrictInt = _rank_field("专利权人排序", "patent holder rank")


class Award(_Activity):
    model_config = ConfigDict(title="获奖", json_schema_extra={"clause": "7(8)"})

    type: Literal["award"] = _f("活动类型", "活动类型 / activity type")
    level: Literal["national", "provincial"] = _f("奖项级别", "national 国家级 / provincial 省（部）级 (award level)")
    rank: StrictInt = _rank_field("获奖者排序", "rank among the winners")


class QualificationExam(_Activity):
    model_config = ConfigDict(title="资格考试", json_schema_extra={"clause": "7(9)"})

    type: Literal["qualification_exam"] = _f("活动类型", "活动类型 / activity type")
    exam: Literal["senior", "intermediate", "junior", "practice"] = _f(
        "考试类别",
        "senior 高级 / intermediate 中级 / junior 初级专业技术资格考试 / practice 执业资格或职业水平考试 (exam passed)",
    )


class EndorsedReport(_Activity):
    model_config = ConfigDict(title="专题调研报告获领导批示", json_schema_extra={"clause": "7(10)"})

    type: Literal["endorsed_report"] = _f("活动类型", "活动类型 / activity type")
    endorser_level: Literal["provincial_leader", "local_principal", "local_in_charge", "other"] | None = _f(
        "批示领导",
        "批示领导级别：provincial_leader 省委、省政府领导 / local_principal 当地党委、政府主要领导 / "
        "local_in_charge 当地党委、政府主管领导 / other 其他（不符合第七条第（十）项） (who endorsed the report)",
        default=None,
    )
    endorser: StrictStr | None = _f(
        "批示领导姓名、职务",
        "批示领导的姓名和职务 / name and office of the endorsing leader",
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^\S(.*\S)?$",
    )


class AidAssignment(_Activity):
    model_config = ConfigDict(title="援藏援疆援外及基层挂职", json_schema_extra={"clause": "7(11)"})

    type: Literal["aid_assignment"] = _f("活动类型", "活动类型 / activity type")
    months: StrictInt = _f("工作月数", "援派、挂职工作月数 / months served", ge=1, le=MAX_MONTHS)


class GrassrootsService(_Activity):
    model_config = ConfigDict(title="服务基层活动", json_schema_extra={"clause": "7(12)"})

    type: Literal["grassroots_service"] = _f("活动类型", "活动类型 / activity type")
    days: StrictInt = _f("天数", "服务基层天数 / days of service", ge=1, le=MAX_DAYS)


class OtherActivity(_Activity):
    model_config = ConfigDict(title="其他继续教育形式", json_schema_extra={"clause": "7(13)"})

    type: Literal["other"] = _f("活动类型", "活动类型 / activity type")
    hours: Annotated[Hours, _f("学时", "确认的学时 / hours confirmed by the approving authority")]
    approved_by: StrictStr = _f(
        "确认部门",
        "确认学时的部门代码：省辖市、省直管县（市）人社部门填其行政区划代码（如 410400），省业务主管部门填"
        "其行业代码（如 health） / the confirming department: a city or province-administered county HR "
        "department by its region code, a provincial industry authority by its industry code",
        min_length=1,
        max_length=64,
        pattern=r"^\S(.*\S)?$",
    )
    subject: Literal["public", "professional"] | None = _f(
        "科目", "科目，缺省为专业科目 / subject (default professional)", default=None
    )
    kind: StrictStr | None = _f(
        "类别",
        "已备案规则定义的其他形式代码 / a form defined by the applicable filed rule",
        default=None,
        pattern=r"^[a-z][a-z0-9_]{0,39}$",
    )


ActivityModel = (
    TrainingBase
    | Training
    | OnlineCourse
    | DegreeCourse
    | CourseStudy
    | Conference
    | ResearchProject
    | Book
    | Paper
    | Patent
    | Award
    | QualificationExam
    | EndorsedReport
    | AidAssignment
    | GrassrootsService
    | OtherActivity
)
Activity = Annotated[ActivityModel, Field(discriminator="type")]

ACTIVITY_MODELS: tuple[type[_Activity], ...] = (
    TrainingBase,
    Training,
    OnlineCourse,
    DegreeCourse,
    CourseStudy,
    Conference,
    ResearchProject,
    Book,
    Paper,
    Patent,
    Award,
    QualificationExam,
    EndorsedReport,
    AidAssignment,
    GrassrootsService,
    OtherActivity,
)
ACTIVITY_TYPES: frozenset[str] = frozenset(
    model.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for model in ACTIVITY_MODELS
)

ActivityAdapter: TypeAdapter[ActivityModel] = TypeAdapter(Activity)
ActivityListAdapter: TypeAdapter[list[ActivityModel]] = TypeAdapter(
    Annotated[list[Activity], Field(max_length=MAX_ITEMS)]
)


LeaveKind = Literal["abroad", "sick", "maternity", "other_approved"]


class LeaveSchema(BaseModel):
    """A period of approved leave (Article 8). ``start`` and ``end`` are inclusive."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="请假、离岗")

    kind: LeaveKind = _f(
        "类别",
        "abroad 在境外工作 / sick 病假 / maternity 生育 / other_approved 其他经批准情况 (leave kind)",
    )
    start: IsoDate = _f("开始日期", "开始日期（含） / first day (inclusive)")
    end: IsoDate = _f("结束日期", "结束日期（含） / last day (inclusive)")

    @field_validator("end")
    @classmethod
    def _end_not_before_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise PydanticCustomError(
                "end_before_start",
                "end {end} is before start {start}",
                {"end": end.isoformat(), "start": start.isoformat()},
            )
        return end


class ComplianceRequest(BaseModel):
    """One year's activities and leave, and who the person is (to pick the policy)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="年度达标测算")

    year: StrictInt = _f("年度", "考核年度 / the year assessed", ge=1900, le=2100)
    activities: list[Activity] = _f(
        "继续教育活动",
        "年度内的继续教育活动 / the year's activities",
        default_factory=list,
        max_length=MAX_ITEMS,
    )
    leaves: list[LeaveSchema] = _f(
        "请假、离岗",
        "经批准的请假、离岗期间 / approved leave (Article 8)",
        default_factory=list,
        max_length=MAX_ITEMS,
    )
    region_code: StrictStr | None = _f(
        "地区代码",
        "行政区划代码（2、4 或 6 位，如许昌 4110 或 411000），用于选择地方实施细则 / region code "
        "(2, 4 or 6 digits) selecting a city or county policy",
        default=None,
        pattern=r"^\d{2}(\d{2}){0,2}$",
    )
    industry: StrictStr | None = _f(
        "行业",
        "行业主管部门（如 卫生健康），用于选择行业学分制办法 / industry selecting an industry credit scheme",
        default=None,
        min_length=1,
        max_length=50,
    )


def parse_activities(value: Any) -> ActivityModel | list[ActivityModel]:
    """Validate one activity object or a JSON array of them (same shape returned).

    Raises ``pydantic.ValidationError``; ``errors.from_validation_error`` turns it
    into a bilingual ``CreditingInputError``.
    """
    if isinstance(value, list):
        return ActivityListAdapter.validate_python(value)
    return ActivityAdapter.validate_python(value)
