"""Assessments JSON API under /api/v1/: list and read assessments, read and save draft answers
and the model variant (optimistic locking), submit, read the stored result with peer benchmarks,
start a self-assessment.

Every object is loaded through assessments.selectors (the same scoping as the pages: enterprise
users see their enterprise's assessments, officials the submitted ones in their jurisdiction,
providers the diagnoses of their assignments) and every change goes through assessments.services.
Function level: experts and platform admins get 403 everywhere; only enterprise users and
providers change answers and submit; only enterprise users start a self-assessment (403s are
audited as access.denied). Object level: out of scope and missing both answer 404.
Errors are {"error": "..."} (bilingual); answer problems add "problems": [{code, question,
message}], conflicts add "revision" and "conflicts": [{question, yours, theirs}].
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.params.functions import Path

from accounts.models import OFFICIAL_ROLES
from assessments.access import ASSESSMENT_EDITORS, ASSESSMENT_READERS, SELF_ASSESSORS
from assessments.benchmarks import benchmark_for
from assessments.models import Assessment
from assessments.schemas import (
    MAX_CHANGES,
    MAX_NOTE,
    AnswersIn,
    AnswersOut,
    AssessmentDetailOut,
    AssessmentPage,
    AssessmentQuery,
    ConflictErrorOut,
    ErrorOut,
    ProblemsOut,
    ResultOut,
    SaveOut,
    StartIn,
    StartOut,
    SubmitIn,
    SummaryOut,
)
from assessments.selectors import (
    NOT_FOUND,
    assessment_get_editable_for_user,
    assessment_get_for_user,
    assessment_list_for_user,
    can_edit,
)
from assessments.services import (
    NOT_DRAFT,
    UNKNOWN_SECTION,
    UNKNOWN_VARIANT,
    AssessmentConflict,
    SaveOutcome,
    answer_is_plain,
    assessment_save,
    assessment_set_variant,
    assessment_start,
    assessment_submit,
)
from core.api_access import api_caller, api_deny, api_require_role
from frameworks.models import FrameworkVersion
from frameworks.selectors import (
    NO_PUBLISHED_VERSION,
    framework_version_compiled,
    framework_version_get_published,
)
from scoring import maturity

MAX_ID = 2**63 - 1

FORBIDDEN = "您的角色无权使用评估数据 (Your role may not use assessment data)"
FORBIDDEN_CHANGE = "您的角色不能修改或提交评估 (Your role may not change or submit assessments)"
FORBIDDEN_EDIT = "您无权修改该评估 (You may not change this assessment)"
FORBIDDEN_START = "只有企业用户可以发起自评估 (Only enterprise users start self-assessments)"
REVISION_REQUIRED = "请提供修订号 revision (revision is required)"
FRAMEWORK_REQUIRED = "请指定成熟度模型 framework (framework is required)"
TOO_MANY_CHANGES = f"一次最多保存 {MAX_CHANGES} 个答案 (at most {MAX_CHANGES} answers per save)"
NOTE_TOO_LONG = f"现场记录不能超过 {MAX_NOTE} 字 (site notes: at most {MAX_NOTE} characters)"
SITE_NOTES_DIAGNOSIS_ONLY = "只有服务商诊断有现场记录 (only a provider diagnosis has site notes)"
CONFLICT = (
    "其他用户已修改了相同的题目，本次未保存任何内容 "
    "(Someone else changed the same questions; nothing was saved)"
)
STALE = (
    "评估在您查看后已被修改，请刷新后再提交 "
    "(The assessment changed since you loaded it; reload it and submit again)"
)
VARIANT_STALE = (
    "评估在您查看后已被修改，本次未保存任何内容，请刷新后再更改适用类型 "
    "(The assessment changed since you loaded it; nothing was saved: reload it and change the "
    "variant again)"
)
ANSWERS_INVALID = (
    "答案不完整或有误，未能提交 (The answers are incomplete or invalid; nothing was submitted)"
)
ANSWER_NOT_PLAIN = (
    "答案须为文本、数字或选项代码列表，且不含空字符 "
    "(an answer is text, a number or a list of option codes, without NUL characters)"
)
NUL_IN_NOTES = "现场记录不能包含空字符 (site notes must not contain NUL characters)"
NO_RESULT = "评估尚未提交，还没有结果 (Not submitted yet: there is no result)"

router = Router(tags=["assessments"])


_caller = api_caller
_deny = api_deny


def _require_role(
    request: HttpRequest, operation: str, roles: tuple[str, ...], message: str = FORBIDDEN
) -> Any:
    return api_require_role(request, operation, roles, message)


def _visible(request: HttpRequest, operation: str, assessment_id: int) -> Assessment:
    """The assessment if the caller may see it: 403 for other roles, 404 out of scope."""
    user = _require_role(request, operation, ASSESSMENT_READERS)
    try:
        return assessment_get_for_user(user=user, pk=assessment_id)
    except Http404:
        raise HttpError(404, NOT_FOUND) from None


def _changeable(request: HttpRequest, operation: str, assessment_id: int) -> Assessment:
    """The draft if the caller may change it; a submitted assessment the caller could have
    changed while it was a draft (the caller decides: frozen or already done); else 403/404."""
    user = _require_role(request, operation, ASSESSMENT_EDITORS, FORBIDDEN_CHANGE)
    try:
        return assessment_get_editable_for_user(user=user, pk=assessment_id)
    except Http404:
        raise HttpError(404, NOT_FOUND) from None
    except PermissionDenied:
        found = assessment_get_for_user(user=user, pk=assessment_id)
        as_draft = copy.copy(found)
        as_draft.status = Assessment.Status.DRAFT
        if found.is_submitted and can_edit(user, as_draft):
            return found
        _deny(request, operation, FORBIDDEN_EDIT, obj=found)


def _problems(problems: Any) -> list[dict[str, Any]]:
    return [{"code": p.code, "question": p.question, "message": p.message} for p in problems]


def _username(user: Any) -> str | None:
    return None if user is None else user.username


def _label(assessment: Assessment) -> str:
    """CODE@VERSION without another query (the framework is loaded with the assessment)."""
    return f"{assessment.framework.code}@{assessment.framework_version.version}"


def _item(assessment: Assessment) -> dict[str, Any]:
    enterprise = assessment.enterprise
    return {
        "id": assessment.pk,
        "enterprise": {"id": enterprise.pk, "uscc": enterprise.uscc, "name": enterprise.name},
        "county": {"code": enterprise.county.code, "name": enterprise.county.name},
        "framework": assessment.framework.code,
        "framework_version": _label(assessment),
        "kind": assessment.kind,
        "status": assessment.status,
        "year": assessment.year,
        "revision": assessment.revision,
        "total": assessment.total,
        "level": assessment.level or None,
        "level_name": assessment.level_name or None,
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
        "submitted_at": assessment.submitted_at,
    }


def _summary(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "status": assessment.status,
        "revision": assessment.revision,
        "framework_version": _label(assessment),
        "total": assessment.total,
        "max_total": assessment.max_total,
        "level": assessment.level or None,
        "level_rank": assessment.level_rank,
        "level_name": assessment.level_name or None,
        "dimension_scores": assessment.dimension_scores,
        "submitted_at": assessment.submitted_at,
    }


# Query parameter → lookup on the scoped queryset (filters only narrow it).
_FILTERS = {
    "framework": "framework__code",
    "year": "year",
    "status": "status",
    "kind": "kind",
    "enterprise": "enterprise__uscc",
    "county": "enterprise__county_id",
}


def _filtered(assessments: QuerySet[Assessment], query: AssessmentQuery) -> QuerySet[Assessment]:
    given = query.model_dump(include=set(_FILTERS), exclude_none=True)
    if "enterprise" in given:
        given["enterprise"] = given["enterprise"].upper()
    return assessments.filter(**{_FILTERS[name]: value for name, value in given.items()})


@router.get(
    "/assessments",
    response={200: AssessmentPage, 403: ErrorOut},
    url_name="assessment-list",
    summary="Assessments you may see (officials: submitted ones in your jurisdiction)",
)
def assessment_list(request: HttpRequest, query: Query[AssessmentQuery]) -> Any:
    user = _require_role(request, "assessment-list", ASSESSMENT_READERS)
    assessments = _filtered(assessment_list_for_user(user=user), query).order_by(
        "-updated_at", "-pk"
    )
    start = (query.page - 1) * query.page_size
    return {
        "count": assessments.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_item(a) for a in assessments[start : start + query.page_size]],
    }


@router.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentDetailOut, 403: ErrorOut, 404: ErrorOut},
    url_name="assessment-detail",
    summary="One assessment: enterprise, model version, state, score (plausibility flags: "
    "officials only)",
)
def assessment_detail(request: HttpRequest, assessment_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    found = _visible(request, "assessment-detail", assessment_id)
    user = _caller(request)
    official = user.role in OFFICIAL_ROLES
    return {
        **_item(found),
        "variant": found.variant,
        "max_total": found.max_total,
        "level_rank": found.level_rank,
        "previous": found.previous_id,
        "assignment": found.assignment_id,
        "created_by": found.created_by.username,
        "updated_by": _username(found.updated_by),
        "submitted_by": _username(found.submitted_by),
        "editable": can_edit(user, found),
        "flags": found.flags if official else None,
        "risk_score": found.risk_score if official else None,
    }


@router.get(
    "/assessments/{assessment_id}/answers",
    response={200: AnswersOut, 403: ErrorOut, 404: ErrorOut},
    url_name="assessment-answers",
    summary="The answers with their revision, where carried-over answers came from, and the "
    "evidence files per question",
)
def assessment_answers(
    request: HttpRequest, assessment_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = _visible(request, "assessment-answers", assessment_id)
    evidence: dict[str, list[dict[str, Any]]] = {}
    for item in found.evidence.all():
        evidence.setdefault(item.question, []).append(
            {
                "id": item.pk,
                "name": item.original_name,
                "size": item.size,
                "sha256": item.sha256,
                "kind": item.kind,
                "uploaded_at": item.uploaded_at,
            }
        )
    return {
        "id": found.pk,
        "status": found.status,
        "revision": found.revision,
        "answers": found.answers,
        "carried_from": found.carried_from,
        "site_notes": found.site_notes,
        "evidence": evidence,
    }


def _body_problem(assessment: Assessment, payload: AnswersIn) -> str | None:
    """Why the body cannot be saved at all (checked after access, before the service)."""
    if payload.revision is None:
        return REVISION_REQUIRED
    if len(payload.changes) > MAX_CHANGES:
        return TOO_MANY_CHANGES
    values = [*payload.changes.values(), *payload.base.values()]
    if not all(answer_is_plain(value) for value in values):
        return ANSWER_NOT_PLAIN
    return _site_notes_problem(assessment, payload.site_notes)


def _site_notes_problem(assessment: Assessment, notes: dict[str, str]) -> str | None:
    if not notes:
        return None
    if not assessment.is_diagnosis:
        return SITE_NOTES_DIAGNOSIS_ONLY
    if any(len(text) > MAX_NOTE for text in notes.values()):
        return NOTE_TOO_LONG
    if any("\x00" in text for text in notes.values()):
        return NUL_IN_NOTES
    sections = framework_version_compiled(assessment.framework_version).roots
    if set(notes) - set(sections):
        return UNKNOWN_SECTION
    return None


@router.put(
    "/assessments/{assessment_id}/answers",
    response={
        200: SaveOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictErrorOut | ErrorOut,
        422: ErrorOut,
    },
    url_name="assessment-answers-save",
    summary="Save changed answers (and optionally the model variant) of a draft (409 when someone "
    "else changed the same questions, or anything when you change the variant, since your "
    "revision; 422 for a variant the model does not have; invalid answers are reported in "
    "`problems` and not saved)",
)
def assessment_answers_save(
    request: HttpRequest, payload: AnswersIn, assessment_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = _changeable(request, "assessment-answers-save", assessment_id)
    if found.is_submitted:
        return 409, {"error": NOT_DRAFT}
    problem = _body_problem(found, payload)
    if problem or payload.revision is None:
        return 422, {"error": problem or REVISION_REQUIRED}
    try:
        outcome = _save_with_variant(found, payload, payload.revision, _caller(request))
    except AssessmentConflict as exc:
        conflicts = [
            {"question": c.question, "yours": c.yours, "theirs": c.theirs} for c in exc.items
        ]
        error = CONFLICT if conflicts else VARIANT_STALE
        return 409, {"error": error, "revision": exc.current.revision, "conflicts": conflicts}
    except ValidationError as exc:
        return (422 if UNKNOWN_VARIANT in exc.messages else 409), {"error": " ".join(exc.messages)}
    return {
        "revision": outcome.assessment.revision,
        "saved": list(outcome.saved),
        "problems": _problems(outcome.problems),
    }


def _save_with_variant(
    found: Assessment, payload: AnswersIn, revision: int, by: Any
) -> SaveOutcome:
    """The variant (when it changes: its own optimistic lock, no merge), then the answers at the
    revision that left; in one transaction, so when either fails nothing is written."""
    with transaction.atomic():
        default = framework_version_compiled(found.framework_version).default_variant
        if payload.variant is not None and payload.variant != (found.variant or default):
            found = assessment_set_variant(
                assessment=found, variant=payload.variant, revision=revision, by=by
            )
            revision = found.revision
        return assessment_save(
            assessment=found,
            changes=payload.changes,
            revision=revision,
            by=by,
            base=payload.base,
            site_notes=payload.site_notes,
        )


@router.post(
    "/assessments/{assessment_id}/submit",
    response={
        200: SummaryOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictErrorOut,
        422: ProblemsOut | ErrorOut,
    },
    url_name="assessment-submit",
    summary="Score the draft with its pinned model version and freeze it (422 lists every "
    "missing or invalid answer; submitting again returns the same result)",
)
def assessment_submit_view(
    request: HttpRequest, payload: SubmitIn, assessment_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    found = _changeable(request, "assessment-submit", assessment_id)
    if found.is_submitted:
        return 200, _summary(found)
    if payload.revision is None:
        return 422, {"error": REVISION_REQUIRED}
    try:
        done = assessment_submit(assessment=found, by=_caller(request), revision=payload.revision)
    except AssessmentConflict as exc:
        return 409, {"error": STALE, "revision": exc.current.revision, "conflicts": []}
    except maturity.AnswerError as exc:
        return 422, {"error": ANSWERS_INVALID, "problems": _problems(exc.problems)}
    return 200, _summary(done)


@router.get(
    "/assessments/{assessment_id}/result",
    response={200: ResultOut, 403: ErrorOut, 404: ErrorOut},
    url_name="assessment-result",
    summary="The result stored at submission (never re-scored) with peer benchmarks (groups of "
    "fewer than BENCHMARK_MIN_GROUP enterprises are hidden)",
)
def assessment_result(request: HttpRequest, assessment_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    found = _visible(request, "assessment-result", assessment_id)
    if not found.is_submitted:
        return 404, {"error": NO_RESULT}
    return {**_summary(found), "result": found.result, "benchmark": benchmark_for(found)}


@router.post(
    "/assessments",
    response={200: StartOut, 201: StartOut, 403: ErrorOut, 422: ErrorOut},
    url_name="assessment-start",
    summary="Start a self-assessment of your enterprise against the published version of a "
    "model (201), or resume the open draft (200, resumed: true)",
)
def assessment_start_view(request: HttpRequest, payload: StartIn) -> Any:
    user = _require_role(request, "assessment-start", SELF_ASSESSORS, FORBIDDEN_START)
    if user.enterprise_id is None:
        _deny(request, "assessment-start", FORBIDDEN_START)
    if payload.framework is None:
        return 422, {"error": FRAMEWORK_REQUIRED}
    try:
        version = framework_version_get_published(code=payload.framework)
    except FrameworkVersion.DoesNotExist:
        return 422, {"error": NO_PUBLISHED_VERSION}
    open_drafts = set(
        assessment_list_for_user(user=user)
        .filter(
            enterprise_id=user.enterprise_id,
            framework_id=version.framework_id,
            kind=Assessment.Kind.SELF,
            status=Assessment.Status.DRAFT,
        )
        .values_list("pk", flat=True)
    )
    try:
        draft = assessment_start(
            enterprise=user.enterprise, version=version, by=user, year=payload.year
        )
    except ValidationError as exc:
        return 422, {"error": " ".join(exc.messages)}
    resumed = draft.pk in open_drafts
    return (200 if resumed else 201), {
        "id": draft.pk,
        "revision": draft.revision,
        "resumed": resumed,
    }
