"""Frameworks JSON API under /api/v1/: the versions a caller may see, one version with its
definition, and scoring answers against a published version (nothing is stored).

Every logged-in role may read published and superseded versions and score against them; drafts
are visible to province officials and platform admins only, and never score. Errors are
{"error": "..."}; scoring problems add "problems": [{code, question, message}] (422).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from frameworks.models import FrameworkVersion
from frameworks.schemas import (
    ErrorOut,
    FrameworkVersionDetailOut,
    FrameworkVersionOut,
    ScoreErrorOut,
    ScoreIn,
)
from frameworks.selectors import (
    FRAMEWORK_VERSION_NOT_FOUND,
    framework_version_compiled,
    framework_version_get_for_user,
    framework_version_get_published,
    framework_version_list_for_user,
    framework_version_sorted,
)
from scoring import maturity

DRAFT_CANNOT_SCORE = "草稿不能用于评分，请先发布 (A draft cannot score; publish it first)"
ANSWERS_INVALID = "答案有误，未能评分 (The answers cannot be scored)"
UNKNOWN_PREREQUISITE = "unknown_prerequisite"
UNKNOWN_PREREQUISITE_LEVEL = "unknown_prerequisite_level"

router = Router(tags=["frameworks"])


def _caller(request: HttpRequest) -> Any:
    """The authenticated user (session or token), as set by the API's authentication."""
    return getattr(request, "auth", None)


def _out(version: FrameworkVersion) -> dict[str, Any]:
    return {
        "code": version.framework.code,
        "label": version.label,
        **{
            name: getattr(version, name)
            for name in FrameworkVersionOut.model_fields
            if name not in ("code", "label")
        },
    }


@router.get(
    "/frameworks",
    response=list[FrameworkVersionOut],
    url_name="framework-list",
    summary="Maturity model versions you may see (drafts: province officials and admins)",
)
def framework_list(request: HttpRequest) -> list[dict[str, Any]]:
    versions = framework_version_sorted(framework_version_list_for_user(user=_caller(request)))
    return [_out(v) for v in versions]


@router.get(
    "/frameworks/{code}/{version}",
    response={200: FrameworkVersionDetailOut, 404: ErrorOut},
    url_name="framework-detail",
    summary="One version with its canonical definition",
)
def framework_detail(request: HttpRequest, code: str, version: str) -> Any:
    try:
        found = framework_version_get_for_user(user=_caller(request), code=code, version=version)
    except Http404:
        return 404, {"error": FRAMEWORK_VERSION_NOT_FOUND}
    return {**_out(found), "definition": found.definition}


def _prerequisites(
    payload: ScoreIn,
) -> tuple[dict[str, maturity.PrerequisiteResult], list[dict[str, Any]]]:
    """The supplied results of other models, with each model's level order from its published
    version; problems for unknown models and levels."""
    found, problems = {}, []
    for code, given in payload.prerequisites.items():
        try:
            levels = framework_version_compiled(framework_version_get_published(code=code)).levels
        except FrameworkVersion.DoesNotExist:
            message = f"前提模型没有已发布版本 (no published version of prerequisite) {code}"
            problems.append({"code": UNKNOWN_PREREQUISITE, "question": None, "message": message})
            continue
        order = tuple(level.code for level in levels)
        if given.level is not None and given.level not in order:
            message = f"{code} 没有等级 (has no level) {given.level!r}"
            problems.append(
                {"code": UNKNOWN_PREREQUISITE_LEVEL, "question": None, "message": message}
            )
            continue
        found[code] = maturity.PrerequisiteResult(given.level, given.total, order)
    return found, problems


@router.post(
    "/frameworks/{code}/{version}/score",
    response={200: dict[str, Any], 404: ErrorOut, 422: ScoreErrorOut},
    url_name="framework-score",
    summary="Score answers against a published version and explain the result (nothing stored)",
)
def framework_score(request: HttpRequest, code: str, version: str, payload: ScoreIn) -> Any:
    try:
        found = framework_version_get_for_user(user=_caller(request), code=code, version=version)
    except Http404:
        return 404, {"error": FRAMEWORK_VERSION_NOT_FOUND}
    if not found.is_scorable:
        return 404, {"error": DRAFT_CANNOT_SCORE}
    prerequisites, problems = _prerequisites(payload)
    if problems:
        return 422, {"error": ANSWERS_INVALID, "problems": problems}
    try:
        result = maturity.score_assessment(
            framework_version_compiled(found),
            payload.answers,
            variant=payload.variant,
            prerequisites=prerequisites,
        )
    except maturity.AnswerError as exc:
        problems = [
            {"code": p.code, "question": p.question, "message": p.message} for p in exc.problems
        ]
        return 422, {"error": ANSWERS_INVALID, "problems": problems}
    return 200, maturity.result_as_dict(result)
