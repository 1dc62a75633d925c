"""The application workflow as data: which action moves an application from which statuses to
which, who may take it, and what else it needs (the guard, implemented in recognition.services).

    enterprise submits → county review → city review → province review → expert review
    → (site check) → decision → public notice → recognised

Strategic enterprises (direct route) submit straight to the province; a county administered by the
province (Region.province_administered) approves straight to the province. Officials act only on
applications in their jurisdiction (accounts.scoping), experts only on the applications assigned
to them, enterprise users only on their own enterprise's. Anything else is refused with a
ValidationError and nothing is written (recognition.services.application_transition).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scoping import scope_to_enterprises
from recognition.models import Application, ExpertAssignment

S = Application.Status

UNKNOWN_ACTION = "未知的操作：{action} / Unknown action: {action}"
LOCKED = "该申报已办结，不能再修改 / This application is decided and locked"
ROLE_NOT_ALLOWED = "您的角色不能执行“{action}” / Your role may not take the step “{action}”"
NOT_IN_SCOPE = (
    "该申报不在您的办理范围内 / This application is outside your jurisdiction or assignment"
)
WRONG_STATUS = (
    "申报当前为“{status}”，不能执行“{action}” / "
    "The application is at “{status}”: “{action}” is not possible now"
)
CONFLICT = "该申报已被他人处理，请刷新 / Someone else has acted on this application; reload"


@dataclass(frozen=True)
class Step:
    """One row of the transition table. `targets` lists every status the step may lead to; the
    service picks one (by route, or when the last expert sheet is in). `guard` names the extra
    condition the service checks."""

    action: str
    label: Promise
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    roles: tuple[str, ...]
    guard: str = ""
    needs_reason: bool = False
    danger: bool = False


TRANSITIONS: dict[str, Step] = {
    step.action: step
    for step in (
        Step(
            "submit",
            _("提交申报"),
            (S.DRAFT, S.RETURNED),
            (S.COUNTY_REVIEW, S.PROVINCE_REVIEW),
            (Role.ENTERPRISE,),
            guard="eligible; direct route → province review; diff against the returned content",
        ),
        Step(
            "withdraw",
            _("撤回申报"),
            (S.DRAFT, S.RETURNED, S.COUNTY_REVIEW, S.CITY_REVIEW),
            (S.WITHDRAWN,),
            (Role.ENTERPRISE,),
            danger=True,
        ),
        Step(
            "county_approve",
            _("审核通过"),
            (S.COUNTY_REVIEW,),
            (S.CITY_REVIEW, S.PROVINCE_REVIEW),
            (Role.COUNTY,),
            guard="province-administered county → province review",
        ),
        Step(
            "county_return",
            _("退回企业"),
            (S.COUNTY_REVIEW,),
            (S.RETURNED,),
            (Role.COUNTY,),
            needs_reason=True,
            danger=True,
        ),
        Step(
            "city_recommend",
            _("推荐至省"),
            (S.CITY_REVIEW,),
            (S.PROVINCE_REVIEW,),
            (Role.CITY,),
        ),
        Step(
            "city_return",
            _("退回企业"),
            (S.CITY_REVIEW,),
            (S.RETURNED,),
            (Role.CITY,),
            needs_reason=True,
            danger=True,
        ),
        Step(
            "province_return",
            _("退回企业"),
            (S.PROVINCE_REVIEW,),
            (S.RETURNED,),
            (Role.PROVINCE,),
            needs_reason=True,
            danger=True,
        ),
        Step(
            "province_reject",
            _("不予认定"),
            (S.PROVINCE_REVIEW, S.EXPERT_REVIEW, S.DECISION),
            (S.REJECTED,),
            (Role.PROVINCE,),
            needs_reason=True,
            danger=True,
        ),
        Step(
            "assign_experts",
            _("指派专家"),
            (S.PROVINCE_REVIEW, S.EXPERT_REVIEW),
            (S.EXPERT_REVIEW, S.SITE_CHECK, S.DECISION),
            (Role.PROVINCE,),
            guard="at least one active expert; in expert review, replaces experts who have not "
            "submitted (the application moves on when every remaining sheet is in)",
        ),
        Step(
            "expert_submit",
            _("提交评分"),
            (S.EXPERT_REVIEW,),
            (S.EXPERT_REVIEW, S.SITE_CHECK, S.DECISION),
            (Role.EXPERT,),
            guard="own sheet not yet submitted; every criterion 0..max; the last sheet moves on",
        ),
        Step(
            "require_site_check",
            _("要求现场核查"),
            (S.PROVINCE_REVIEW, S.EXPERT_REVIEW),
            (S.PROVINCE_REVIEW, S.EXPERT_REVIEW),
            (Role.PROVINCE,),
            needs_reason=True,
        ),
        Step(
            "site_check_record",
            _("记录核查结果"),
            (S.SITE_CHECK,),
            (S.DECISION,),
            (Role.PROVINCE,),
            guard="passed or failed, with a note",
        ),
        Step(
            "approve",
            _("同意认定并公示"),
            (S.DECISION,),
            (S.PUBLIC_NOTICE,),
            (Role.PROVINCE,),
            guard="a required site check has passed; notice starts today or later",
        ),
        Step(
            "notice_objection_upheld",
            _("公示异议成立"),
            (S.PUBLIC_NOTICE,),
            (S.REJECTED,),
            (Role.PROVINCE,),
            needs_reason=True,
            danger=True,
        ),
        Step(
            "recognise",
            _("正式认定"),
            (S.PUBLIC_NOTICE,),
            (S.RECOGNISED,),
            (Role.PROVINCE,),
            guard="the notice period is over; assigns the certificate number",
        ),
    )
}

# Steps the application page offers as forms (the expert's sheet has its own page).
PAGE_ACTIONS = tuple(a for a in TRANSITIONS if a != "expert_submit")


def may_act(user: Any, application: Application) -> bool:
    """Whether `application` is within what `user` acts on: officials their jurisdiction, enterprise
    users their enterprise, experts the applications assigned to them."""
    role = getattr(user, "role", "")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if role == Role.EXPERT:
        return ExpertAssignment.objects.filter(application=application, expert=user).exists()
    if role in (Role.ENTERPRISE, Role.COUNTY, Role.CITY, Role.PROVINCE):
        own = Application.objects.filter(pk=application.pk)
        return scope_to_enterprises(own, user, path="enterprise").exists()
    return False


def step_get(action: str) -> Step:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise ValidationError(UNKNOWN_ACTION.format(action=action)) from None


def step_check(step: Step, application: Application, user: Any, revision: int) -> None:
    """Raise ValidationError unless `user` may take `step` on `application` now: not locked, the
    role, the jurisdiction or assignment, the revision the user saw, the status. The step's
    guard is checked by the service."""
    if application.is_locked:
        raise ValidationError(LOCKED)
    if getattr(user, "role", None) not in step.roles:
        raise ValidationError(ROLE_NOT_ALLOWED.format(action=step.label))
    if not may_act(user, application):
        raise ValidationError(NOT_IN_SCOPE)
    if application.revision != revision:
        raise ValidationError(CONFLICT)
    if application.status not in step.sources:
        status = Application.Status(application.status).label
        raise ValidationError(WRONG_STATUS.format(status=status, action=step.label))


def actions_for(user: Any, application: Application) -> list[Step]:
    """The steps `user` may take on `application` now (role, status, jurisdiction), in table
    order."""
    role = getattr(user, "role", None)
    if application.is_locked:
        return []
    steps = [
        TRANSITIONS[action]
        for action in PAGE_ACTIONS
        if role in TRANSITIONS[action].roles and application.status in TRANSITIONS[action].sources
    ]
    return steps if steps and may_act(user, application) else []
