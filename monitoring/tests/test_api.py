"""The monitoring JSON API: /api/v1/monitoring/coverage (officials, scoped cells with shares and
targets) and /api/v1/monitoring/snapshots (province)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tokens import api_token_create
from audit.models import AuditEvent
from conftest import World
from monitoring.api import FORBIDDEN, SNAPSHOT_NOT_FOUND, SNAPSHOTS_FORBIDDEN
from monitoring.models import CoverageSnapshot
from monitoring.tests.factories import make_snapshot

COVERAGE = "/api/v1/monitoring/coverage"
SNAPSHOTS = "/api/v1/monitoring/snapshots"
FIGURES = {
    "all": {"enterprises": [10, 10], "sf_ge_BASIC": [4, 10]},
    "above_scale": {"enterprises": [8, 8], "sf_ge_BASIC": [4, 8], "assessed": [0, 8]},
}


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.fixture
def snapshot(world: World) -> CoverageSnapshot:
    units = [
        ("province", "32"),
        ("city", "3201"),
        ("city", "3205"),
        ("county", "320102"),
        ("county", "320104"),
        ("county", "320583"),
    ]
    cells = [
        {"year": year, "region_level": level, "region_code": code, "figures": FIGURES}
        for year in (2025, 2026)
        for level, code in units
    ]
    cells += [
        {
            "year": 2026,
            "region_level": "city",
            "region_code": code,
            "group_kind": "chain",
            "group_code": chain,
            "figures": FIGURES,
        }
        for code in ("3201", "3205")
        for chain in ("ch-a", "ch-b")
    ]
    return make_snapshot(cells=cells, stamp={"cells": len(cells)})


def _codes(response) -> list[str]:
    return [cell["region_code"] for cell in response.json()["cells"]]


def test_anonymous_callers_must_authenticate(world: World, snapshot) -> None:
    assert _client(world, "anonymous").get(COVERAGE).status_code == 401
    assert _client(world, "anonymous").get(SNAPSHOTS).status_code == 401


@pytest.mark.parametrize("role", ["enterprise", "expert", "provider", "admin"])
def test_roles_without_a_jurisdiction_are_refused_and_audited(
    world: World, snapshot, role: str
) -> None:
    response = _client(world, role).get(COVERAGE)
    assert response.status_code == 403
    assert response.json() == {"error": FORBIDDEN}
    assert AuditEvent.objects.filter(
        action="access.denied", object_id="api:monitoring-coverage"
    ).exists()


@pytest.mark.parametrize(
    ("role", "query", "expected"),
    [
        ("province", "", ["32"]),
        ("province", "?region_level=city", ["3201", "3205"]),
        ("city", "", ["3201"]),
        ("city", "?region_level=province", []),
        ("city", "?region_level=county", ["320102", "320104"]),
        ("city", "?region_level=county&parent=3205", []),
        ("county", "", ["320102"]),
        ("county", "?region_level=city", []),
    ],
)
def test_each_official_receives_only_the_cells_of_their_jurisdiction(
    world: World, snapshot, role: str, query: str, expected: list[str]
) -> None:
    response = _client(world, role).get(COVERAGE + query)
    assert response.status_code == 200
    assert _codes(response) == expected


def test_a_cell_carries_shares_and_targets(world: World, snapshot) -> None:
    body = _client(world, "city").get(COVERAGE + "?year=2026").json()
    assert body["snapshot"]["id"] == snapshot.pk
    assert (body["year"], body["region_level"], body["group_kind"]) == (2026, "city", "all")
    cell = body["cells"][0]
    assert (cell["region_code"], cell["region_name"]) == ("3201", "南京市")
    assert set(cell["populations"]) == {"all", "above_scale"}
    rows = {row["metric"]: row for row in cell["populations"]["above_scale"]}
    basic = rows["sf_ge_BASIC"]
    assert (basic["numerator"], basic["denominator"], basic["share"]) == (4, 8, 0.5)
    assert basic["target"] == 0.5
    assert basic["target_year"] == 2027
    assert basic["on_track"] is True
    assert rows["assessed"]["gap"] == pytest.approx(0.10)
    assert rows["assessed"]["on_track"] is False


def test_the_population_filter_and_an_unknown_population(world: World, snapshot) -> None:
    client = _client(world, "province")
    body = client.get(COVERAGE + "?population=above_scale").json()
    assert set(body["cells"][0]["populations"]) == {"above_scale"}
    response = client.get(COVERAGE + "?population=nobody")
    assert response.status_code == 422
    assert "nobody" in response.json()["error"]


def test_every_chain_of_a_region_level(world: World, snapshot) -> None:
    body = _client(world, "city").get(COVERAGE + "?group_kind=chain").json()
    assert [(c["region_code"], c["group_code"]) for c in body["cells"]] == [
        ("3201", "ch-a"),
        ("3201", "ch-b"),
    ]
    one = _client(world, "province").get(
        COVERAGE + "?group_kind=chain&group_code=ch-b&region_level=city"
    )
    assert [(c["region_code"], c["group_code"]) for c in one.json()["cells"]] == [
        ("3201", "ch-b"),
        ("3205", "ch-b"),
    ]


def test_without_a_snapshot_the_answer_is_empty(world: World) -> None:
    body = _client(world, "city").get(COVERAGE).json()
    assert body["snapshot"] is None
    assert body["cells"] == []


def test_an_older_snapshot_by_id_and_an_unfinished_one(world: World, snapshot) -> None:
    running = make_snapshot(status="running")
    client = _client(world, "province")
    assert client.get(COVERAGE + f"?snapshot={snapshot.pk}").json()["snapshot"]["id"] == snapshot.pk
    response = client.get(COVERAGE + f"?snapshot={running.pk}")
    assert response.status_code == 404
    assert response.json() == {"error": SNAPSHOT_NOT_FOUND}


def test_bad_parameters_are_refused(world: World, snapshot) -> None:
    client = _client(world, "province")
    assert client.get(COVERAGE + "?region_level=planet").status_code == 422
    assert client.get(COVERAGE + "?year=abc").status_code == 422
    assert client.get(COVERAGE + "?group_code=DROP%20TABLE").status_code == 422


def test_a_bearer_token_reads_the_same_scoped_cells(world: World, snapshot) -> None:
    _token, key = api_token_create(user=world.users["county"], name="t")
    response = Client().get(COVERAGE, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert _codes(response) == ["320102"]


def test_the_province_lists_snapshots(world: World, snapshot) -> None:
    make_snapshot(status="running", progress_done=1, progress_total=4)
    body = _client(world, "province").get(SNAPSHOTS).json()
    assert [(s["status"], s["percent"]) for s in body] == [("running", 25), ("done", 100)]
    assert body[1]["stamp"] == {"cells": 16}


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "expert"])
def test_only_the_province_lists_snapshots(world: World, snapshot, role: str) -> None:
    response = _client(world, role).get(SNAPSHOTS)
    assert response.status_code == 403
    assert response.json() == {"error": SNAPSHOTS_FORBIDDEN}
