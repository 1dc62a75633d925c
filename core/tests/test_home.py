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
