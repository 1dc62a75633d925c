"""The workflow: every action × status × role (only the table's combinations succeed), the whole
way from the enterprise to the certificate on each route, returns with their diff, locks,
conflicts and jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEvent
from conftest import World, make_user
from recognition import services, workflow
from recognition.models import Application, ExpertAssignment, Transition
from recognition.services import (
    application_create,
    application_transition,
    application_update,
    expert_assign,
    expert_sheet_submit,
)
from recognition.tests.factories import (
    make_application,
    make_eligible_results,
    make_result,
    make_strategic,
)
from recognition.workflow import TRANSITIONS

S = Application.Status
ROLES = ["province", "city", "county", "enterprise", "expert", "provider", "admin"]
STATUSES = [status for status, _ in S.choices]
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
FULL_SCORES = {
    "maturity": 16,
    "infrastructure": 12,
    "technology": 15,
    "demonstration": 11,
    "benefits": 15,
    "plan": 8,
}


def _data(world: World, action: str) -> dict[str, Any]:
    extra: dict[str, dict[str, Any]] = {
        "assign_experts": {"experts": [world.users["expert"]]},
        "expert_submit": {"scores": FULL_SCORES, "opinion": "pass"},
        "site_check_record": {"passed": True, "note": "核查属实"},
    }
    return extra.get(action, {})


def _in(world: World, status: str, action: str) -> Application:
    """E1's application in `status`, its results eligible, the world's expert assigned (except
    when the action is the assignment itself), a notice period that ended yesterday."""
    results = list(make_eligible_results(world.e1).values()) if action == "submit" else []
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    extra: dict[str, Any] = {"notice_start": yesterday - dt.timedelta(days=6)}
    if status == S.RECOGNISED:
        extra.update(certificate_no="X-1", certificate_year=yesterday.year)
    application = make_application(
        enterprise=world.e1,
        by=world.users["enterprise"],
        status=status,
        results=results,
        notice_end=yesterday,
        **extra,
    )
    if action != "assign_experts":
        application.expert_assignments.create(
            expert=world.users["expert"], assigned_by=world.users["province"]
        )
    return application


def _take(world: World, application: Application, action: str, role: str) -> Application:
    return application_transition(
        application=application,
        action=action,
        by=world.users[role],
        revision=application.revision,
        reason="理由",
        **_data(world, action),
    )


CASES = [(a, s, r) for a in TRANSITIONS for s in STATUSES for r in ROLES]
ALLOWED = [
    (a, s, r) for a, s, r in CASES if s in TRANSITIONS[a].sources and r in TRANSITIONS[a].roles
]
FORBIDDEN = [case for case in CASES if case not in ALLOWED]


@pytest.mark.parametrize(("action", "status", "role"), ALLOWED)
def test_the_tables_combinations_succeed(world: World, action: str, status: str, role: str) -> None:
    application = _in(world, status, action)
    moved = _take(world, application, action, role)
    assert moved.revision == application.revision + 1
    assert moved.status in TRANSITIONS[action].targets
    assert Transition.objects.filter(application=application, action=action).count() == 1
    assert AuditEvent.objects.filter(action=f"application.{action}", result="ok").count() == 1


@pytest.mark.parametrize(("action", "status", "role"), FORBIDDEN)
def test_every_other_combination_is_refused_and_writes_nothing(
    world: World, action: str, status: str, role: str
) -> None:
    application = _in(world, status, action)
    assignments = ExpertAssignment.objects.count()
    with pytest.raises(ValidationError):
        _take(world, application, action, role)
    after = Application.objects.get(pk=application.pk)
    assert (after.status, after.revision) == (status, application.revision)
    assert not Transition.objects.exists()
    assert ExpertAssignment.objects.count() == assignments
    assert AuditEvent.objects.filter(action=f"application.{action}").get().result == "denied"


def test_an_unknown_action_is_refused(world: World) -> None:
    application = _in(world, S.COUNTY_REVIEW, "x")
    with pytest.raises(ValidationError, match="Unknown action"):
        _take(world, application, "fly", "county")


# --- the whole way -------------------------------------------------------------------------------


@pytest.fixture
def experts() -> list[User]:
    return [make_user(f"expert{i}", Role.EXPERT) for i in range(3)]


def _step(app: Application, action: str, by: User, **kw: Any) -> Application:
    return application_transition(
        application=app, action=action, by=by, revision=app.revision, **kw
    )


def test_the_standard_route_runs_from_the_enterprise_to_the_certificate(
    world: World, experts: list[User], time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    make_eligible_results(world.e1)
    u = world.users
    app = application_create(by=u["enterprise"], type_code="advanced_factory", year=2026)
    app = _step(app, "submit", u["enterprise"])
    assert (app.status, app.step_due) == (S.COUNTY_REVIEW, dt.date(2026, 3, 17))
    app = _step(app, "county_approve", u["county"], reason="材料齐全")
    assert (app.status, app.step_due) == (S.CITY_REVIEW, dt.date(2026, 3, 17))
    app = _step(app, "city_recommend", u["city"])
    assert (app.status, app.step_due) == (S.PROVINCE_REVIEW, dt.date(2026, 3, 22))
    app = expert_assign(application=app, by=u["province"], revision=app.revision, experts=experts)
    assert app.status == S.EXPERT_REVIEW
    assert set(app.expert_assignments.values_list("due", flat=True)) == {dt.date(2026, 3, 17)}
    expert_sheet_submit(application=app, by=experts[0], scores=FULL_SCORES, opinion="pass")
    expert_sheet_submit(application=app, by=experts[1], scores=FULL_SCORES, opinion="fail")
    app.refresh_from_db()
    assert app.status == S.EXPERT_REVIEW
    expert_sheet_submit(application=app, by=experts[2], scores=FULL_SCORES, opinion="pass")
    app.refresh_from_db()
    assert app.status == S.DECISION
    app = _step(app, "approve", u["province"])
    assert (app.notice_start, app.notice_end) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert app.step_due == dt.date(2026, 3, 8)
    time_machine.move_to(START + dt.timedelta(days=7), tick=False)
    app = _step(app, "recognise", u["province"])
    assert app.status == S.RECOGNISED
    assert (app.certificate_no, app.certificate_year) == ("苏智能工厂〔2026〕0001号", 2026)
    assert list(app.transitions.values_list("action", flat=True)) == [
        "submit",
        "county_approve",
        "city_recommend",
        "assign_experts",
        "expert_submit",
        "expert_submit",
        "expert_submit",
        "approve",
        "recognise",
    ]


def test_recognition_waits_for_the_end_of_the_notice(world: World, time_machine: Any) -> None:
    time_machine.move_to(START, tick=False)
    app = make_application(
        enterprise=world.e1,
        by=world.users["enterprise"],
        status=S.PUBLIC_NOTICE,
        notice_start=dt.date(2026, 3, 2),
        notice_end=dt.date(2026, 3, 8),
    )
    time_machine.move_to(START + dt.timedelta(days=6), tick=False)
    with pytest.raises(ValidationError, match="2026-03-08"):
        _step(app, "recognise", world.users["province"])
    assert Application.objects.get(pk=app.pk).certificate_no is None


def test_certificate_numbers_count_up_per_type_and_year(world: World, time_machine: Any) -> None:
    time_machine.move_to(START, tick=False)
    ended: dict[str, Any] = {"notice_start": dt.date(2026, 2, 1), "notice_end": dt.date(2026, 2, 7)}
    first, second = (
        make_application(
            enterprise=e, by=world.users["enterprise"], status=S.PUBLIC_NOTICE, **ended
        )
        for e in (world.e1, world.e2)
    )
    _step(first, "recognise", world.users["province"])
    second = _step(second, "recognise", world.users["province"])
    assert second.certificate_no == "苏智能工厂〔2026〕0002号"


def test_a_province_administered_county_reports_straight_to_the_province(
    world: World, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    e3_user = make_user("ent_e3", Role.ENTERPRISE, enterprise=world.e3)
    county_z = make_user("county_z", Role.COUNTY, region=world.z)
    make_eligible_results(world.e3)
    app = application_create(by=e3_user, type_code="advanced_factory", year=2026)
    assert app.route == Application.Route.PROVINCE_ADMINISTERED
    app = _step(app, "submit", e3_user)
    assert app.status == S.COUNTY_REVIEW
    app = _step(app, "county_approve", county_z)
    assert app.status == S.PROVINCE_REVIEW


def test_a_strategic_enterprise_applies_to_the_province_directly(
    world: World, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    e2_user = make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2)
    make_strategic(world.e2, year=2026)
    make_eligible_results(world.e2)
    app = application_create(by=e2_user, type_code="advanced_factory", year=2026)
    assert app.route == Application.Route.DIRECT
    app = _step(app, "submit", e2_user)
    assert (app.status, app.step_due) == (S.PROVINCE_REVIEW, dt.date(2026, 3, 22))


def test_a_site_check_comes_between_the_experts_and_the_decision(world: World) -> None:
    u = world.users
    app = _in(world, S.EXPERT_REVIEW, "x")
    app = _step(app, "require_site_check", u["province"], reason="抽查")
    assert (app.status, app.site_check_required, app.site_check_reason) == (
        S.EXPERT_REVIEW,
        True,
        "抽查",
    )
    expert_sheet_submit(application=app, by=u["expert"], scores=FULL_SCORES, opinion="pass")
    app.refresh_from_db()
    assert app.status == S.SITE_CHECK
    app = _step(app, "site_check_record", u["province"], passed="yes", note="与申报一致")
    assert (app.status, app.site_check_passed, app.site_check_note) == (
        S.DECISION,
        True,
        "与申报一致",
    )
    assert _step(app, "approve", u["province"]).status == S.PUBLIC_NOTICE


def test_a_failed_site_check_cannot_be_approved(world: World) -> None:
    app = _in(world, S.DECISION, "x")
    Application.objects.filter(pk=app.pk).update(site_check_required=True, site_check_passed=False)
    app.refresh_from_db()
    with pytest.raises(ValidationError, match="site check did not pass"):
        _step(app, "approve", world.users["province"])
    assert Application.objects.get(pk=app.pk).status == S.DECISION


def test_a_notice_cannot_start_in_the_past(world: World) -> None:
    app = _in(world, S.DECISION, "x")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError, match=services.NOTICE_START_PAST.split(" / ")[1]):
        _step(app, "approve", world.users["province"], notice_start=yesterday)


# --- returns, locks, conflicts, jurisdiction -----------------------------------------------------


def test_a_resubmission_records_what_changed_since_the_return(world: World) -> None:
    u = world.users
    make_eligible_results(world.e1)
    app = application_create(by=u["enterprise"], type_code="advanced_factory", year=2026)
    app = application_update(
        application=app, by=u["enterprise"], revision=app.revision, summary="第一版"
    )
    app = _step(app, "submit", u["enterprise"])
    app = _step(app, "county_return", u["county"], reason="请补充投资金额")
    returned = app.transitions.get(action="county_return")
    assert returned.snapshot["summary"] == "第一版"
    app = application_update(
        application=app,
        by=u["enterprise"],
        revision=app.revision,
        summary="第二版",
        investment_10k_yuan="1200.50",
    )
    app = _step(app, "submit", u["enterprise"])
    resubmitted = app.transitions.filter(action="submit").last()
    assert resubmitted.changes == {
        "investment_10k_yuan": {"before": "", "after": "1200.50"},
        "summary": {"before": "第一版", "after": "第二版"},
    }
    assert app.status == S.COUNTY_REVIEW


def test_a_return_needs_a_reason(world: World) -> None:
    app = _in(world, S.COUNTY_REVIEW, "x")
    with pytest.raises(ValidationError, match="reason is required"):
        _step(app, "county_return", world.users["county"], reason="  ")
    assert Application.objects.get(pk=app.pk).status == S.COUNTY_REVIEW


def test_an_ineligible_application_cannot_be_submitted(world: World) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=58.0)
    app = make_application(enterprise=world.e1, by=world.users["enterprise"])
    with pytest.raises(ValidationError) as raised:
        _step(app, "submit", world.users["enterprise"])
    assert "通用能力自评 58.0 分，低于 60 分" in raised.value.messages[0]
    after = Application.objects.get(pk=app.pk)
    assert (after.status, after.submitted_at, after.results.count()) == (S.DRAFT, None, 0)


@pytest.mark.parametrize("status", [S.RECOGNISED, S.REJECTED, S.WITHDRAWN])
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_a_decided_application_refuses_every_step(world: World, status: str, action: str) -> None:
    app = _in(world, status, action)
    with pytest.raises(ValidationError, match="decided and locked"):
        _take(world, app, action, "province")


@pytest.mark.parametrize("status", [S.RECOGNISED, S.REJECTED, S.WITHDRAWN])
def test_a_decided_application_refuses_edits(world: World, status: str) -> None:
    app = _in(world, status, "x")
    with pytest.raises(ValidationError, match="decided and locked"):
        application_update(
            application=app, by=world.users["enterprise"], revision=app.revision, summary="改"
        )
    assert Application.objects.get(pk=app.pk).summary != "改"


def test_the_second_of_two_reviewers_acting_at_once_gets_a_conflict(world: World) -> None:
    other = make_user("county_x2", Role.COUNTY, region=world.x)
    app = _in(world, S.COUNTY_REVIEW, "x")
    seen = app.revision
    application_transition(
        application=app, action="county_approve", by=world.users["county"], revision=seen
    )
    with pytest.raises(ValidationError, match="Someone else has acted"):
        application_transition(
            application=app, action="county_return", by=other, revision=seen, reason="退回"
        )
    after = Application.objects.get(pk=app.pk)
    assert (after.status, after.revision) == (S.CITY_REVIEW, seen + 1)
    assert list(after.transitions.values_list("action", flat=True)) == ["county_approve"]


def test_a_stale_edit_is_a_conflict(world: World) -> None:
    app = make_application(enterprise=world.e1, by=world.users["enterprise"])
    by = world.users["enterprise"]
    application_update(application=app, by=by, revision=app.revision, summary="甲")
    with pytest.raises(ValidationError, match=workflow.CONFLICT):
        application_update(application=app, by=by, revision=app.revision, summary="乙")
    assert Application.objects.get(pk=app.pk).summary == "甲"


@pytest.mark.parametrize(
    ("username", "role", "region"),
    [("county_y", Role.COUNTY, "y"), ("city_q", Role.CITY, "q")],
)
def test_officials_cannot_act_outside_their_jurisdiction(
    world: World, username: str, role: str, region: str
) -> None:
    outsider = make_user(username, role, region=getattr(world, region))
    status = S.COUNTY_REVIEW if role == Role.COUNTY else S.CITY_REVIEW
    action = "county_approve" if role == Role.COUNTY else "city_recommend"
    app = _in(world, status, action)
    with pytest.raises(ValidationError, match="outside your jurisdiction"):
        _step(app, action, outsider)
    assert Application.objects.get(pk=app.pk).status == status


def test_another_enterprise_cannot_submit_e1s_application(world: World) -> None:
    e2_user = make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2)
    app = _in(world, S.DRAFT, "submit")
    with pytest.raises(ValidationError, match="outside your jurisdiction"):
        _step(app, "submit", e2_user)


def test_an_expert_not_assigned_cannot_submit_a_sheet(world: World) -> None:
    stranger = make_user("expert_b", Role.EXPERT)
    app = _in(world, S.EXPERT_REVIEW, "x")
    with pytest.raises(ValidationError, match="outside your jurisdiction or assignment"):
        expert_sheet_submit(application=app, by=stranger, scores=FULL_SCORES, opinion="pass")


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("province", []),
        ("city", []),
        ("county", ["county_approve", "county_return"]),
        ("enterprise", ["withdraw"]),
        ("expert", []),
        ("provider", []),
        ("admin", []),
    ],
)
def test_the_page_offers_only_the_steps_the_user_may_take(
    world: World, role: str, offered: list[str]
) -> None:
    app = _in(world, S.COUNTY_REVIEW, "x")
    assert [step.action for step in workflow.actions_for(world.users[role], app)] == offered
