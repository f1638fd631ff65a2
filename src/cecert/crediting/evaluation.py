"""Article 7: turn one activity into hours (学时), with a Chinese explanation.

Arithmetic is exact (Decimal products of bounded inputs, Fractions for
divisions); the only rounding is ``round_half_up(..., 1)`` at the very end.
Every number comes from the policy tables, none from this code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

from cecert.crediting.decimals import decimal_to_json, format_decimal, round_half_up
from cecert.crediting.errors import CreditingInputError
from cecert.crediting.policies import NoPolicyError, Policy, PolicySet, shipped_policy_set
from cecert.crediting.schemas import (
    ActivityModel,
    AidAssignment,
    Award,
    Book,
    Conference,
    CourseStudy,
    DegreeCourse,
    EndorsedReport,
    GrassrootsService,
    OnlineCourse,
    OtherActivity,
    Paper,
    Patent,
    QualificationExam,
    ResearchProject,
    Training,
    TrainingBase,
)

ResultSubject = Literal["public", "professional", "both"]
Part = Literal["public", "professional"]

_CHINESE_NUMERALS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
_SUBJECT_ZH = {"public": "公需科目", "professional": "专业科目", "both": "公需和专业科目"}


def _chinese_number(number: int) -> str:
    """1..99 in Chinese numerals: 4 → 四, 13 → 十三, 21 → 二十一."""
    if number <= 10:
        return _CHINESE_NUMERALS[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _CHINESE_NUMERALS[tens]) + "十" + _CHINESE_NUMERALS[ones]


def clause_zh(clause: str) -> str:
    """``"7(4)"`` → ``"第七条第（四）项"``."""
    article, _, item = clause.partition("(")
    text = f"第{_chinese_number(int(article))}条"
    if item:
        text += f"第（{_chinese_number(int(item.rstrip(')')))}）项"
    return text


def today_in_henan() -> date:
    """Today's date in China, whatever the server's time zone."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@dataclass(frozen=True)
class ActivityResult:
    """The credited outcome of one activity.

    ``hours`` is in 学时, rounded once to one decimal. ``credits`` is set only
    under a credit (学分) policy. ``completes`` lists the parts of the year's
    requirement the activity deems complete.
    """

    type: str
    hours: Decimal
    subject: ResultSubject
    clause: str
    completes: tuple[Part, ...]
    explanation: str
    policy_id: str
    credits: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        """What counts towards the requirement in the policy's unit."""
        return self.credits if self.credits is not None else self.hours

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "hours": decimal_to_json(self.hours),
            "subject": self.subject,
            "clause": self.clause,
            "completes": list(self.completes),
            "explanation": self.explanation,
            "policy_id": self.policy_id,
        }
        if self.credits is not None:
            data["credits"] = decimal_to_json(self.credits)
        return data


@dataclass(frozen=True)
class _Outcome:
    """A handler's exact, unrounded answer.

    ``text`` is the formula (``"… 3 天 × 6 学时"``) when ``show_result`` is true,
    and evaluate appends ``= N 学时``; otherwise ``text`` is already complete
    (zero-hour reasons, deemed completion).
    """

    hours: Decimal
    subject: ResultSubject
    text: str
    show_result: bool = True
    completes: tuple[Part, ...] = ()
    hours_per_credit: Decimal | None = None


def _n(value: Decimal | int) -> str:
    return format_decimal(Decimal(value))


def _ranked(table: tuple[Decimal, ...], rank: int) -> Decimal | None:
    """Hours for ``rank`` (1-based) from a ranked table, ``None`` past its end."""
    return table[rank - 1] if rank <= len(table) else None


def _beyond_rank(what: str, who: str, rank: int, counted: int) -> _Outcome:
    return _Outcome(
        Decimal(0),
        "professional",
        f"{what}只有前 {counted} 名{who}计学时，第 {rank} 名不计，计 0 学时",
        show_result=False,
    )


def _training_base(a: TrainingBase, policy: Policy) -> _Outcome:
    return _Outcome(
        a.hours,
        a.subject,
        f"参加继续教育基地培训班，学时由基地审批部门按实际学习时间确定：{_n(a.hours)} 学时",
        show_result=False,
    )


def _training(a: Training, policy: Policy) -> _Outcome:
    if a.organizer == "national":
        how = "参加国家部委举办的培训、研修活动，学时由主办单位或选派单位的主管部门确定"
    else:
        how = "参加省市有关部门、行业组织主办或委托举办的培训、研修活动，学时由主办单位确定"
    return _Outcome(a.hours, a.subject, f"{how}：{_n(a.hours)} 学时", show_result=False)


def _online_course(a: OnlineCourse, policy: Policy) -> _Outcome:
    return _Outcome(
        a.hours,
        a.subject,
        f"网络课程学习（第九条第（三）项由服务平台登记），按课程目录学时计：{_n(a.hours)} 学时",
        show_result=False,
    )


def _degree_course(a: DegreeCourse, policy: Policy) -> _Outcome:
    per_course = policy.rates.degree_course_per_course
    return _Outcome(
        per_course * a.courses_passed,
        "professional",
        f"学历、学位教育考试合格 {a.courses_passed} 门 × {_n(per_course)} 学时",
    )


def _course_study(a: CourseStudy, policy: Policy) -> _Outcome:
    if not a.passed:
        return _Outcome(Decimal(0), "professional", "课程进修考核不合格，不计学时，计 0 学时", show_result=False)
    per_month = policy.rates.course_study_per_month
    hours = per_month * a.months
    formula = f"课程进修考核合格 {a.months} 个月 × {_n(per_month)} 学时"
    threshold = policy.rates.course_study_deems_professional_from_months
    if a.months >= threshold:
        return _Outcome(
            hours,
            "professional",
            f"{formula} = {_n(hours)} 学时；进修满 {threshold} 个月，视为完成年度全部专业科目学时",
            show_result=False,
            completes=("professional",),
        )
    return _Outcome(hours, "professional", formula)


def _conference(a: Conference, policy: Policy) -> _Outcome:
    rate = policy.rates.conference[a.level]
    held_by = "国家部委学术活动" if a.level == "national" else "省级学术活动"
    hours = rate.per_day * a.days
    formula = f"{held_by} {a.days} 天 × {_n(rate.per_day)} 学时"
    if a.presented:
        hours += rate.presented_bonus
        formula += f" + 宣读论文 {_n(rate.presented_bonus)} 学时"
    return _Outcome(hours, "professional", formula)


def _research_project(a: ResearchProject, policy: Policy) -> _Outcome:
    table = policy.rates.research_project_by_rank[a.level][a.role]
    level = "国家级" if a.level == "national" else "省级"
    team = "主课题（项目）组" if a.role == "main" else "子课题（项目）组"
    hours = _ranked(table, a.rank)
    if hours is None:
        return _beyond_rank(f"{level}{team}", "人员（按职责排序）", a.rank, len(table))
    return _Outcome(hours, "professional", f"{level}{team}第 {a.rank} 名，每年")


def _book(a: Book, policy: Policy) -> _Outcome:
    table = policy.rates.book_per_ten_thousand_chars_by_rank
    per_unit = _ranked(table, a.author_rank)
    if per_unit is None:
        return _beyond_rank("出版著作（译作）", "作者", a.author_rank, len(table))
    return _Outcome(
        a.ten_thousand_chars * per_unit,
        "professional",
        f"出版著作（译作）第 {a.author_rank} 作者 {_n(a.ten_thousand_chars)} 万字 × {_n(per_unit)} 学时/万字",
    )


_JOURNAL_ZH = {
    "national_society": "国外及国家一级学会主办的专业刊物",
    "provincial_core": "省级专业刊物（核心期刊）",
    "issn_cn": "具有 ISSN 和 CN 刊号的刊物",
}


def _paper(a: Paper, policy: Policy) -> _Outcome:
    if a.supplement:
        return _Outcome(
            Decimal(0),
            "professional",
            "在增刊、副刊上发表的论文不计学时，计 0 学时",
            show_result=False,
        )
    table = policy.rates.paper_by_rank[a.journal]
    hours = _ranked(table, a.author_rank)
    if hours is None:
        return _beyond_rank("发表论文", "作者", a.author_rank, len(table))
    return _Outcome(hours, "professional", f"在{_JOURNAL_ZH[a.journal]}发表论文，第 {a.author_rank} 作者")


_PATENT_ZH = {"invention": "发明专利", "utility_model": "实用新型专利", "design": "外观设计专利"}


def _patent(a: Patent, policy: Policy) -> _Outcome:
    table = policy.rates.patent_by_rank[a.kind]
    hours = _ranked(table, a.holder_rank)
    what = f"获得国家知识产权局授予的{_PATENT_ZH[a.kind]}"
    if hours is None:
        return _beyond_rank(what, "专利权人", a.holder_rank, len(table))
    return _Outcome(hours, "professional", f"{what}，第 {a.holder_rank} 专利权人")


def _award(a: Award, policy: Policy) -> _Outcome:
    table = policy.rates.award_by_rank[a.level]
    what = "国家级奖项" if a.level == "national" else "省（部）级奖项"
    hours = _ranked(table, a.rank)
    if hours is None:
        return _beyond_rank(what, "获奖者", a.rank, len(table))
    return _Outcome(hours, "professional", f"获得{what}，第 {a.rank} 名获奖者")


_EXAM_ZH = {
    "senior": "全国高级专业技术资格考试",
    "intermediate": "全国中级专业技术资格考试",
    "junior": "全国初级专业技术资格考试",
    "practice": "全国执业资格或职业水平考试",
}


def _qualification_exam(a: QualificationExam, policy: Policy) -> _Outcome:
    return _Outcome(policy.rates.qualification_exam[a.exam], "professional", f"通过{_EXAM_ZH[a.exam]}")


ENDORSER_LEVEL_ZH = {
    "provincial_leader": "省委、省政府领导",
    "local_principal": "当地党委、政府主要领导",
    "local_in_charge": "当地党委、政府主管领导",
    "other": "其他领导",
}


def _endorsed_report(a: EndorsedReport, policy: Policy) -> _Outcome:
    who = f"（{a.endorser}）" if a.endorser else ""
    if a.endorser_level == "other":
        return _Outcome(
            Decimal(0),
            "professional",
            f"专题调研报告由{ENDORSER_LEVEL_ZH['other']}{who}批示，第七条第（十）项只认省委、省政府领导或当地党委、"
            "政府主要领导、主管领导的批示，计 0 学时",
            show_result=False,
        )
    if a.endorser_level is None:
        return _Outcome(policy.rates.endorsed_report, "professional", "专题调研报告获领导批示（未填写批示领导）")
    return _Outcome(
        policy.rates.endorsed_report,
        "professional",
        f"专题调研报告被{ENDORSER_LEVEL_ZH[a.endorser_level]}{who}批示",
    )


def _aid_assignment(a: AidAssignment, policy: Policy) -> _Outcome:
    threshold = policy.rates.aid_assignment_deems_both_from_months
    served = f"参加援藏、援疆、援外及基层支教、支农、支医、扶贫、挂职工作 {a.months} 个月"
    if a.months >= threshold:
        return _Outcome(
            Decimal(0),
            "both",
            f"{served}，满一年，视为完成年度全部公需科目和专业科目学时（本项自身计 0 学时）",
            show_result=False,
            completes=("public", "professional"),
        )
    return _Outcome(
        Decimal(0),
        "both",
        f"{served}，不满一年（{threshold} 个月），不能视为完成年度学时；本项计 0 学时",
        show_result=False,
    )


def _grassroots_service(a: GrassrootsService, policy: Policy) -> _Outcome:
    per_day = policy.rates.grassroots_service_per_day
    return _Outcome(per_day * a.days, "professional", f"参加服务基层活动 {a.days} 天 × {_n(per_day)} 学时")


def _other(a: OtherActivity, policy: Policy) -> _Outcome:
    subject: Part = a.subject or "professional"
    hours_per_credit = policy.hours_per_credit
    described = "其他继续教育形式"
    if a.kind is not None:
        kind = policy.other_kinds.get(a.kind)
        if kind is None:
            known = ", ".join(sorted(policy.other_kinds)) or "无"
            raise CreditingInputError.single(
                "kind",
                f"适用政策 {policy.key} 未定义类别“{a.kind}”（可选：{known}）",
                f"policy {policy.key} defines no kind {a.kind!r} (defined: {known})",
            )
        if a.subject is not None and a.subject != kind.subject:
            raise CreditingInputError.single(
                "subject",
                f"类别“{a.kind}”按政策属于{_SUBJECT_ZH[kind.subject]}，与填写的科目不符",
                f"kind {a.kind!r} is {kind.subject} under the policy; subject contradicts it",
            )
        if kind.hours is not None and a.hours != kind.hours:
            raise CreditingInputError.single(
                "hours",
                f"按已备案规则，“{kind.title_zh}”每项计 {_n(kind.hours)} 学时，与填写的 {_n(a.hours)} 学时不符",
                f"the filed rule fixes {kind.hours} hours for kind {a.kind!r}, not {a.hours}",
            )
        subject = kind.subject
        hours_per_credit = kind.hours_per_credit or hours_per_credit
        described = kind.title_zh
    return _Outcome(
        a.hours,
        subject,
        f"{described}，由 {a.approved_by} 参照第七条标准确认学时（{_SUBJECT_ZH[subject]}）：{_n(a.hours)} 学时",
        show_result=False,
        hours_per_credit=hours_per_credit,
    )


_HANDLERS: dict[type[Any], Any] = {
    TrainingBase: _training_base,
    Training: _training,
    OnlineCourse: _online_course,
    DegreeCourse: _degree_course,
    CourseStudy: _course_study,
    Conference: _conference,
    ResearchProject: _research_project,
    Book: _book,
    Paper: _paper,
    Patent: _patent,
    Award: _award,
    QualificationExam: _qualification_exam,
    EndorsedReport: _endorsed_report,
    AidAssignment: _aid_assignment,
    GrassrootsService: _grassroots_service,
    OtherActivity: _other,
}


def clause_of(activity: ActivityModel) -> str:
    clause = type(activity).model_config.get("json_schema_extra", {})
    assert isinstance(clause, dict)
    return str(clause["clause"])


def region_path_or_error(policy_set: PolicySet, region_code: str | None) -> str | None:
    """The jurisdiction path of ``region_code`` in ``policy_set``; an input error naming ``region_code`` if unknown."""
    try:
        return policy_set.path_of(region_code)
    except LookupError:
        raise CreditingInputError.single(
            "region_code",
            f"地区代码“{region_code}”不是河南省的行政区划代码",
            f"{region_code!r} is not a Henan region code",
        ) from None


def policy_for(
    activity: ActivityModel,
    region_code: str | None = None,
    industry: str | None = None,
    today: date | None = None,
    *,
    policy_set: PolicySet | None = None,
) -> Policy:
    """The policy in force on the activity's date (default today) for this person."""
    policy_set = policy_set or shipped_policy_set()
    on = activity.date or today or today_in_henan()
    region_path = region_path_or_error(policy_set, region_code)
    try:
        return policy_set.select(on, region_path=region_path, industry=industry)
    except NoPolicyError:
        raise CreditingInputError.single(
            "date",
            f"{on.isoformat()} 无适用的学时认定政策（最早自 2017-08-17 起）",
            f"no crediting policy in force on {on.isoformat()}",
        ) from None


def evaluate(
    activity: ActivityModel,
    policy: Policy | None = None,
    *,
    region_code: str | None = None,
    industry: str | None = None,
    today: date | None = None,
    policy_set: PolicySet | None = None,
) -> ActivityResult:
    """Credit one validated activity under ``policy`` (default: the one of ``policy_set`` in force on its date).

    Raises ``CreditingInputError`` (field paths relative to the activity) when the
    activity does not fit the policy, e.g. an ``other.kind`` the policy lacks.
    """
    if policy is None:
        policy = policy_for(activity, region_code, industry, today, policy_set=policy_set)
    outcome: _Outcome = _HANDLERS[type(activity)](activity, policy)
    clause = clause_of(activity)
    hours = round_half_up(outcome.hours, 1)

    explanation = f"依据{clause_zh(clause)}：{outcome.text}"
    if outcome.show_result:
        explanation += f" = {_result_text(outcome.hours, hours, '学时')}"

    credits: Decimal | None = None
    if policy.unit == "credit":
        per_credit = outcome.hours_per_credit or policy.hours_per_credit
        assert per_credit is not None, "credit policies define hours_per_credit"
        # Convert from the exact hours, so credits are rounded once too.
        exact_credits = Fraction(outcome.hours) / Fraction(per_credit)
        credits = round_half_up(exact_credits, 1)
        explanation += (
            f"；按 {_n(per_credit)} 学时折合 1 学分（{policy.title_zh}），"
            f"计 {_result_text(exact_credits, credits, '学分')}"
        )
    return ActivityResult(
        type=activity.type,
        hours=hours,
        subject=outcome.subject,
        clause=clause,
        completes=outcome.completes,
        explanation=explanation,
        policy_id=policy.key,
        credits=credits,
    )


def _result_text(exact: Decimal | Fraction, rounded: Decimal, unit: str) -> str:
    """``24 学时``, or ``5.6192 ≈ 5.6 学时`` when the final rounding changed the value."""
    if Fraction(exact) == Fraction(rounded):
        return f"{_n(rounded)} {unit}"
    if isinstance(exact, Decimal):
        return f"{_n(exact)} ≈ {_n(rounded)} {unit}（四舍五入保留一位小数）"
    return f"约 {_n(rounded)} {unit}（四舍五入保留一位小数）"
