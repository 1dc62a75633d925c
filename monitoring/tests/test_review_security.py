"""Second reading of the monitoring pages, JSON views, exports and API (#5): scoping through every
route, out-of-scope requests in the audit trail, hostile parameters (never a 500, also on
PostgreSQL), caching and CSRF, province-wide figures kept from city and county officials, and a
query count that does not grow with the number of cities and counties."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tokens import api_token_create
from audit.models import AuditEvent
from conftest import World, make_region
from monitoring.models import CoverageSnapshot
from monitoring.tests.dashboard_factories import make_cell, make_index_run, make_snapshot

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/monitoring/coverage"
STAMP = {
    "definition_version": "1",
    "definition_sha256": "d" * 64,
    "facts_sha256": "f" * 64,
    "enterprises": 60000,
    "category_rows": 9000,
    "results_submitted": 12000,
    "results_valid": 11000,
    "diagnoses_not_confirmed": 7,
    "recognitions": 300,
    "latest_submission": "2026-06-01T00:00:00+00:00",
    "cells": 6,
    "compute_seconds": 1.0,
    "write_seconds": 0.1,
}


def _client(world: World, role: str | None = None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


@pytest.fixture
def snapshot(world: World) -> CoverageSnapshot:
    snapshot = make_snapshot(years=[2025, 2026])
    snapshot.stamp = STAMP
    snapshot.save(update_fields=["stamp"])
    for year in (2025, 2026):
        for level, code in (
            ("province", "32"),
            ("city", "3201"),
            ("city", "3205"),
            ("county", "320102"),
            ("county", "320104"),
            ("county", "320583"),
        ):
            make_cell(snapshot, year=year, level=level, code=code)
    return snapshot


def _route(level: str, suffix: str, code: str) -> str:
    return reverse(f"monitoring:{level}-dashboard{suffix}", kwargs={"code": code})


# --- Out-of-scope dashboards are audited like out-of-scope enterprises -------------------------


@pytest.mark.parametrize("suffix", ["", "-data", "-export"])
@pytest.mark.parametrize(
    ("role", "level", "code", "username"),
    [
        ("city", "city", "3205", "city_p"),
        ("city", "county", "320583", "city_p"),
        ("county", "county", "320104", "county_x"),
        ("county", "city", "3201", "county_x"),
    ],
)
def test_an_out_of_scope_dashboard_answers_404_and_is_audited(
    world: World,
    snapshot: CoverageSnapshot,
    suffix: str,
    role: str,
    level: str,
    code: str,
    username: str,
) -> None:
    response = _client(world, role).get(_route(level, suffix, code))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.out_of_scope")
    assert (event.object_type, event.object_id, event.result) == (
        "registry.region",
        code,
        AuditEvent.Result.DENIED,
    )
    assert event.actor_username == username
    assert f"{level} dashboard" in event.note
    assert not AuditEvent.objects.filter(action="monitoring.export").exists()


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("city", "/monitoring/city/3201/"),
        ("city", "/monitoring/county/320104/data.json"),
        ("county", "/monitoring/county/320102/"),
        ("province", "/monitoring/city/3205/data.json"),
        ("province", "/monitoring/city/9999/"),  # unknown: 404, nothing to audit
        ("province", "/monitoring/county/3201/"),  # a city as a county: unknown at that level
    ],
)
def test_in_scope_and_unknown_dashboards_write_no_out_of_scope_row(
    world: World, snapshot: CoverageSnapshot, role: str, url: str
) -> None:
    _client(world, role).get(url)
    assert not AuditEvent.objects.filter(action="access.out_of_scope").exists()


# --- Hostile parameters: 404 or a fallback, never a 500 (PostgreSQL refuses NUL in text) --------


@pytest.mark.parametrize("suffix", ["", "-data", "-export"])
@pytest.mark.parametrize("level", ["city", "county"])
@pytest.mark.parametrize("code", ["\x00", "32\x0001", "x" * 5000, "..", "3201 ", "' OR 1=1 --"])
def test_a_malformed_dashboard_code_answers_404(
    world: World, snapshot: CoverageSnapshot, suffix: str, level: str, code: str
) -> None:
    response = _client(world, "province").get(_route(level, suffix, code))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="access.out_of_scope").exists()


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "9" * 40},
        {"year": "-1"},
        {"year": "\x00"},
        {"group": "cluster:../../etc"},
        {"group": "chain:\x00"},
        {"group": "x" * 10000},
        {"population": "nobody"},
        {"metric": "\x00"},
        {"metric": "index"},  # no published index run: falls back
        {"chart": "nothing"},
        {"chart": "\x00", "year": "2025"},
    ],
)
@pytest.mark.parametrize("route", ["monitoring:dashboard", "monitoring:dashboard-data"])
def test_hostile_filters_fall_back_to_the_defaults(
    world: World, snapshot: CoverageSnapshot, route: str, query: dict[str, str]
) -> None:
    response = _client(world, "province").get(reverse(route), query)
    assert response.status_code == 200
    if route.endswith("-data"):
        filters = response.json()["filters"]
        assert filters["year"] in (2025, 2026)
        assert filters["population"] == "above_scale"


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "year=99999999999999999999",
        "snapshot=99999999999999999999",
        "snapshot=0",
        "parent=%00",
        "parent=..%2F..",
        "group_code=%00",
        "population=%00",
        "region_level=%00",
        "group_kind=cluster&group_code=" + "a" * 1000,
    ],
)
def test_hostile_api_parameters_answer_4xx_with_an_error(
    world: World, snapshot: CoverageSnapshot, query: str
) -> None:
    response = _client(world, "city").get(f"{COVERAGE}?{query}")
    assert response.status_code in (404, 422)
    assert "error" in response.json()


# --- Province-wide figures stay with the province ------------------------------------------------


@pytest.mark.parametrize("role", ["city", "county"])
def test_the_coverage_api_gives_officials_below_the_province_no_province_wide_counts(
    world: World, snapshot: CoverageSnapshot, role: str
) -> None:
    """The snapshot's stamp counts the whole province's enterprises, results and recognitions;
    the dashboards keep the province's figures from city and county officials, so the API does
    too (the definition and data hashes stay: they say which data the cells come from)."""
    stamp = _client(world, role).get(COVERAGE).json()["snapshot"]["stamp"]
    assert stamp == {
        "definition_version": "1",
        "definition_sha256": "d" * 64,
        "facts_sha256": "f" * 64,
    }


def test_the_province_sees_the_whole_stamp(world: World, snapshot: CoverageSnapshot) -> None:
    assert _client(world, "province").get(COVERAGE).json()["snapshot"]["stamp"] == STAMP


def test_a_token_caller_below_the_province_gets_no_province_wide_counts(
    world: World, snapshot: CoverageSnapshot
) -> None:
    _token, key = api_token_create(user=world.users["city"], name="t")
    response = Client().get(COVERAGE, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert "enterprises" not in response.json()["snapshot"]["stamp"]
    assert "no-store" in response["Cache-Control"]


def test_the_dashboard_payload_carries_no_stamp(world: World, snapshot: CoverageSnapshot) -> None:
    data = _client(world, "city").get(_route("city", "-data", "3201")).json()
    assert set(data["snapshot"]) == {"id", "finished_at", "years"}
    assert "60000" not in str(data)


# --- Caching, CSRF ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "-data", "-export"])
def test_scoped_dashboards_are_never_stored(
    world: World, snapshot: CoverageSnapshot, suffix: str
) -> None:
    response = _client(world, "city").get(_route("city", suffix, "3201"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_export_file_name_is_plain_and_an_attachment(
    world: World, snapshot: CoverageSnapshot
) -> None:
    response = _client(world, "city").get(_route("city", "-export", "3201"))
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="monitoring-3201-')
    assert disposition.endswith('.xlsx"')
    assert response["X-Content-Type-Options"] == "nosniff"


def test_one_export_writes_one_audit_row(world: World, snapshot: CoverageSnapshot) -> None:
    response = _client(world, "city").get(_route("city", "-export", "3201"), {"chart": "map"})
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="monitoring.export")
    assert event.after is not None
    assert (event.after["scope"], event.after["charts"]) == ("city:3201", ["map"])
    assert event.after["rows"] == 2  # the city's two counties


def test_recomputing_a_snapshot_needs_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["province"])
    response = client.post(reverse("monitoring:snapshot-recompute"))
    assert response.status_code == 403
    assert not CoverageSnapshot.objects.exists()


@pytest.mark.parametrize("role", ["city", "county"])
def test_only_the_province_recomputes_even_with_a_valid_token(world: World, role: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    page = client.get(reverse("monitoring:snapshots"))
    assert page.status_code == 403
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else "x" * 32
    response = client.post(reverse("monitoring:snapshot-recompute"), headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert not CoverageSnapshot.objects.exists()


def test_the_dashboard_htmx_request_gets_the_fragment_and_a_plain_one_the_page(
    world: World, snapshot: CoverageSnapshot
) -> None:
    client = _client(world, "city")
    url = _route("city", "", "3201")
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    page = client.get(url).content.decode()
    assert "<html" not in fragment
    assert 'id="dashboard-data"' in fragment
    assert "<html" in page


# --- Query counts -------------------------------------------------------------------------------


def _province(world: World, cities: int, counties: int) -> None:
    """`cities` cities (南京 and 苏州 of the world and more) with `counties` counties each, cells
    for two years and a published index run with every city's and county's values."""
    snapshot = make_snapshot(years=[2025, 2026])
    city_codes = ["3201", "3205"] + [f"32{60 + i}" for i in range(cities - 2)]
    county_codes = []
    for i, code in enumerate(city_codes):
        city = make_region(code, f"市{i}", "city", world.province) if i > 1 else None
        for j in range(counties):
            county = f"{code}{60 + j}"
            make_region(county, f"县{i}-{j}", "county", city or (world.p if i == 0 else world.q))
            county_codes.append(county)
    for year in (2025, 2026):
        make_cell(snapshot, year=year, level="province", code="32")
        for code in city_codes + county_codes:
            level = "city" if len(code) == 4 else "county"
            make_cell(snapshot, year=year, level=level, code=code)
    scores = {
        "city": {c: 40.0 + i for i, c in enumerate(city_codes)},
        "county": {c: 30.0 + i for i, c in enumerate(county_codes)},
    }
    make_index_run(snapshot, values=scores)


@pytest.mark.parametrize(("cities", "counties"), [(2, 1), (13, 8)])
@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("province", "/monitoring/"),
        ("province", "/monitoring/data.json"),
        ("province", "/monitoring/export.xlsx"),
        ("province", "/monitoring/?metric=index"),
        ("city", "/monitoring/city/3201/"),
        ("city", "/monitoring/city/3201/export.xlsx"),
        ("county", "/monitoring/county/320102/data.json"),
        ("province", "/api/v1/monitoring/coverage?region_level=county"),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_units(
    world: World, django_assert_max_num_queries, cities: int, counties: int, role: str, url: str
) -> None:
    _province(world, cities, counties)
    client = _client(world, role)
    with django_assert_max_num_queries(16):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
