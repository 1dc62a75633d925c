"""Services: creating and editing applications, experts' sheets, the site-check sample."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from conftest import World, make_user
from recognition import services
from recognition.models import Application, ExpertAssignment
from recognition.services import (
    application_create,
    application_update,
    expert_sheet_submit,
    site_check_sample,
)
from recognition.tests.factories import (
    make_application,
    make_eligible_results,
    make_result,
    make_strategic,
)

S = Application.Status
YEAR = timezone.localdate().year
SCORES = {
    "maturity": 16,
    "infrastructure": 12,
    "technology": 15,
    "demonstration": 11,
    "benefits": 15,
    "plan": 8,
}


# --- application_create --------------------------------------------------------------------------


def test_a_new_application_cites_the_latest_results_the_rules_read(world: World) -> None:
    results = make_eligible_results(world.e1)
    make_result(enterprise=world.e1, code="ZERO-CARBON", level="ZERO")  # not read by the type
    app = application_create(by=world.users["enterprise"], type_code="advanced_factory", year=YEAR)
    assert set(app.results.all()) == set(results.values())
    assert app.eligibility["eligible"] is True
    assert (app.status, app.route, app.revision) == (S.DRAFT, Application.Route.STANDARD, 1)
    event = AuditEvent.objects.get(action="application.create")
    assert event.after["results"] == [r.pk for r in results.values()]


def test_a_new_application_stores_why_it_is_not_eligible(world: World) -> None:
    make_result(enterprise=world.e1, code="GEN-JS", total=40.0)
    app = application_create(by=world.users["enterprise"], type_code="advanced_factory", year=YEAR)
    assert app.eligibility["eligible"] is False
    assert "低于 60 分" in app.eligibility["checks"][0]["text_zh"]


@pytest.mark.parametrize(
    ("enterprise", "strategic", "route"),
    [
        ("e1", False, Application.Route.STANDARD),
        ("e3", False, Application.Route.PROVINCE_ADMINISTERED),
        ("e3", True, Application.Route.DIRECT),
    ],
)
def test_the_route_follows_the_category_and_the_county(
    world: World, enterprise: str, strategic: bool, route: str
) -> None:
    target = getattr(world, enterprise)
    user = make_user(f"ent_{enterprise}_x", Role.ENTERPRISE, enterprise=target)
    if strategic:
        make_strategic(target, year=YEAR)
    app = application_create(by=user, type_code="advanced_factory", year=YEAR)
    assert app.route == route


def test_a_category_from_long_ago_does_not_make_the_route_direct(world: World) -> None:
    make_strategic(world.e1, year=YEAR - 3)
    app = application_create(by=world.users["enterprise"], type_code="advanced_factory", year=YEAR)
    assert app.route == Application.Route.STANDARD


@pytest.mark.parametrize(
    ("role", "type_code", "year", "message"),
    [
        ("county", "advanced_factory", YEAR, services.NOT_ENTERPRISE_USER),
        ("enterprise", "gold_factory", YEAR, services.UNKNOWN_TYPE),
        ("enterprise", "advanced_factory", YEAR + 5, "The application year must be"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    world: World, role: str, type_code: str, year: int, message: str
) -> None:
    with pytest.raises(ValidationError, match=message.split(" / ")[-1]):
        application_create(by=world.users[role], type_code=type_code, year=year)
    assert not Application.objects.exists()
    assert not AuditEvent.objects.filter(action="application.create").exists()


def test_one_live_application_per_type_and_year(world: World) -> None:
    by = world.users["enterprise"]
    application_create(by=by, type_code="advanced_factory", year=YEAR)
    with pytest.raises(ValidationError, match="already has an application"):
        application_create(by=by, type_code="advanced_factory", year=YEAR)
    assert Application.objects.count() == 1


def test_a_withdrawn_application_can_be_replaced(world: World) -> None:
    make_application(enterprise=world.e1, by=world.users["enterprise"], status=S.WITHDRAWN)
    app = application_create(by=world.users["enterprise"], type_code="advanced_factory", year=YEAR)
    assert app.status == S.DRAFT


# --- application_update --------------------------------------------------------------------------


def test_an_update_changes_the_content_and_audits_before_and_after(world: World) -> None:
    app = make_application(enterprise=world.e1, by=world.users["enterprise"], summary="旧")
    updated = application_update(
        application=app,
        by=world.users["enterprise"],
        revision=app.revision,
        summary="新",
        investment_10k_yuan="88.5",
    )
    assert (updated.summary, updated.investment_10k_yuan) == ("新", Decimal("88.50"))
    assert updated.revision == app.revision + 1
    event = AuditEvent.objects.get(action="application.update")
    assert event.before == {"summary": "旧", "investment_10k_yuan": None}
    assert event.after == {"summary": "新", "investment_10k_yuan": "88.5"}


def test_another_enterprise_cannot_edit(world: World) -> None:
    app = make_application(enterprise=world.e1, by=world.users["enterprise"], summary="旧")
    e2_user = make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2)
    with pytest.raises(ValidationError, match="your own enterprise"):
        application_update(application=app, by=e2_user, revision=app.revision, summary="新")
    assert Application.objects.get(pk=app.pk).summary == "旧"


def test_an_application_under_review_cannot_be_edited(world: World) -> None:
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=S.COUNTY_REVIEW, summary="旧"
    )
    with pytest.raises(ValidationError, match="Only a draft or a returned"):
        application_update(
            application=app, by=world.users["enterprise"], revision=app.revision, summary="新"
        )


def test_an_invalid_email_is_refused(world: World) -> None:
    app = make_application(enterprise=world.e1, by=world.users["enterprise"])
    with pytest.raises(ValidationError):
        application_update(
            application=app,
            by=world.users["enterprise"],
            revision=app.revision,
            contact_email="not-an-address",
        )
    assert Application.objects.get(pk=app.pk).contact_email == "wang.contact@example.com"


# --- expert sheets -------------------------------------------------------------------------------


@pytest.fixture
def in_review(world: World) -> Application:
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=S.EXPERT_REVIEW
    )
    app.expert_assignments.create(expert=world.users["expert"], assigned_by=world.users["province"])
    return app


def test_a_sheet_stores_scores_total_and_opinion(world: World, in_review: Application) -> None:
    sheet = expert_sheet_submit(
        application=in_review, by=world.users["expert"], scores=SCORES, opinion="pass", comment="好"
    )
    assert (sheet.total, sheet.opinion, sheet.comment) == (77.0, "pass", "好")
    assert sheet.scores == {k: float(v) for k, v in SCORES.items()}
    assert sheet.submitted_at is not None


@pytest.mark.parametrize(
    ("scores", "opinion", "message"),
    [
        ({**SCORES, "plan": None}, "pass", "Score “后续实施计划”"),
        ({**SCORES, "plan": 11}, "pass", "must be 0–10"),
        ({**SCORES, "plan": -1}, "pass", "must be 0–10"),
        ({**SCORES, "plan": "many"}, "pass", "must be 0–10"),
        (SCORES, "maybe", "pass or fail"),
    ],
    ids=["missing", "above-max", "negative", "not-a-number", "bad-opinion"],
)
def test_a_bad_sheet_is_refused_and_nothing_is_stored(
    world: World, in_review: Application, scores: dict[str, Any], opinion: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        expert_sheet_submit(
            application=in_review, by=world.users["expert"], scores=scores, opinion=opinion
        )
    sheet = ExpertAssignment.objects.get()
    assert (sheet.submitted_at, sheet.scores) == (None, {})


def test_a_sheet_cannot_be_submitted_twice(world: World, in_review: Application) -> None:
    other = make_user("expert2", Role.EXPERT)
    in_review.expert_assignments.create(expert=other, assigned_by=world.users["province"])
    by = world.users["expert"]
    expert_sheet_submit(application=in_review, by=by, scores=SCORES, opinion="pass")
    with pytest.raises(ValidationError, match="already submitted"):
        expert_sheet_submit(application=in_review, by=by, scores=SCORES, opinion="fail")
    assert ExpertAssignment.objects.get(expert=by).opinion == "pass"


def test_experts_must_be_expert_accounts(world: World) -> None:
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=S.PROVINCE_REVIEW
    )
    with pytest.raises(ValidationError, match="is not an active expert"):
        services.expert_assign(
            application=app, by=world.users["province"], revision=app.revision,
            experts=[world.users["provider"]],
        )  # fmt: skip
    assert not ExpertAssignment.objects.exists()


def test_at_least_one_expert_is_assigned(world: World) -> None:
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=S.PROVINCE_REVIEW
    )
    with pytest.raises(ValidationError, match="at least one expert"):
        services.expert_assign(
            application=app, by=world.users["province"], revision=app.revision, experts=[]
        )


# --- site-check sample ---------------------------------------------------------------------------


def _candidate(world: World, enterprise: str, type_code: str, risk: float) -> Application:
    target = getattr(world, enterprise)
    result = make_result(enterprise=target, code="GEN-JS", risk_score=risk)
    return make_application(
        enterprise=target,
        by=world.users["enterprise"],
        type=type_code,
        status=S.PROVINCE_REVIEW,
        results=[result],
    )


@pytest.fixture
def candidates(world: World) -> list[Application]:
    specs = [
        ("e1", "advanced_factory", 5.0),
        ("e1", "zero_carbon", 0.0),
        ("e1", "smart_workshop", 1.0),
        ("e2", "advanced_factory", 3.0),
        ("e2", "zero_carbon", 2.0),
        ("e2", "smart_workshop", 0.0),
        ("e3", "advanced_factory", 0.0),
        ("e3", "zero_carbon", 1.0),
        ("e3", "smart_workshop", 0.0),
        ("e3", "national_excellent", 2.0),
    ]
    return [_candidate(world, *spec) for spec in specs]


def _selected() -> set[int]:
    return set(Application.objects.filter(site_check_required=True).values_list("pk", flat=True))


def test_the_sample_takes_every_high_risk_application_and_a_share_of_the_rest(
    world: World, candidates: list[Application]
) -> None:
    sample = site_check_sample(by=world.users["province"], year=YEAR, seed=7, share=0.25)
    high = {candidates[0].pk, candidates[3].pk}
    assert high <= _selected()
    assert len(sample) == 2 + 2  # ceil(0.25 × 8 others)
    assert {s.application.pk for s in sample} == _selected()
    assert "高风险必查" in Application.objects.get(pk=candidates[0].pk).site_check_reason


def test_the_sample_is_the_same_for_the_same_seed(
    world: World, candidates: list[Application]
) -> None:
    site_check_sample(by=world.users["province"], year=YEAR, seed=20260302, share=0.5)
    first = _selected()
    Application.objects.update(site_check_required=False, site_check_reason="")
    site_check_sample(by=world.users["province"], year=YEAR, seed=20260302, share=0.5)
    assert _selected() == first


def test_the_sample_records_seed_and_reasons_in_the_audit_trail(
    world: World, candidates: list[Application]
) -> None:
    sample = site_check_sample(by=world.users["province"], year=YEAR, seed=99, share=0.2)
    event = AuditEvent.objects.get(action="application.site_check_sample")
    assert (event.after["seed"], event.after["candidates"]) == (99, 10)
    assert event.after["selected"] == [{"id": s.application.pk, "reason": s.reason} for s in sample]
    random_pick = next(s for s in sample if s.risk < 3)
    assert "随机抽取（种子 99" in random_pick.reason
    assert random_pick.application.transitions.get().action == "require_site_check"


def test_applications_already_marked_or_past_province_review_are_not_sampled(
    world: World, candidates: list[Application]
) -> None:
    Application.objects.exclude(pk=candidates[0].pk).update(status=S.COUNTY_REVIEW)
    Application.objects.filter(pk=candidates[0].pk).update(site_check_required=True)
    assert site_check_sample(by=world.users["province"], year=YEAR, seed=1) == []


@pytest.mark.parametrize("role", ["city", "county", "expert", "enterprise"])
def test_only_province_officials_draw_the_sample(
    world: World, candidates: list[Application], role: str
) -> None:
    with pytest.raises(ValidationError, match="Only province officials"):
        site_check_sample(by=world.users[role], year=YEAR, seed=1)
    assert _selected() == set()


# --- the database lock on decided applications -------------------------------------------------


@pytest.mark.parametrize("status", ["recognised", "rejected", "withdrawn"])
def test_a_decided_application_cannot_be_changed_in_the_database(world: World, status) -> None:
    extra: dict[str, Any] = (
        {"certificate_no": "X-1", "certificate_year": 2026} if status == "recognised" else {}
    )
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=status, **extra
    )
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
        Application.objects.filter(pk=app.pk).update(summary="改过")
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
        Application.objects.filter(pk=app.pk).update(status="draft")
    app.refresh_from_db()
    assert app.status == status
