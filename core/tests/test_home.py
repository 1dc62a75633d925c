"""The home page shows each user the work waiting for them, within their jurisdiction."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import publish
from conftest import World
from recognition.tests.factories import make_application


def _home(world: World, role: str) -> str:
    client = Client()
    client.force_login(world.users[role])
    return client.get(reverse("core:home")).content.decode()


@pytest.fixture
def activity(world: World) -> World:
    publish("GEN-JS", "SME-DL")
    user = world.users["enterprise"]
    make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.7)
    make_draft(enterprise=world.e1, code="SME-DL", by=user)
    make_application(enterprise=world.e1, by=user, status="county_review")
    make_application(enterprise=world.e3, by=user, status="province_review")
    return world


def test_an_enterprise_user_finds_its_draft_results_and_applications(activity: World) -> None:
    html = _home(activity, "enterprise")
    assert 'data-testid="work-enterprise"' in html
    assert "继续填写" in html
    assert 'data-testid="work-results"' in html
    assert "区县审核" in html


def test_a_county_official_finds_only_its_own_queue(activity: World) -> None:
    html = _home(activity, "county")
    assert 'data-testid="work-queue"' in html
    client = Client()
    client.force_login(activity.users["county"])
    work = client.get(reverse("core:home")).context["work"]
    assert [(c.status, c.count) for c in work.queue.counts] == [("county_review", 1)]
    assert work.submitted_this_year == 1


def test_the_city_official_does_not_count_the_other_citys_applications(activity: World) -> None:
    client = Client()
    client.force_login(activity.users["city"])
    work = client.get(reverse("core:home")).context["work"]
    assert sum(c.count for c in work.queue.counts) == 0  # E1 is at the county, E3 in city Q


@pytest.mark.parametrize("role", ["expert", "provider", "admin"])
def test_roles_without_work_see_that_nothing_waits(world: World, role: str) -> None:
    assert "您目前没有待办事项" in _home(world, role)


# --- coverage against the plan, read from the current snapshot (never computed on the page) -----


@pytest.fixture
def coverage(world: World) -> World:
    from monitoring.tests.dashboard_factories import make_cell, make_snapshot

    snapshot = make_snapshot(years=[2025, 2026])
    make_cell(snapshot, year=2026, level="province", code="32", enterprises=1000, assessed=150)
    make_cell(snapshot, year=2026, level="city", code="3201", enterprises=200, assessed=10)
    make_cell(snapshot, year=2026, level="city", code="3205", enterprises=300, assessed=99)
    make_cell(snapshot, year=2026, level="county", code="320102", enterprises=40, assessed=8)
    make_cell(snapshot, year=2025, level="city", code="3201", enterprises=200, assessed=77)
    return world


def _row(html: str, metric: str) -> str:
    start = html.index(f'data-metric="{metric}"')
    return html[start : html.index("</tr>", start)]


@pytest.mark.parametrize(
    ("role", "share", "status"),
    [
        ("province", "15.0%", "达到进度"),
        ("city", "5.0%", "落后进度"),  # 10 of 200 < the 10 % per city per year of task 20
        ("county", "20.0%", "达到进度"),
    ],
)
def test_an_official_finds_its_own_regions_coverage_of_the_latest_year(
    coverage: World, role: str, share: str, status: str
) -> None:
    html = _home(coverage, role)
    assert 'data-testid="work-coverage"' in html
    assert "2026" in html
    row = _row(html, "assessed")
    assert share in row
    assert status in row
    assert "33.0%" not in html  # 苏州's 99 of 300 is never shown to anyone here


def test_only_the_province_finds_the_snapshot_and_index_management_links(coverage: World) -> None:
    assert reverse("devindex:manage") in _home(coverage, "province")
    assert reverse("monitoring:city-dashboard", args=["3201"]) in _home(coverage, "city")
    city = _home(coverage, "city")
    assert reverse("devindex:manage") not in city
    assert reverse("monitoring:snapshots") not in city


def test_without_a_snapshot_the_home_page_shows_no_coverage(world: World) -> None:
    assert 'data-testid="work-coverage"' not in _home(world, "province")


def test_enterprise_users_never_see_coverage(coverage: World) -> None:
    assert 'data-testid="work-coverage"' not in _home(coverage, "enterprise")
