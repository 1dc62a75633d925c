"""Cities' annual work plans: the list with the province's city × year grid, a city's plan for a
year (commitments per target with the city's own target value as a hint), submitting it, and a
plan's read-only page; who may do each."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from targets import services
from targets.models import Commitment, Target, WorkPlan

PLATFORMS = "enterprise_platforms"  # cumulative, 200 by 2027
TRAININGS = "security_trainings_per_city"  # each city, 1 a year
RACKS = "standard_racks"


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def plan_url(year: int = 2026) -> str:
    return reverse("targets:work-plan", kwargs={"year": year})


def submit_url(year: int = 2026) -> str:
    return reverse("targets:work-plan-submit", kwargs={"year": year})


def saved(region, by: User, commitments: dict[str, float], *, submit: bool = False) -> WorkPlan:
    """The city's 2026 plan with `commitments` (target code → value), submitted or a draft."""
    work_plan = services.work_plan_save(
        region=region,
        year=2026,
        summary="推进平台建设",
        commitments={code: (value, "举措") for code, value in commitments.items()},
        by=by,
    )
    return services.work_plan_submit(plan=work_plan, by=by) if submit else work_plan


# --- who may use the pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "kwargs"),
    [
        ("targets:work-plans", "get", {}),
        ("targets:work-plan", "get", {"year": 2026}),
        ("targets:work-plan", "post", {"year": 2026}),
        ("targets:work-plan-submit", "post", {"year": 2026}),
        ("targets:work-plan-detail", "get", {"pk": 1}),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(plan, name, method, kwargs):
    response = getattr(Client(), method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["county", "enterprise", "expert", "provider", "admin"])
def test_roles_without_plans_are_refused_the_list(plan, people, role):
    assert client_for(people[role]).get(reverse("targets:work-plans")).status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_province_does_not_write_a_citys_plan(plan, people, method):
    response = getattr(client_for(people["province"]), method)(plan_url())
    assert response.status_code == 403
    assert not WorkPlan.objects.exists()


def test_the_province_does_not_submit_a_citys_plan(plan, people):
    assert client_for(people["province"]).post(submit_url()).status_code == 403


@pytest.mark.parametrize("year", [2024, 2028, 0])
def test_a_year_outside_the_plan_is_not_found(plan, people, year):
    client = client_for(people["city"])
    assert client.get(plan_url(year)).status_code == 404
    assert client.post(submit_url(year)).status_code == 404


def test_another_citys_plan_is_not_found(plan, people):
    other = saved(plan.q, people["city_q"], {PLATFORMS: 5}, submit=True)
    url = reverse("targets:work-plan-detail", kwargs={"pk": other.pk})
    assert client_for(people["city"]).get(url).status_code == 404


def test_the_province_does_not_see_a_draft(plan, people):
    draft = saved(plan.p, people["city"], {PLATFORMS: 5})
    url = reverse("targets:work-plan-detail", kwargs={"pk": draft.pk})
    assert client_for(people["province"]).get(url).status_code == 404
    assert client_for(people["city"]).get(url).status_code == 200


# --- the list ----------------------------------------------------------------------------------


def test_the_province_sees_submitted_plans_in_the_city_year_grid(plan, people):
    submitted = saved(plan.p, people["city"], {PLATFORMS: 5}, submit=True)
    saved(plan.q, people["city_q"], {PLATFORMS: 7})  # a draft

    response = client_for(people["province"]).get(reverse("targets:work-plans"))

    assert response.status_code == 200
    assert [p.pk for p in response.context["plans"]] == [submitted.pk]
    grid = {
        (city.code, year): (found.pk if found else None)
        for city, cells in response.context["grid"]
        for year, found in cells
    }
    assert grid[("3201", 2026)] == submitted.pk
    assert grid[("3205", 2026)] is None
    assert grid[("3201", 2025)] is None
    assert (response.context["submitted"], response.context["expected"]) == (1, 6)
    assert reverse("targets:work-plan-detail", kwargs={"pk": submitted.pk}) in response.text


def test_a_city_sees_its_own_plans_with_drafts(plan, people):
    draft = saved(plan.p, people["city"], {PLATFORMS: 5})
    saved(plan.q, people["city_q"], {PLATFORMS: 7}, submit=True)

    response = client_for(people["city"]).get(reverse("targets:work-plans"))

    assert [p.pk for p in response.context["plans"]] == [draft.pk]
    assert [city.code for city, _ in response.context["grid"]] == ["3201"]
    assert plan_url(2026) in response.text


# --- editing a plan ----------------------------------------------------------------------------


def test_the_form_lists_every_target_with_the_citys_own_target_value(plan, people):
    target = Target.objects.get(code=PLATFORMS)
    services.allocation_set(
        target=target, region=plan.p, year=0, value=30, reason="按平台基础", by=people["province"]
    )

    response = client_for(people["city"]).get(plan_url())

    assert response.status_code == 200
    hints = {t.code: hint for t, _, _, hint in response.context["rows"]}
    assert len(hints) == Target.objects.count()
    assert hints[PLATFORMS].value == 30  # its allocation
    assert hints[TRAININGS].value == 1  # every city carries the target itself
    assert hints[RACKS].value is None  # not split yet


def test_saving_a_plan_writes_its_commitments(plan, people):
    data = {
        "summary": "全年推进平台培育",
        f"value_{PLATFORMS}": "12",
        f"measures_{PLATFORMS}": "培育10个企业级平台",
        f"value_{TRAININGS}": "2",
    }

    response = client_for(people["city"]).post(plan_url(), data)

    assert response.status_code == 302
    assert response["Location"] == plan_url()
    work_plan = WorkPlan.objects.get()
    assert (work_plan.region_id, work_plan.year, work_plan.status) == ("3201", 2026, "draft")
    assert work_plan.summary == "全年推进平台培育"
    rows = dict(work_plan.commitments.values_list("target_id", "value"))
    assert rows == {PLATFORMS: 12, TRAININGS: 2}
    assert work_plan.commitments.get(target_id=PLATFORMS).measures == "培育10个企业级平台"
    assert AuditEvent.objects.filter(action="workplan.save").exists()


def test_a_blank_value_removes_a_commitment(plan, people):
    saved(plan.p, people["city"], {PLATFORMS: 5, TRAININGS: 1})
    data = {"summary": "s", f"value_{PLATFORMS}": "6", f"value_{TRAININGS}": ""}

    client_for(people["city"]).post(plan_url(), data)

    assert dict(Commitment.objects.values_list("target_id", "value")) == {PLATFORMS: 6}


def test_the_form_shows_the_saved_plan(plan, people):
    saved(plan.p, people["city"], {PLATFORMS: 5})
    form = client_for(people["city"]).get(plan_url()).context["form"]
    assert form.initial[f"value_{PLATFORMS}"] == 5
    assert form.initial["summary"] == "推进平台建设"


@pytest.mark.parametrize("value", ["-3", "abc", "nan", "1e999"])
def test_a_bad_value_is_shown_and_nothing_is_saved(plan, people, value):
    data = {"summary": "s", f"value_{PLATFORMS}": value}
    response = client_for(people["city"]).post(plan_url(), data)
    assert response.status_code == 200
    assert f"value_{PLATFORMS}" in response.context["form"].errors
    assert not WorkPlan.objects.exists()


@pytest.mark.parametrize(
    ("code", "value", "measures", "message"),
    [
        (PLATFORMS, "", "培育平台", "填写工作举措时请填写承诺值"),
        ("basic_factory_coverage", "120", "", "占比不能超过 100"),
    ],
)
def test_measures_without_a_value_and_shares_over_100_are_refused(
    plan, people, code, value, measures, message
):
    data = {"summary": "s", f"value_{code}": value, f"measures_{code}": measures}
    response = client_for(people["city"]).post(plan_url(), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[f"value_{code}"])
    assert not WorkPlan.objects.exists()


# --- submitting --------------------------------------------------------------------------------


def test_submitting_sends_the_plan_to_the_province(plan, people):
    draft = saved(plan.p, people["city"], {PLATFORMS: 5})

    response = client_for(people["city"]).post(submit_url())

    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("targets:work-plan-detail", kwargs={"pk": draft.pk})
    assert draft.status == WorkPlan.Status.SUBMITTED
    assert draft.submitted_at is not None
    province_page = client_for(people["province"]).get(response["Location"])
    assert province_page.status_code == 200
    assert "推进平台建设" in province_page.text


def test_submitting_before_saving_changes_nothing(plan, people):
    response = client_for(people["city"]).post(submit_url(), follow=True)
    assert "请先保存工作计划" in response.text
    assert not WorkPlan.objects.exists()


def test_a_submitted_plan_is_read_only(plan, people):
    submitted = saved(plan.p, people["city"], {PLATFORMS: 5}, submit=True)
    client = client_for(people["city"])

    page = client.get(plan_url())
    post = client.post(plan_url(), {"summary": "改", f"value_{PLATFORMS}": "9"})
    again = client.post(submit_url(), follow=True)

    detail = reverse("targets:work-plan-detail", kwargs={"pk": submitted.pk})
    assert (page.status_code, page["Location"]) == (302, detail)
    assert (post.status_code, post["Location"]) == (302, detail)
    assert services.PLAN_SUBMITTED in again.text
    submitted.refresh_from_db()
    assert submitted.summary == "推进平台建设"
    assert dict(submitted.commitments.values_list("target_id", "value")) == {PLATFORMS: 5}


def test_the_plan_page_shows_commitments_next_to_the_citys_target(plan, people):
    submitted = saved(plan.p, people["city"], {PLATFORMS: 5, TRAININGS: 2}, submit=True)
    url = reverse("targets:work-plan-detail", kwargs={"pk": submitted.pk})

    response = client_for(people["province"]).get(url)

    rows = {c.target_id: (c.value, hint.value) for c, hint in response.context["rows"]}
    assert rows == {PLATFORMS: (5, None), TRAININGS: (2, 1)}
    assert response.context["editable"] is False
