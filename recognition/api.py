"""Recognition JSON API under /api/v1/: list and read applications, create and edit one, take a
workflow step, submit an expert's score sheet, and the public notice list.

Every object is loaded through recognition.selectors (the same scoping as the pages: enterprise
users see their enterprise's applications, officials the submitted ones in their jurisdiction,
experts only those assigned to them and only as recognition.selectors.expert_view shows them,
without contact data) and every change goes through recognition.services. Function level:
providers and platform admins get 403 everywhere but the notices; only enterprise users create and
edit; experts score through /expert-sheet and take no other step; a step the caller's role can
never take is a 403 (403s are audited as access.denied). Object level: out of scope and missing
both answer 404. A stale revision is a 409 with the current status and revision; a step the
workflow refuses now is a 422 with the workflow's reason. Errors are {"error": "..."}
(bilingual). GET /notices is public (no authentication), as the public notice page is.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.params.functions import Path

from accounts.models import Role, User
from core.api_access import api_caller, api_deny, api_require_role
from recognition.access import APPLICANTS, APPLICATION_READERS, EXPERTS, REVIEWERS
from recognition.application_types import application_type
from recognition.eligibility import eligibility_check
from recognition.models import Application
from recognition.schemas import (
    MAX_ID,
    ApplicationCreateIn,
    ApplicationPage,
    ApplicationQuery,
    ApplicationUpdateIn,
    ApplicationView,
    ConflictOut,
    ErrorOut,
    ExpertSheetIn,
    ExpertSheetResultOut,
    NoticeOut,
    NoticeQuery,
    TransitionIn,
    TransitionOut,
)
from recognition.selectors import (
    ACTIVE_STATUSES,
    NOT_FOUND,
    CitedResult,
    ExpertView,
    TimelineEntry,
    application_get_for_user,
    application_list_for_user,
    application_timeline,
    cited_results,
    expert_sheets_summary,
    expert_view,
    is_overdue,
    public_notices,
)
from recognition.services import (
    ALREADY_APPLIED,
    CERTIFICATE_TAKEN,
    NOT_AN_EXPERT,
    NOT_EDITABLE,
    SHEET_DONE,
    application_create,
    application_transition,
    application_update,
    application_years,
    expert_sheet_submit,
)
from recognition.workflow import CONFLICT, LOCKED, ROLE_NOT_ALLOWED, TRANSITIONS, Step, actions_for

FORBIDDEN = "您的角色无权使用认定申报数据 (Your role may not use recognition applications)"
FORBIDDEN_CREATE = "只有企业用户可以申报 (Only enterprise users apply)"
FORBIDDEN_EDIT = "只有企业用户可以修改申报材料 (Only enterprise users edit an application)"
FORBIDDEN_ACT = (
    "您的角色不能办理申报；专家请提交评分表 "
    "(Your role may not take workflow steps; experts submit score sheets)"
)
FORBIDDEN_SHEET = "只有评审专家可以提交评分 (Only experts submit score sheets)"
TYPE_REQUIRED = "请指定申报类型 type (type is required)"
REVISION_REQUIRED = "请提供修订号 revision (revision is required)"
ACTION_REQUIRED = "请指定操作 action (action is required)"
UNKNOWN_ACTION = "未知的操作 (Unknown action)"
OPINION_REQUIRED = "请给出评审结论 opinion (opinion is required: pass or fail)"

# The body fields each step reads besides `reason` (recognition.services guards).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "assign_experts": ("experts",),
    "site_check_record": ("passed", "note"),
    "approve": ("notice_start",),
}
# Service refusals answered 409 with the current state, per write: someone else acted since the
# caller's revision, or (edits, sheets) what the caller wants to change is no longer open. Every
# other refusal is a 422 with the service's reason (a step the workflow refuses now included).
STEP_CONFLICTS = frozenset({CONFLICT, CERTIFICATE_TAKEN})
EDIT_CONFLICTS = frozenset({CONFLICT, NOT_EDITABLE, LOCKED})
SHEET_CONFLICTS = frozenset({CONFLICT, SHEET_DONE})
READERS = (*APPLICATION_READERS, *EXPERTS)

router = Router(tags=["recognition"])


_caller = api_caller
_deny = api_deny


def _require_role(
    request: HttpRequest, operation: str, roles: tuple[str, ...], message: str = FORBIDDEN
) -> Any:
    return api_require_role(request, operation, roles, message)


def _load(user: Any, application_id: int) -> Application:
    """The application if `user` may see it (out of scope is audited by the selector); else 404."""
    try:
        return application_get_for_user(user=user, pk=application_id)
    except Http404:
        raise HttpError(404, NOT_FOUND) from None


def _refusal(
    application: Application, error: ValidationError, conflicts: frozenset[str]
) -> tuple[int, dict[str, Any]]:
    """409 with the current state for `conflicts`, 422 for everything else the service refused."""
    text = " ".join(error.messages)
    if not conflicts & set(error.messages):
        return 422, {"error": text}
    current = Application.objects.filter(pk=application.pk).values("status", "revision").get()
    return 409, {"error": text, **current}


# --- output ---------------------------------------------------------------------------------------


def _region(region: Any) -> dict[str, str]:
    return {"code": region.code, "name": region.name}


def _item(application: Application, today: date) -> dict[str, Any]:
    enterprise = application.enterprise
    return {
        "id": application.pk,
        "type": application.type,
        "type_name": application.type_name,
        "year": application.year,
        "status": application.status,
        "status_label": application.get_status_display(),
        "route": application.route,
        "enterprise": {"id": enterprise.pk, "uscc": enterprise.uscc, "name": enterprise.name},
        "city": _region(enterprise.city),
        "county": _region(enterprise.county),
        "revision": application.revision,
        "submitted_at": application.submitted_at,
        "step_due": application.step_due,
        "overdue": is_overdue(application, today),
        "notice_start": application.notice_start,
        "notice_end": application.notice_end,
        "certificate_no": application.certificate_no,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }


def _result(result: CitedResult, official: bool) -> dict[str, Any]:
    return {
        "id": result.pk,
        "framework": result.framework_code,
        "framework_version": result.version_label,
        "year": result.year,
        "total": result.total,
        "max_total": result.max_total,
        "level": result.level or None,
        "level_name": result.level_name or None,
        "submitted_at": result.submitted_at,
        "flags": list(result.flags) if official else None,
        "risk_score": result.risk_score if official else None,
    }


def _entry(entry: TimelineEntry, official: bool) -> dict[str, Any]:
    """One step; experts' names are for officials only (an applicant sees the role)."""
    step = entry.transition
    return {
        "action": step.action,
        "action_label": entry.action_label,
        "from_status": step.from_status,
        "to_status": step.to_status,
        "from_label": entry.from_label,
        "to_label": entry.to_label,
        "actor": step.actor.username if official or step.actor_role != "expert" else None,
        "actor_role": step.actor_role,
        "at": step.at,
        "reason": step.reason,
        "changes": [asdict(change) for change in entry.changes],
    }


def _eligibility(user: Any, application: Application) -> dict[str, Any]:
    """Live for the applicant while the application can still be submitted (as on the page);
    as stored at the last check otherwise."""
    live = application.is_editable and user.role in APPLICANTS
    if live:
        checked = eligibility_check(
            enterprise=application.enterprise, type_code=application.type, year=application.year
        ).as_dict()
    else:
        checked = {"eligible": False, "checks": [], **application.eligibility}
    return {**checked, "live": live}


def _sheets(application: Application) -> dict[str, Any]:
    summary = expert_sheets_summary(application)
    return {
        "submitted": summary.submitted,
        "average": summary.average,
        "passes": summary.passes,
        "pass_mark": summary.pass_mark,
        "max_total": summary.max_total,
        "sheets": [
            {
                "expert": sheet.expert.username,
                "due": sheet.due,
                "submitted_at": sheet.submitted_at,
                "scores": sheet.scores,
                "total": sheet.total,
                "opinion": sheet.opinion,
                "comment": sheet.comment,
            }
            for sheet in summary.sheets
        ],
    }


def _action(step: Step) -> dict[str, Any]:
    return {
        "action": step.action,
        "label": str(step.label),
        "needs_reason": step.needs_reason,
        "danger": step.danger,
        "takes": list(STEP_FIELDS.get(step.action, ())),
    }


def _actions(user: Any, application: Application) -> list[dict[str, Any]]:
    return [_action(step) for step in actions_for(user, application)]


def _detail(user: Any, application: Application) -> dict[str, Any]:
    """The enterprise's and the officials' view (the page's content); plausibility flags for
    officials, expert sheets for the province."""
    official = user.role in REVIEWERS
    return {
        **_item(application, timezone.localdate()),
        "view": "full",
        "route_label": application.get_route_display(),
        "step_started_at": application.step_started_at,
        "decided_at": application.decided_at,
        "certificate": {"number": application.certificate_no, "year": application.certificate_year}
        if application.certificate_no
        else None,
        "summary": application.summary,
        "achievements": application.achievements,
        "investment_10k_yuan": application.investment_10k_yuan,
        "contact_name": application.contact_name,
        "contact_phone": application.contact_phone,
        "contact_email": application.contact_email,
        "eligibility": _eligibility(user, application),
        "results": [_result(r, official) for r in cited_results(application)],
        "site_check": {
            "required": application.site_check_required,
            "reason": application.site_check_reason if official else None,
            "passed": application.site_check_passed,
            "note": application.site_check_note,
        },
        "timeline": [_entry(entry, official) for entry in application_timeline(application)],
        "expert_sheets": _sheets(application) if user.role == Role.PROVINCE else None,
        "editable": application.is_editable and user.role in APPLICANTS,
        "actions": _actions(user, application),
    }


def _expert_detail(view: ExpertView) -> dict[str, Any]:
    """An assigned expert's view, field by field from recognition.selectors.ExpertView (which
    carries no contact data)."""
    criteria = application_type(view.type).score_sheet.criteria
    return {
        "view": "expert",
        "id": view.pk,
        "type": view.type,
        "type_name": view.type_name,
        "year": view.year,
        "status": view.status,
        "status_label": view.status_label,
        "enterprise_name": view.enterprise_name,
        "enterprise_uscc": view.enterprise_uscc,
        "city": view.city,
        "county": view.county,
        "industry": view.industry,
        "summary": view.summary,
        "achievements": view.achievements,
        "investment_10k_yuan": view.investment_10k_yuan,
        "results": [_result(r, official=False) for r in view.results],
        "criteria": [
            {"code": c.code, "name_zh": c.name.zh, "name_en": c.name.en, "max": c.max}
            for c in criteria
        ],
        "sheet": asdict(view.sheet),
        "can_score": view.can_score,
    }


# --- reads ----------------------------------------------------------------------------------------


def _filtered(
    applications: QuerySet[Application], query: ApplicationQuery
) -> QuerySet[Application]:
    lookups = {
        "type": query.type,
        "year": query.year,
        "status": query.status,
        "enterprise__city_id": query.city,
        "enterprise__county_id": query.county,
    }
    applications = applications.filter(**{k: v for k, v in lookups.items() if v is not None})
    if query.overdue:
        overdue = Q(step_due__lt=timezone.localdate(), status__in=ACTIVE_STATUSES)
        applications = applications.filter(overdue)
    return applications


@router.get(
    "/applications",
    response={200: ApplicationPage, 403: ErrorOut},
    url_name="application-list",
    summary="Recognition applications you may see (officials: submitted ones in your "
    "jurisdiction; experts: those assigned to you)",
)
def application_list(request: HttpRequest, query: Query[ApplicationQuery]) -> Any:
    user = _require_role(request, "application-list", READERS)
    applications = _filtered(application_list_for_user(user=user), query).order_by(
        "-updated_at", "-pk"
    )
    start = (query.page - 1) * query.page_size
    today = timezone.localdate()
    return {
        "count": applications.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_item(a, today) for a in applications[start : start + query.page_size]],
    }


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationView, 403: ErrorOut, 404: ErrorOut},
    url_name="application-detail",
    summary="One application: content, eligibility, cited results, timeline and the steps you "
    'may take now (view "full"); an assigned expert gets view "expert", without contact data',
)
def application_detail(
    request: HttpRequest, application_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    user = _require_role(request, "application-detail", READERS)
    if user.role in EXPERTS:
        try:
            return _expert_detail(expert_view(user=user, pk=application_id))
        except Http404:
            raise HttpError(404, NOT_FOUND) from None
    return _detail(user, _load(user, application_id))


# --- writes ---------------------------------------------------------------------------------------


@router.post(
    "/applications",
    response={201: ApplicationView, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="application-create",
    summary="Create a draft application of your enterprise (cites its latest results and checks "
    "the eligibility; 409 when one of the type and year exists)",
)
def application_create_view(request: HttpRequest, payload: ApplicationCreateIn) -> Any:
    user = _require_role(request, "application-create", APPLICANTS, FORBIDDEN_CREATE)
    if payload.type is None:
        return 422, {"error": TYPE_REQUIRED}
    year = payload.year or application_years()[1]
    try:
        created = application_create(by=user, type_code=payload.type, year=year)
    except ValidationError as exc:
        return (409 if ALREADY_APPLIED in exc.messages else 422), {"error": " ".join(exc.messages)}
    except IntegrityError:  # the same application created at the same moment
        return 409, {"error": ALREADY_APPLIED}
    return 201, _detail(user, created)


@router.patch(
    "/applications/{application_id}",
    response={200: ApplicationView, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut},
    url_name="application-update",
    summary="Change the content of a draft or returned application (409 when it changed since "
    "your revision or cannot be edited now)",
)
def application_update_view(
    request: HttpRequest,
    payload: ApplicationUpdateIn,
    application_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    user = _require_role(request, "application-update", APPLICANTS, FORBIDDEN_EDIT)
    found = _load(user, application_id)
    if payload.revision is None:
        return 422, {"error": REVISION_REQUIRED}
    values = payload.model_dump(exclude_unset=True, exclude={"revision"})
    try:
        updated = application_update(
            application=found, by=user, revision=payload.revision, **values
        )
    except ValidationError as exc:
        return _refusal(found, exc, EDIT_CONFLICTS)
    return 200, _detail(user, updated)


def _experts(names: list[int | str]) -> list[User | int]:
    """User ids as given, usernames resolved (422 for a username nobody has); the service checks
    that each is an active expert."""
    wanted = {name for name in names if isinstance(name, str)}
    found = {u.username: u for u in User.objects.filter(username__in=wanted)}
    missing = sorted(wanted - found.keys())
    if missing:
        raise HttpError(422, NOT_AN_EXPERT.format(name=missing[0]))
    return [found[name] if isinstance(name, str) else name for name in names]


def _step_data(step: Step, payload: TransitionIn) -> dict[str, Any]:
    """The fields `step` reads (STEP_FIELDS) that the caller sent."""
    data = {
        name: getattr(payload, name)
        for name in STEP_FIELDS.get(step.action, ())
        if getattr(payload, name) is not None
    }
    if "experts" in data:
        data["experts"] = _experts(data["experts"])
    return data


@router.post(
    "/applications/{application_id}/transitions",
    response={
        200: TransitionOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        422: ErrorOut,
    },
    url_name="application-transition",
    summary="Take one workflow step (one of the application's `actions`) on the revision you saw: "
    "409 when someone acted since, 422 when the workflow refuses the step now, 403 when your role "
    "never takes it",
)
def application_transition_view(
    request: HttpRequest, payload: TransitionIn, application_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    operation = "application-transition"
    user = _require_role(request, operation, APPLICATION_READERS, FORBIDDEN_ACT)
    found = _load(user, application_id)
    if payload.action is None:
        return 422, {"error": ACTION_REQUIRED}
    step = TRANSITIONS.get(payload.action)
    if step is None:
        return 422, {"error": UNKNOWN_ACTION}
    if user.role not in step.roles:
        _deny(request, operation, ROLE_NOT_ALLOWED.format(action=step.label), obj=found)
    if payload.revision is None:
        return 422, {"error": REVISION_REQUIRED}
    try:
        moved = application_transition(
            application=found,
            action=step.action,
            by=user,
            revision=payload.revision,
            reason=payload.reason,
            **_step_data(step, payload),
        )
    except ValidationError as exc:
        return _refusal(found, exc, STEP_CONFLICTS)
    return 200, {
        "id": moved.pk,
        "status": moved.status,
        "status_label": moved.get_status_display(),
        "revision": moved.revision,
        "step_due": moved.step_due,
        "notice_start": moved.notice_start,
        "notice_end": moved.notice_end,
        "certificate_no": moved.certificate_no,
        "actions": _actions(user, moved),
    }


@router.post(
    "/applications/{application_id}/expert-sheet",
    response={
        200: ExpertSheetResultOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        422: ErrorOut,
    },
    url_name="application-expert-sheet",
    summary="Submit your score sheet for an application assigned to you (the last sheet moves the "
    "application on); 409 when you already submitted",
)
def application_expert_sheet(
    request: HttpRequest, payload: ExpertSheetIn, application_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    user = _require_role(request, "application-expert-sheet", EXPERTS, FORBIDDEN_SHEET)
    found = _load(user, application_id)  # experts: only the applications assigned to them
    if payload.opinion is None:
        return 422, {"error": OPINION_REQUIRED}
    try:
        sheet = expert_sheet_submit(
            application=found,
            by=user,
            scores=payload.scores,
            opinion=payload.opinion,
            comment=payload.comment,
        )
    except ValidationError as exc:
        return _refusal(found, exc, SHEET_CONFLICTS)
    status = Application.objects.filter(pk=found.pk).values_list("status", flat=True).get()
    return 200, {
        "id": found.pk,
        "status": status,
        "sheet": {
            "due": sheet.due,
            "scores": sheet.scores,
            "total": sheet.total,
            "opinion": sheet.opinion,
            "comment": sheet.comment,
            "submitted_at": sheet.submitted_at,
        },
    }


# --- public ---------------------------------------------------------------------------------------


@router.get(
    "/notices",
    auth=None,
    response=list[NoticeOut],
    url_name="notice-list",
    summary="Public: applications in public notice and those recognised this year or last "
    "(public fields only; no authentication)",
)
def notice_list(request: HttpRequest, query: Query[NoticeQuery]) -> list[dict[str, Any]]:
    return [
        asdict(notice)
        for notice in public_notices()
        if query.status is None or notice.status == query.status
    ]
