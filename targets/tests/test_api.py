"""The target tracker's JSON API: /api/v1/targets/progress (every target for the province) and
/api/v1/targets/{code}/cities (one target across the cities, ranked), for officials."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from accounts.tokens import api_token_create
from audit.models import AuditEvent
from conftest import World, make_user
from monitoring.tests.factories import make_snapshot
from targets import services
from targets.api import FORBIDDEN
from targets.models import Target

NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)
PROGRESS = "/api/v1/targets/progress"
COVERAGE = "basic_factory_coverage"  # computed share: above_scale · sf_ge_BASIC
PLATFORMS = "enterprise_platforms"


def cities_url(code: str = COVERAGE) -> str:
    return f"/api/v1/targets/{code}/cities"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def plan(world: World) -> World:
    services.plan_load()
    cells = [
        {
            "year": 2026,
            "region_level": level,
            "region_code": code,
            "figures": {"above_scale": {"sf_ge_BASIC": [n, 100]}},
        }
        for level, code, n in (("province", "32", 30), ("city", "3201", 20), ("city", "3205", 40))
    ]
    make_snapshot(cells=cells, finished_at=timezone.now(), years=[2026])
    miit = make_user(
        "miit", Role.PROVINCE, region=world.province, organisation="江苏省工业和信息化厅"
    )
    target = Target.objects.get(code=COVERAGE)
    for city in (world.p, world.q):
        services.allocation_set(target=target, region=city, year=0, value=50, reason="r", by=miit)
    return world


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# --- who may call ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PROGRESS, cities_url()])
def test_anonymous_callers_get_401(plan, url):
    response = Client().get(url)
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize("url", [PROGRESS, cities_url()])
@pytest.mark.parametrize("role", ["enterprise", "expert", "provider", "admin"])
def test_roles_other_than_officials_get_403(plan, url, role):
    response = client_for(plan, role).get(url)
    assert response.status_code == 403
    assert response.json() == {"error": FORBIDDEN}
    assert AuditEvent.objects.filter(action="access.denied").exists()


@pytest.mark.parametrize("role", ["province", "city", "county"])
def test_every_official_reads_the_provinces_rows(plan, role):
    response = client_for(plan, role).get(PROGRESS)

    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["region_code"]) == (2026, "32")
    codes = [row["code"] for row in body["rows"]]
    assert codes == list(Target.objects.order_by("task", "position").values_list("code", flat=True))


def test_a_token_reads_the_rows(plan):
    _token, key = api_token_create(user=plan.users["county"], name="t")
    response = Client().get(PROGRESS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


# --- the rows ----------------------------------------------------------------------------------


def test_a_computed_row_carries_the_monitoring_figure_and_its_progress(plan):
    rows = {row["code"]: row for row in client_for(plan, "city").get(PROGRESS).json()["rows"]}

    row = rows[COVERAGE]
    assert row["actual"] == pytest.approx(30.0)
    assert row["value"] == 50
    assert row["completion"] == pytest.approx(0.6)
    assert 0 < row["time_elapsed"] < 1
    assert row["status"] in {"on_track", "at_risk", "off_track", "achieved"}
    assert row["source"] == "monitoring"
    assert row["as_of"] == "2026-11-28"
    assert set(row["forecast"]) == {"value", "low", "high", "level", "method"}
    assert row["forecast"]["low"] <= row["forecast"]["value"] <= row["forecast"]["high"]
    assert row["verified"] is True
    assert (row["task"], row["unit"]) == (1, "%")


def test_a_row_without_data_has_no_forecast(plan):
    rows = {row["code"]: row for row in client_for(plan, "province").get(PROGRESS).json()["rows"]}
    row = rows[PLATFORMS]
    assert (row["actual"], row["completion"], row["forecast"], row["status"]) == (
        None,
        None,
        None,
        "no_data",
    )


def test_a_past_year_is_read(plan):
    body = client_for(plan, "province").get(PROGRESS, {"year": 2025}).json()
    assert body["year"] == 2025


@pytest.mark.parametrize("url", [PROGRESS, cities_url()])
@pytest.mark.parametrize("year", ["2030", "2024", "abc"])
def test_a_bad_year_is_refused(plan, url, year):
    response = client_for(plan, "province").get(url, {"year": year})
    assert response.status_code == 422
    assert "error" in response.json()


# --- one target across the cities --------------------------------------------------------------


def test_the_cities_are_ranked_by_completion(plan):
    response = client_for(plan, "county").get(cities_url())

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["year"], body["allocated"]) == (COVERAGE, 2026, None)
    ranked = [(c["rank"], c["region_code"], c["actual"]) for c in body["cities"]]
    assert ranked == [(1, "3205", 40.0), (2, "3201", 20.0)]
    assert body["cities"][0]["completion"] == pytest.approx(0.8)
    assert body["province"]["actual"] == pytest.approx(30.0)


def test_a_city_without_a_target_value_has_no_rank(plan):
    body = client_for(plan, "province").get(cities_url(PLATFORMS)).json()
    assert [c["rank"] for c in body["cities"]] == [None, None]


@pytest.mark.parametrize("code", ["no_such_target", "x" * 80])
def test_an_unknown_target_is_not_found(plan, code):
    response = client_for(plan, "province").get(cities_url(code))
    assert response.status_code == 404
    assert "error" in response.json()
