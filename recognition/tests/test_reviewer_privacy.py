"""What an applicant may not learn about its review: the experts' names and why it was drawn for a
site check (its risk score); and the province's ways out of a stalled expert review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_user
from recognition.models import Application, ExpertAssignment
from recognition.services import application_transition, expert_assign, expert_sheet_submit
from recognition.tests.factories import make_application

S = Application.Status
SHEET = {
    "maturity": 16,
    "infrastructure": 12,
    "technology": 16,
    "demonstration": 12,
    "benefits": 16,
    "plan": 8,
}


@pytest.fixture
def scored(world: World) -> Application:
    """E1's application at province review, scored by a named expert, drawn for a site check."""
    world.users["expert"].first_name = "三"
    world.users["expert"].last_name = "张"
    world.users["expert"].save()
    app = make_application(
        enterprise=world.e1,
        by=world.users["enterprise"],
        status=S.PROVINCE_REVIEW,
        site_check_required=True,
        site_check_reason="风险分 6 ≥ 3（高风险必查）",
    )
    app = expert_assign(
        application=app,
        by=world.users["province"],
        revision=app.revision,
        experts=[world.users["expert"]],
    )
    expert_sheet_submit(application=app, by=world.users["expert"], scores=SHEET, opinion="pass")
    return app


def _get(world: World, role: str, url: str) -> str:
    client = Client()
    client.force_login(world.users[role])
    return client.get(url).content.decode()


def test_the_applicant_sees_neither_the_experts_name_nor_the_sampling_reason(
    world: World, scored: Application
) -> None:
    html = _get(world, "enterprise", reverse("recognition:detail", args=[scored.pk]))
    assert "张" not in html
    assert "风险分" not in html


def test_officials_see_the_expert_and_the_sampling_reason(
    world: World, scored: Application
) -> None:
    html = _get(world, "province", reverse("recognition:detail", args=[scored.pk]))
    assert "张" in html
    assert "风险分 6" in html


def test_the_api_hides_the_expert_and_the_reason_from_the_applicant(
    world: World, scored: Application
) -> None:
    client = Client()
    client.force_login(world.users["enterprise"])
    body = client.get(f"/api/v1/applications/{scored.pk}").json()
    experts = [e for e in body["timeline"] if e["actor_role"] == "expert"]
    assert experts
    assert all(e["actor"] is None for e in experts)
    assert body["site_check"]["reason"] is None


def test_the_province_replaces_an_expert_who_does_not_answer(world: World) -> None:
    other = make_user("expert_b", "expert")
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=S.PROVINCE_REVIEW
    )
    app = expert_assign(
        application=app,
        by=world.users["province"],
        revision=app.revision,
        experts=[world.users["expert"], other],
    )
    expert_sheet_submit(application=app, by=other, scores=SHEET, opinion="pass")
    world.users["expert"].is_active = False
    world.users["expert"].save()
    app.refresh_from_db()

    app = expert_assign(
        application=app, by=world.users["province"], revision=app.revision, experts=[other]
    )

    assert app.status == S.DECISION
    assert list(
        ExpertAssignment.objects.filter(application=app).values_list("expert__username", flat=True)
    ) == ["expert_b"]


def test_the_province_may_reject_during_expert_review(world: World) -> None:
    app = make_application(
        enterprise=world.e1, by=world.users["enterprise"], status=S.EXPERT_REVIEW
    )
    app = application_transition(
        application=app,
        action="province_reject",
        by=world.users["province"],
        revision=app.revision,
        reason="企业申请撤销。",
    )
    assert app.status == S.REJECTED


def test_a_notice_cannot_start_far_in_the_future(world: World) -> None:
    app = make_application(enterprise=world.e1, by=world.users["enterprise"], status=S.DECISION)
    with pytest.raises(ValidationError):
        application_transition(
            application=app,
            action="approve",
            by=world.users["province"],
            revision=app.revision,
            notice_start=timezone.localdate() + timedelta(days=3650),
        )
    app.refresh_from_db()
    assert app.status == S.DECISION
