"""The integration API for training bases (Article 9(3)): ``/api/v1/bases/...``.

Every request is signed (see ``cecert.catalogs.domain.apiauth``); every write
carries an ``Idempotency-Key``. A base acts only on its own programs and the
people enrolled in them: anything else answers 404, like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from cecert.catalogs.domain import apiauth
from cecert.catalogs.domain.bases import complete_enrolment, enrol, find_person
from cecert.catalogs.domain.progress import report_progress
from cecert.catalogs.enums import ProgramState, Via
from cecert.catalogs.models import ApiCredential, Enrolment, Program, ProgressReport
from cecert.core.errors import DomainError


class BaseSignature(APIKeyHeader):
    """HMAC-SHA256 request signature; see the module ``cecert.catalogs.domain.apiauth`` for the scheme."""

    param_name = apiauth.H_KEY

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiCredential | None:
        try:
            return apiauth.verify_request(request)
        except apiauth.RateLimited:
            raise  # answered by ``rate_limited`` below: 429, Retry-After and the bilingual body
        except apiauth.ApiAuthError as exc:
            raise HttpError(exc.status, f"{exc.message_zh} / {exc.message_en}") from None


router = Router(tags=["bases"], auth=BaseSignature())

ERROR_RESPONSES: dict[int, Any] = {400: dict, 401: dict, 404: dict, 409: dict, 422: dict, 429: dict}


def rate_limited(request: HttpRequest, exc: apiauth.RateLimited) -> JsonResponse:
    """The exception handler (registered on the API) for a base over its request budget."""
    response = _respond(apiauth.Outcome(exc.status, exc.to_json()))
    response["Retry-After"] = str(exc.retry_after)
    return response


class ProgramOut(Schema):
    id: int
    title: str
    subject: str
    form: str
    hours: Decimal
    start_date: dt.date
    end_date: dt.date
    capacity: int
    state: str


class EnrolmentIn(Schema):
    program: int = Field(description="本基地培训项目编号 / the base's program number")
    person: str = Field(description="证书管理号（13 位）或身份证号码（18 位） / certificate or ID number")


class CompletionIn(Schema):
    program: int
    person: str
    assessment: str = Field("合格", max_length=64)


class ProgressIn(Schema):
    program: int
    person: str
    started_at: dt.datetime = Field(description="学习开始时间（含时区） / start of the study interval")
    ended_at: dt.datetime = Field(description="学习结束时间 / end of the study interval")
    seconds: int = Field(ge=0, description="该时段内实际学习秒数 / seconds actually studied in the interval")
    session: str = Field("", max_length=64)


def _credential(request: HttpRequest) -> ApiCredential:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _enrolment_json(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "id": enrolment.pk,
        "program": enrolment.program_id,
        "person": enrolment.person.certificate_number,
        "state": enrolment.state,
        "studied_seconds": enrolment.studied_seconds,
        "record": enrolment.record_id,
    }


def _not_found() -> apiauth.Outcome:
    return apiauth.Outcome(
        404,
        {
            "error": "not_found",
            "errors": [
                {
                    "field": "",
                    "message_zh": "未找到（或不在本基地的报名范围内）",
                    "message_en": "not found (or outside the base's enrolments)",
                }
            ],
        },
    )


def _domain(exc: DomainError) -> apiauth.Outcome:
    return apiauth.Outcome(400, {"error": "refused", "errors": [exc.as_dict()]})


def _own_program(credential: ApiCredential, program_id: int) -> Program:
    program = Program.objects.filter(pk=program_id, base=credential.base).select_related("base").first()
    if program is None:
        raise Http404
    return program


def _own_enrolment(credential: ApiCredential, program_id: int, person: str) -> Enrolment:
    program = _own_program(credential, program_id)
    found = find_person(person)
    enrolment = (
        Enrolment.objects.filter(program=program, person=found).select_related("program__base", "person").first()
        if found
        else None
    )
    if enrolment is None:
        raise Http404
    return enrolment


def _respond(outcome: apiauth.Outcome) -> JsonResponse:
    return JsonResponse(outcome.body, status=outcome.status, json_dumps_params={"ensure_ascii": False})


def _write(request: HttpRequest, work: Any) -> JsonResponse:
    credential = _credential(request)

    def handler() -> apiauth.Outcome:
        try:
            return work(credential)  # type: ignore[no-any-return]
        except Http404:
            return _not_found()
        except DomainError as exc:
            return _domain(exc)

    return _respond(apiauth.idempotent(request, credential, handler))


@router.get("/me", summary="本基地信息 / the calling base", response={200: dict, **ERROR_RESPONSES})
def me(request: HttpRequest) -> JsonResponse:
    credential = _credential(request)
    base = credential.base
    recognition = getattr(base, "recognition", None)
    apiauth.log_call(credential, request, 200)
    return _respond(
        apiauth.Outcome(
            200,
            {
                "id": base.pk,
                "name": base.name,
                "key_id": credential.key_id,
                "recognition": recognition.state if recognition else None,
            },
        )
    )


@router.get("/programs", summary="本基地培训项目 / the base's programs", response=list[ProgramOut])
def programs(request: HttpRequest) -> list[Program]:
    credential = _credential(request)
    apiauth.log_call(credential, request, 200)
    return list(Program.objects.filter(base=credential.base, state=ProgramState.PUBLISHED).order_by("pk")[:500])


@router.get(
    "/programs/{program_id}/enrolments",
    summary="项目报名名单 / a program's enrolments",
    response={200: list[dict], **ERROR_RESPONSES},
)
def program_enrolments(request: HttpRequest, program_id: int) -> JsonResponse:
    credential = _credential(request)
    try:
        program = _own_program(credential, program_id)
    except Http404:
        apiauth.log_call(credential, request, 404)
        return _respond(_not_found())
    apiauth.log_call(credential, request, 200)
    rows = [_enrolment_json(e) for e in program.enrolments.select_related("person").order_by("pk")[:5000]]
    return JsonResponse(rows, safe=False)


@router.post("/enrolments", summary="报名 / enrol a person (idempotent)", response={201: dict, **ERROR_RESPONSES})
def create_enrolment(request: HttpRequest, payload: EnrolmentIn) -> JsonResponse:
    def work(credential: ApiCredential) -> apiauth.Outcome:
        program = _own_program(credential, payload.program)
        enrolment = enrol(program, payload.person, by=credential.service_user, via=Via.API)
        return apiauth.Outcome(201, _enrolment_json(enrolment))

    return _write(request, work)


@router.post(
    "/completions", summary="登记结业 / register a completion (idempotent)", response={201: dict, **ERROR_RESPONSES}
)
def create_completion(request: HttpRequest, payload: CompletionIn) -> JsonResponse:
    def work(credential: ApiCredential) -> apiauth.Outcome:
        enrolment = _own_enrolment(credential, payload.program, payload.person)
        record = complete_enrolment(enrolment, by=credential.service_user, assessment=payload.assessment, via=Via.API)
        return apiauth.Outcome(
            201,
            {
                "enrolment": enrolment.pk,
                "record": record.pk,
                "state": record.state,
                "hours": float(record.hours),
                "subject": record.subject,
            },
        )

    return _write(request, work)


@router.post(
    "/progress",
    summary="上报网络学习进度 / report online study progress (idempotent)",
    response={200: dict, **ERROR_RESPONSES},
)
def create_progress(request: HttpRequest, payload: ProgressIn) -> JsonResponse:
    def work(credential: ApiCredential) -> apiauth.Outcome:
        enrolment = _own_enrolment(credential, payload.program, payload.person)
        outcome = report_progress(
            enrolment,
            started_at=payload.started_at,
            ended_at=payload.ended_at,
            seconds=payload.seconds,
            session=payload.session,
            by=credential.service_user,
        )
        report = outcome.report
        body = {
            "report": report.pk,
            "accepted": report.accepted,
            "flag": report.flag,
            "reason": report.reason,
            "completed_record": outcome.completed_record_id,
        }
        if not report.accepted:
            body["errors"] = [
                {"field": "seconds", "message_zh": report.reason, "message_en": f"implausible progress: {report.flag}"}
            ]
            return apiauth.Outcome(422, body)
        enrolment.refresh_from_db()
        body["studied_seconds"] = enrolment.studied_seconds
        return apiauth.Outcome(200, body)

    return _write(request, work)


@router.get(
    "/flags", summary="被拒绝并标记的学习进度 / refused and flagged progress reports", response={200: list[dict]}
)
def flags(request: HttpRequest) -> JsonResponse:
    credential = _credential(request)
    apiauth.log_call(credential, request, 200)
    rows = [
        {
            "report": r.pk,
            "program": r.enrolment.program_id,
            "person": r.person.certificate_number,
            "flag": r.flag,
            "reason": r.reason,
            "started_at": r.started_at.isoformat(),
            "ended_at": r.ended_at.isoformat(),
            "seconds": r.seconds,
        }
        for r in ProgressReport.objects.filter(base=credential.base, accepted=False)
        .select_related("person", "enrolment")
        .order_by("-reported_at")[:500]
    ]
    return JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})
