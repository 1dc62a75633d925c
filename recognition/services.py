"""Writes of the recognition app: create and edit an application, move it through the workflow
(recognition.workflow), experts' score sheets and the risk-based site-check sample.

Every transition is a conditional update on `revision`: two reviewers acting at once → one wins,
the other gets CONFLICT. Each step writes a Transition row and an audit row; a refused step writes
nothing but an audit row with result "denied". Recognised, rejected and withdrawn applications are
locked.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Assessment
from assessments.selectors import latest_results_for_enterprise
from audit.models import AuditEvent
from audit.services import audit_record
from recognition import workflow
from recognition.application_types import ApplicationType, application_type, catalogue
from recognition.eligibility import Eligibility, eligibility_check
from recognition.models import Application, ExpertAssignment, Transition
from registry.models import Enterprise, EnterpriseCategory

S = Application.Status

NOT_ENTERPRISE_USER = "只有企业用户可以申报 / Only enterprise users can apply"
UNKNOWN_TYPE = "未知的申报类型 / Unknown application type"
BAD_YEAR = "申报年度应为 {low}–{high} / The application year must be {low}–{high}"
ALREADY_APPLIED = (
    "本企业已有该类型、该年度的申报 / Your enterprise already has an application of this type "
    "for this year"
)
NOT_EDITABLE = (
    "只有草稿或已退回的申报可以修改 / Only a draft or a returned application can be edited"
)
NOT_OWN = "只能修改本企业的申报 / You can edit only your own enterprise's applications"
REASON_REQUIRED = "请填写理由 / A reason is required"
NOT_ELIGIBLE = "不满足申报条件：{reasons} / Not eligible: {reasons_en}"
NO_EXPERTS = "请至少指派 1 名评审专家 / Assign at least one expert"
NOT_AN_EXPERT = "{name} 不是在用的评审专家账号 / {name} is not an active expert"
SHEET_DONE = "您已提交评分 / You have already submitted your sheet"
SCORE_MISSING = "请为“{name}”打分 / Score “{name}”"
SCORE_RANGE = "“{name}”的得分应为 0–{max:g} / “{name}” must be 0–{max:g}"
BAD_OPINION = "评审结论应为“通过”或“不通过” / The opinion must be pass or fail"
SITE_CHECK_RESULT = "请选择核查结论并填写核查记录 / Give the result and a note of the site check"
SITE_CHECK_NOT_PASSED = (
    "现场核查未通过，不能同意认定 / The site check did not pass: the application cannot be approved"
)
NOTICE_START_PAST = "公示开始日期不能早于今天 / The notice cannot start before today"
NOTICE_START_MAX_DAYS = 90
NOTICE_START_FAR = "公示开始日期不能晚于 90 天之后 / The notice must start within 90 days"
NOTICE_NOT_OVER = (
    "公示期至 {end} 结束，届时方可认定 / The notice period ends on {end}; recognise after it"
)
CERTIFICATE_TAKEN = "证书编号已被占用，请重试 / The certificate number was taken; try again"
NOT_PROVINCE = "只有省级管理员可以抽取现场核查 / Only province officials draw site-check samples"
BAD_SHARE = "抽样比例应在 0–1 之间 / The share must be between 0 and 1"

CONTENT_FIELDS = (
    "summary",
    "achievements",
    "investment_10k_yuan",
    "contact_name",
    "contact_phone",
    "contact_email",
)
OPINIONS = ("pass", "fail")


# --- create and edit -----------------------------------------------------------------------------


def _cited(kind: ApplicationType, results: Mapping[str, Assessment]) -> list[Assessment]:
    """The results the type's rules read, in rule order."""
    return [results[code] for code in kind.frameworks if code in results]


def application_route(*, enterprise: Enterprise, year: int) -> str:
    """Direct when the enterprise holds a direct category (strategic enterprises) in the
    application year or the year before; province-administered when its county is; else
    standard (county → city → province)."""
    direct = EnterpriseCategory.objects.filter(
        enterprise=enterprise,
        category_id__in=catalogue().direct_categories,
        year__gte=year - 1,
        year__lte=year,
    ).exists()
    if direct:
        return Application.Route.DIRECT
    if enterprise.county is not None and enterprise.county.province_administered:
        return Application.Route.PROVINCE_ADMINISTERED
    return Application.Route.STANDARD


def application_years(today: date | None = None) -> list[int]:
    """The years an enterprise may apply for: last year, this year and next year."""
    year = (today or timezone.localdate()).year
    return [year - 1, year, year + 1]


@transaction.atomic
def application_create(*, by: User, type_code: str, year: int) -> Application:
    """A draft application of `by`'s enterprise, citing its latest valid results for the models
    the type's rules read, with eligibility and route computed."""
    if by.role != Role.ENTERPRISE or by.enterprise_id is None:
        raise ValidationError(NOT_ENTERPRISE_USER)
    if type_code not in catalogue().types:
        raise ValidationError(UNKNOWN_TYPE)
    years = application_years()
    if year not in years:
        raise ValidationError(BAD_YEAR.format(low=years[0], high=years[-1]))
    enterprise = Enterprise.objects.select_related("county").get(pk=by.enterprise_id)
    live = Application.objects.filter(enterprise=enterprise, type=type_code, year=year).exclude(
        status__in=[S.WITHDRAWN, S.REJECTED]
    )
    if live.exists():
        raise ValidationError(ALREADY_APPLIED)
    results = latest_results_for_enterprise(enterprise_id=enterprise.pk)
    kind = application_type(type_code)
    eligibility = eligibility_check(
        enterprise=enterprise, type_code=type_code, year=year, results=results
    )
    application = Application(
        type=type_code,
        enterprise=enterprise,
        year=year,
        route=application_route(enterprise=enterprise, year=year),
        eligibility=eligibility.as_dict(),
        created_by=by,
    )
    application.full_clean()
    application.save()
    application.results.set(_cited(kind, results))
    audit_record(
        action="application.create",
        obj=application,
        after={
            "type": type_code,
            "year": year,
            "route": application.route,
            "eligible": eligibility.eligible,
            "results": [r.pk for r in _cited(kind, results)],
        },
    )
    return application


def _content_values(application: Application, values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for name in CONTENT_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "investment_10k_yuan" and value not in (None, ""):
            try:
                value = Decimal(str(value))
            except InvalidOperation as exc:
                raise ValidationError({name: "请输入数字 / Enter a number"}) from exc
        elif name == "investment_10k_yuan":
            value = None
        else:
            value = (value or "").strip()
        cleaned[name] = value
    return cleaned


def application_update(
    *, application: Application, by: User, revision: int, **values: Any
) -> Application:
    """Change the content fields (CONTENT_FIELDS) of a draft or returned application of `by`'s
    enterprise. `revision` is the one the user edited; a stale one is a conflict."""
    with transaction.atomic():
        current = Application.objects.select_for_update().get(pk=application.pk)
        if current.is_locked:
            raise ValidationError(workflow.LOCKED)
        if by.role != Role.ENTERPRISE or by.enterprise_id != current.enterprise_id:
            raise ValidationError(NOT_OWN)
        if not current.is_editable:
            raise ValidationError(NOT_EDITABLE)
        if current.revision != revision:
            raise ValidationError(workflow.CONFLICT)
        changed = {
            name: value
            for name, value in _content_values(current, values).items()
            if getattr(current, name) != value
        }
        if not changed:
            return current
        before = {name: _plain(getattr(current, name)) for name in changed}
        for name, value in changed.items():
            setattr(current, name, value)
        current.full_clean()
        updated = Application.objects.filter(pk=current.pk, revision=revision).update(
            **changed, revision=F("revision") + 1, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(workflow.CONFLICT)
        current.refresh_from_db()
        audit_record(
            action="application.update",
            obj=current,
            before=before,
            after={name: _plain(value) for name, value in changed.items()},
        )
        return current


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


# --- transitions ---------------------------------------------------------------------------------


@dataclass
class Effect:
    """What a step does besides recording itself: the new status, fields to set, the diff (on a
    resubmission), the content snapshot (on a return) and extra audit facts."""

    to_status: str
    fields: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    snapshot: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)


Guard = Callable[[Application, User, str, Mapping[str, Any]], Effect]


def application_transition(
    *,
    application: Application,
    action: str,
    by: User,
    revision: int,
    reason: str = "",
    **data: Any,
) -> Application:
    """Take `action` (recognition.workflow.TRANSITIONS) on `application` as `by`. `revision` is
    the revision the user acted on. Raises ValidationError (nothing written but a "denied" audit
    row) when the step is not allowed, its guard fails, or someone else acted first."""
    try:
        with transaction.atomic():
            return _transition(application.pk, action, by, revision, reason.strip(), data)
    except ValidationError as error:
        audit_record(
            action=f"application.{action}"[:60],
            obj=application,
            result=AuditEvent.Result.DENIED,
            note="; ".join(error.messages)[:1000],
        )
        raise


def _transition(
    pk: int, action: str, by: User, revision: int, reason: str, data: Mapping[str, Any]
) -> Application:
    step = workflow.step_get(action)
    current = (
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise", "enterprise__county")
        .get(pk=pk)
    )
    workflow.step_check(step, current, by, revision)
    if step.needs_reason and not reason:
        raise ValidationError(REASON_REQUIRED)
    effect = GUARDS[action](current, by, reason, data)
    applied = _apply(current, action, by, revision, reason, effect)
    if applied.status == S.RECOGNISED:  # coverage counts recognitions: a delayed recompute
        transaction.on_commit(_request_coverage)
    return applied


def _request_coverage() -> None:
    from monitoring.services import coverage_recompute_request

    coverage_recompute_request()


def _due(kind: ApplicationType, status: str, fields: Mapping[str, Any]) -> date | None:
    if status == S.PUBLIC_NOTICE:
        end: date | None = fields.get("notice_end")
        return end
    days = kind.deadlines.get(status)
    return None if days is None else timezone.localdate() + timedelta(days=days)


def _apply(
    current: Application, action: str, by: User, revision: int, reason: str, effect: Effect
) -> Application:
    now = timezone.now()
    fields = dict(effect.fields)
    if effect.to_status != current.status:
        fields["status"] = effect.to_status
        fields["step_started_at"] = now
        fields["step_due"] = _due(application_type(current.type), effect.to_status, fields)
    try:
        with transaction.atomic():
            updated = Application.objects.filter(pk=current.pk, revision=revision).update(
                **fields, revision=F("revision") + 1, updated_at=now
            )
    except IntegrityError as exc:  # a certificate number taken at the same moment
        raise ValidationError(CERTIFICATE_TAKEN) from exc
    if not updated:
        raise ValidationError(workflow.CONFLICT)
    Transition.objects.create(
        application=current,
        action=action,
        from_status=current.status,
        to_status=effect.to_status,
        actor=by,
        actor_role=by.role,
        reason=reason,
        changes=effect.changes,
        snapshot=effect.snapshot,
    )
    before = {"status": current.status, "revision": revision}
    current.refresh_from_db()
    audit_record(
        action=f"application.{action}",
        obj=current,
        before=before,
        after={"status": current.status, "revision": current.revision, **effect.audit},
        note=reason[:1000],
    )
    return current


def content_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{field: {"before", "after"}} for every field whose value differs."""
    return {
        name: {"before": before.get(name, ""), "after": after.get(name, "")}
        for name in sorted(set(before) | set(after))
        if before.get(name, "") != after.get(name, "")
    }


def _last_return_snapshot(application: Application) -> dict[str, Any]:
    last = application.transitions.filter(to_status=S.RETURNED).order_by("-at", "-pk").first()
    return dict(last.snapshot) if last else {}


def _submit(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    results = latest_results_for_enterprise(enterprise_id=current.enterprise_id)
    eligibility = eligibility_check(
        enterprise=current.enterprise, type_code=current.type, year=current.year, results=results
    )
    if not eligibility.eligible:
        raise ValidationError(_not_eligible(eligibility))
    current.results.set(_cited(application_type(current.type), results))
    route = application_route(enterprise=current.enterprise, year=current.year)
    changes = {}
    if current.status == S.RETURNED:
        changes = content_diff(_last_return_snapshot(current), current.content())
    target = S.PROVINCE_REVIEW if route == Application.Route.DIRECT else S.COUNTY_REVIEW
    return Effect(
        to_status=target,
        fields={
            "route": route,
            "eligibility": eligibility.as_dict(),
            "submitted_at": timezone.now(),
        },
        changes=changes,
        audit={"route": route, "changes": sorted(changes)},
    )


def _not_eligible(eligibility: Eligibility) -> str:
    return NOT_ELIGIBLE.format(
        reasons="；".join(c.text_zh for c in eligibility.failed),
        reasons_en="; ".join(c.text_en for c in eligibility.failed),
    )


def _to(status: str, **fields: Any) -> Guard:
    def guard(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
        return Effect(to_status=status, fields=dict(fields))

    return guard


def _return(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    return Effect(to_status=S.RETURNED, snapshot=current.content())


def _reject(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    return Effect(to_status=S.REJECTED, fields={"decided_at": timezone.now()})


def _county_approve(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    direct = current.route == Application.Route.PROVINCE_ADMINISTERED
    return Effect(to_status=S.PROVINCE_REVIEW if direct else S.CITY_REVIEW)


def _experts(data: Mapping[str, Any]) -> list[User]:
    chosen: list[User] = []
    for item in data.get("experts") or ():
        user = item if isinstance(item, User) else User.objects.filter(pk=item).first()
        if user is None or user.role != Role.EXPERT or not user.is_active:
            raise ValidationError(NOT_AN_EXPERT.format(name=getattr(user, "username", item)))
        if user not in chosen:
            chosen.append(user)
    if not chosen:
        raise ValidationError(NO_EXPERTS)
    return chosen


def _assign_experts(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    """Assign experts; during expert review this also replaces experts who have not submitted
    (one who left or does not answer): their open sheets are removed, submitted sheets are kept.
    When every remaining sheet is in, the application moves on."""
    experts = _experts(data)
    days = application_type(current.type).deadlines.get(S.EXPERT_REVIEW, 15)
    due = timezone.localdate() + timedelta(days=days)
    removed = list(
        current.expert_assignments.filter(submitted_at__isnull=True)
        .exclude(expert__in=experts)
        .values_list("expert_id", flat=True)
    )
    current.expert_assignments.filter(expert_id__in=removed).delete()
    for expert in experts:  # an expert assigned before keeps their sheet
        ExpertAssignment.objects.get_or_create(
            application=current, expert=expert, defaults={"assigned_by": by, "due": due}
        )
    target = S.EXPERT_REVIEW
    if not current.expert_assignments.filter(submitted_at__isnull=True).exists():
        target = S.SITE_CHECK if current.site_check_required else S.DECISION
    audit = {"experts": [e.pk for e in experts], "removed": removed}
    return Effect(to_status=target, audit=audit)


def sheet_scores(kind: ApplicationType, scores: Mapping[str, Any]) -> dict[str, float]:
    """The scores of an expert sheet, checked against the type's criteria: every criterion
    present, a number from 0 to its maximum."""
    checked: dict[str, float] = {}
    for criterion in kind.score_sheet.criteria:
        raw = scores.get(criterion.code)
        if raw in (None, ""):
            raise ValidationError(SCORE_MISSING.format(name=criterion.name.zh))
        try:
            value = float(raw)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                SCORE_RANGE.format(name=criterion.name.zh, max=criterion.max)
            ) from exc
        if not (0 <= value <= criterion.max) or math.isnan(value):
            raise ValidationError(SCORE_RANGE.format(name=criterion.name.zh, max=criterion.max))
        checked[criterion.code] = value
    return checked


def _expert_submit(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    sheet = ExpertAssignment.objects.get(application=current, expert=by)
    if sheet.is_submitted:
        raise ValidationError(SHEET_DONE)
    scores = sheet_scores(application_type(current.type), data.get("scores") or {})
    opinion = data.get("opinion", "")
    if opinion not in OPINIONS:
        raise ValidationError(BAD_OPINION)
    sheet.scores = scores
    sheet.total = sum(scores.values())
    sheet.opinion = opinion
    sheet.comment = str(data.get("comment", "")).strip()
    sheet.submitted_at = timezone.now()
    sheet.save()
    waiting = current.expert_assignments.filter(submitted_at__isnull=True).exists()
    target = S.EXPERT_REVIEW
    if not waiting:
        target = S.SITE_CHECK if current.site_check_required else S.DECISION
    return Effect(
        to_status=target, audit={"sheet": sheet.pk, "total": sheet.total, "opinion": opinion}
    )


def _require_site_check(
    current: Application, by: User, reason: str, data: Mapping[str, Any]
) -> Effect:
    return Effect(
        to_status=current.status,
        fields={"site_check_required": True, "site_check_reason": reason[:200]},
    )


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(
        str(value).lower()
    )


def _site_check_record(
    current: Application, by: User, reason: str, data: Mapping[str, Any]
) -> Effect:
    passed = _yes_no(data.get("passed"))
    note = str(data.get("note", "")).strip() or reason
    if passed is None or not note:
        raise ValidationError(SITE_CHECK_RESULT)
    return Effect(
        to_status=S.DECISION,
        fields={"site_check_passed": passed, "site_check_note": note},
        audit={"site_check_passed": passed},
    )


def _approve(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    if current.site_check_required and current.site_check_passed is not True:
        raise ValidationError(SITE_CHECK_NOT_PASSED)
    today = timezone.localdate()
    start = data.get("notice_start") or today
    if start < today:
        raise ValidationError(NOTICE_START_PAST)
    if start > today + timedelta(days=NOTICE_START_MAX_DAYS):
        raise ValidationError(NOTICE_START_FAR)
    end = start + timedelta(days=application_type(current.type).notice_days - 1)
    return Effect(
        to_status=S.PUBLIC_NOTICE,
        fields={"notice_start": start, "notice_end": end},
        audit={"notice_start": start.isoformat(), "notice_end": end.isoformat()},
    )


def certificate_number(kind: ApplicationType, year: int) -> str:
    """The next free certificate number of `kind` for `year`."""
    seq = Application.objects.filter(type=kind.code, certificate_year=year).count() + 1
    number = kind.certificate.number(year=year, seq=seq)
    while Application.objects.filter(certificate_no=number).exists():
        seq += 1
        number = kind.certificate.number(year=year, seq=seq)
    return number


def _recognise(current: Application, by: User, reason: str, data: Mapping[str, Any]) -> Effect:
    today = timezone.localdate()
    if current.notice_end is None or today <= current.notice_end:
        raise ValidationError(NOTICE_NOT_OVER.format(end=current.notice_end))
    number = certificate_number(application_type(current.type), today.year)
    return Effect(
        to_status=S.RECOGNISED,
        fields={
            "certificate_no": number,
            "certificate_year": today.year,
            "decided_at": timezone.now(),
        },
        audit={"certificate_no": number, "certificate_year": today.year},
    )


GUARDS: dict[str, Guard] = {
    "submit": _submit,
    "withdraw": _to(S.WITHDRAWN),
    "county_approve": _county_approve,
    "county_return": _return,
    "city_recommend": _to(S.PROVINCE_REVIEW),
    "city_return": _return,
    "province_return": _return,
    "province_reject": _reject,
    "assign_experts": _assign_experts,
    "expert_submit": _expert_submit,
    "require_site_check": _require_site_check,
    "site_check_record": _site_check_record,
    "approve": _approve,
    "notice_objection_upheld": _reject,
    "recognise": _recognise,
}


def expert_assign(
    *, application: Application, by: User, revision: int, experts: Sequence[User | int]
) -> Application:
    """Assign `experts` to score `application` (province officials; province review → expert
    review). Each gets a sheet due after the type's expert deadline."""
    return application_transition(
        application=application,
        action="assign_experts",
        by=by,
        revision=revision,
        experts=list(experts),
    )


def expert_sheet_submit(
    *,
    application: Application,
    by: User,
    scores: Mapping[str, Any],
    opinion: str,
    comment: str = "",
) -> ExpertAssignment:
    """Submit `by`'s score sheet for `application`. The last sheet in moves the application to
    the decision (or to the site check when one is required). Sheets are the experts' own, so a
    sheet never conflicts with another expert's: the current revision is used."""
    revision = Application.objects.filter(pk=application.pk).values_list("revision", flat=True)
    application_transition(
        application=application,
        action="expert_submit",
        by=by,
        revision=revision.first() or 0,
        scores=scores,
        opinion=opinion,
        comment=comment,
    )
    return ExpertAssignment.objects.get(application=application, expert=by)


# --- site-check sample ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sampled:
    application: Application
    risk: float
    reason: str


def application_risk(application: Application) -> float:
    """The highest risk score among the application's cited results (0 when none)."""
    return max((result.risk_score for result in application.results.all()), default=0.0)


def _draw(rest: list[tuple[Application, float]], count: int, seed: int) -> list[int]:
    """Weighted draw without replacement (Efraimidis–Spirakis: key = u^(1/w), the `count`
    largest keys win), weight = base_weight + risk. Deterministic for a seed."""
    base = catalogue().sampling.base_weight
    rng = random.Random(seed)
    keys = [(rng.random() ** (1 / (base + risk)), app.pk) for app, risk in rest]
    return [pk for _, pk in sorted(keys, reverse=True)[:count]]


@transaction.atomic
def site_check_sample(
    *, by: User, year: int, seed: int, share: float | None = None
) -> list[Sampled]:
    """Mark a risk-based sample of `year`'s applications at province or expert review for an
    on-site check: every one whose cited results carry a risk score ≥ the threshold, plus a
    seeded draw of `share` (default from types.yaml) of the rest, weighted by risk. The seed and
    each reason go to the audit trail and to the applications (site_check_reason)."""
    if by.role != Role.PROVINCE:
        raise ValidationError(NOT_PROVINCE)
    sampling = catalogue().sampling
    share = sampling.share if share is None else share
    if not 0 <= share <= 1:
        raise ValidationError(BAD_SHARE)
    candidates = (
        Application.objects.select_for_update()
        .filter(year=year, status__in=[S.PROVINCE_REVIEW, S.EXPERT_REVIEW])
        .filter(site_check_required=False)
        .order_by("pk")
    )
    scored = [(app, application_risk(app)) for app in candidates.prefetch_related("results")]
    high = [(app, risk) for app, risk in scored if risk >= sampling.risk_threshold]
    rest = [(app, risk) for app, risk in scored if risk < sampling.risk_threshold]
    drawn = set(_draw(rest, math.ceil(share * len(rest)), seed))
    sample = [
        Sampled(app, risk, f"风险分 {risk:g} ≥ {sampling.risk_threshold:g}（高风险必查）")
        for app, risk in high
    ] + [
        Sampled(app, risk, f"随机抽取（种子 {seed}，风险分 {risk:g}）")
        for app, risk in rest
        if app.pk in drawn
    ]
    for item in sample:
        effect = Effect(
            to_status=item.application.status,
            fields={"site_check_required": True, "site_check_reason": item.reason[:200]},
            audit={"sample_seed": seed},
        )
        app = item.application
        _apply(app, "require_site_check", by, app.revision, item.reason, effect)
    audit_record(
        action="application.site_check_sample",
        object_type="recognition.application",
        after={
            "year": year,
            "seed": seed,
            "share": share,
            "risk_threshold": sampling.risk_threshold,
            "candidates": len(scored),
            "selected": [{"id": s.application.pk, "reason": s.reason} for s in sample],
        },
        note=f"{len(sample)} of {len(scored)} applications, seed {seed}",
    )
    return sample
