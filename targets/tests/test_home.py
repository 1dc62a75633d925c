"""The officials' home page card of the target tracker: their region's target statuses, reports
waiting for their review, returned reports to correct, and a city's work plan for the year."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from conftest import World, make_user
from targets import services
from targets.models import Report, Target
from targets.selectors import home_summary
from targets.tests.test_views import plan  # noqa: F401  (the plan and its snapshot)

TRAININGS = "security_trainings_per_city"


def _report(world: World, *, value: float = 1, year: int = 2026, quarter: int = 1) -> Report:
    item = services.ReportInput(
        target=Target.objects.get(code=TRAININGS),
        region=world.p,
        year=year,
        quarter=quarter,
        value=value,
        evidence_text="培训通知",
    )
    return services.report_submit(item=item, by=world.users["city"])


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_approver_sees_how_many_reports_wait_for_review(world: World, plan) -> None:  # noqa: F811
    approver = make_user(
        "miit", Role.PROVINCE, region=world.province, organisation="江苏省工业和信息化厅"
    )
    _report(world)
    _report(world, quarter=2)

    page = _home(approver)

    assert 'data-testid="work-targets"' in page
    assert "2 条上报待您审核" in page
    summary = home_summary(user=approver)
    assert summary is not None
    assert summary["region"].code == "32"
    assert sum(summary["counts"].values()) == Target.objects.count()


def test_a_city_sees_its_returned_report_until_it_resubmits(world: World, plan) -> None:  # noqa: F811
    approver = make_user(
        "miit", Role.PROVINCE, region=world.province, organisation="江苏省工业和信息化厅"
    )
    report = _report(world, value=100)
    services.report_reject(report=report, by=approver, note="数值有误")

    assert home_summary(user=world.users["city"])["returned"] == 1
    assert "1 条上报被退回，待更正" in _home(world.users["city"])

    _report(world, value=1)

    assert home_summary(user=world.users["city"])["returned"] == 0


def test_a_city_is_asked_for_its_work_plan_and_told_when_it_is_submitted(
    world: World,
    plan,  # noqa: F811
) -> None:
    city = world.users["city"]
    assert "编制 2026 年度工作计划" in _home(city)

    work_plan = services.work_plan_save(
        region=world.p, year=2026, summary="举措", commitments={}, by=city
    )
    assert "2026 年度工作计划尚未报送" in _home(city)

    services.work_plan_submit(plan=work_plan, by=city)
    assert "2026 年度工作计划已报送" in _home(city)


def test_a_county_official_sees_its_citys_targets_without_work_items(world: World, plan) -> None:  # noqa: F811
    summary = home_summary(user=world.users["county"])

    assert summary is not None
    assert summary["region"].code == world.p.code
    assert summary["reviews"] == 0
    assert "work_plan" not in summary


@pytest.mark.parametrize("role", ["enterprise", "expert", "provider", "admin"])
def test_other_roles_get_no_targets_card(world: World, plan, role) -> None:  # noqa: F811
    assert home_summary(user=world.users[role]) is None
    assert 'data-testid="work-targets"' not in _home(world.users[role])
