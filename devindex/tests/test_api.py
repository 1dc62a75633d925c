"""Index JSON API: published runs for everyone (no authentication needed), unpublished runs for
province officials only (session or token), the values of a run filtered by unit level and node."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tokens import api_token_create
from conftest import World
from devindex.models import IndexRun, IndexValue
from devindex.tests.factories import load_definition, make_stored_run, make_tiny_snapshot

RUNS = "/api/v1/index/runs"


@pytest.fixture
def runs(world: World) -> dict[str, IndexRun]:
    snapshot = make_tiny_snapshot(world)
    definition = load_definition()
    return {
        "published": make_stored_run(definition=definition, snapshot=snapshot, published=True),
        "draft": make_stored_run(definition=definition, snapshot=snapshot),
    }


def _client(world: World, role: str | None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role", [None, "city", "county", "enterprise", "expert", "admin"])
def test_everyone_but_the_province_lists_published_runs_only(world, runs, role) -> None:
    response = _client(world, role).get(RUNS)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [runs["published"].pk]


def test_the_province_lists_every_run(world, runs) -> None:
    response = _client(world, "province").get(RUNS)
    assert {r["id"] for r in response.json()} == {runs["published"].pk, runs["draft"].pk}
    item = next(r for r in response.json() if r["id"] == runs["published"].pk)
    assert item["definition"]["code"] == "TINY"
    assert item["values_sha256"] == runs["published"].values_sha256
    assert item["published"] is True


def test_a_province_token_sees_unpublished_runs(world, runs) -> None:
    _, key = api_token_create(user=world.users["province"], name="t")
    response = Client().get(RUNS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert {r["id"] for r in response.json()} == {runs["published"].pk, runs["draft"].pk}


def test_the_values_of_a_published_run_are_public(world, runs) -> None:
    run = runs["published"]
    response = Client().get(f"{RUNS}/{run.pk}/values")
    assert response.status_code == 200
    assert len(response.json()) == IndexValue.objects.filter(run=run).count()
    first = response.json()[0]
    assert set(first) == {
        "unit_level", "unit_code", "node", "raw", "score", "rank", "rank_median", "rank_p05",
        "rank_p95", "tier", "imputed",
    }  # fmt: skip


def test_values_are_filtered_by_unit_level_and_node(world, runs) -> None:
    run = runs["published"]
    response = Client().get(f"{RUNS}/{run.pk}/values?unit_level=city&node=IDX")
    rows = response.json()
    assert [(r["unit_code"], r["rank"], r["tier"]) for r in rows] == [
        ("3201", 1, 1),
        ("3205", 2, 2),
    ]
    assert Client().get(f"{RUNS}/{run.pk}/values?unit_level=county").json() == []


@pytest.mark.parametrize("role", [None, "city", "county", "enterprise"])
def test_the_values_of_an_unpublished_run_answer_404(world, runs, role) -> None:
    response = _client(world, role).get(f"{RUNS}/{runs['draft'].pk}/values")
    assert response.status_code == 404
    assert "error" in response.json()


def test_the_province_reads_the_values_of_an_unpublished_run(world, runs) -> None:
    response = _client(world, "province").get(f"{RUNS}/{runs['draft'].pk}/values")
    assert response.status_code == 200
    assert len(response.json()) == 4


def test_a_bad_unit_level_is_refused(world, runs) -> None:
    response = Client().get(f"{RUNS}/{runs['published'].pk}/values?unit_level=planet")
    assert response.status_code == 422


def test_a_missing_run_answers_404(world, runs) -> None:
    assert Client().get(f"{RUNS}/999999/values").status_code == 404
