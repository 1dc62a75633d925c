"""Runs through the services on a constructed snapshot (cells written directly) and GEN-JS results:
the stored values equal the hand computation of test_compute.py, the run is stamped and audited,
and only the province starts and publishes; a published run never changes (services and
database triggers)."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from conftest import World
from devindex.exports import canonical_text, value_rows
from devindex.models import IndexDefinition, IndexRun, IndexValue
from devindex.services import (
    NO_SNAPSHOT,
    ONLY_DONE_PUBLISHED,
    ONLY_PROVINCE,
    PUBLISHED_IS_IMMUTABLE,
    YEAR_NOT_COVERED,
    index_run_compute,
    index_run_create,
    index_run_execute,
    index_run_publish,
    index_run_start,
)
from devindex.tests.factories import (
    YEAR,
    load_definition,
    make_gen_result,
    make_run,
    make_tiny_snapshot,
)


@pytest.fixture
def tiny_world(world: World) -> World:
    make_tiny_snapshot(world)
    by = world.users["enterprise"]
    make_gen_result(enterprise=world.e1, by=by, fraction=1.0)
    make_gen_result(enterprise=world.e2, by=by, fraction=0.0)
    make_gen_result(enterprise=world.e3, by=by, fraction=1.0)
    return world


def _index(run: IndexRun, level: str) -> dict[str, IndexValue]:
    return {
        v.unit_code: v for v in IndexValue.objects.filter(run=run, unit_level=level, node="IDX")
    }


def test_a_run_stores_the_hand_computed_index(tiny_world: World) -> None:
    run = make_run()
    cities = _index(run, "city")
    assert {c: v.score for c, v in cities.items()} == pytest.approx(
        {"3201": 83.5, "3205": 50.5, "3202": 58.75}
    )
    assert {c: (v.rank, v.tier) for c, v in cities.items()} == {
        "3201": (1, 1), "3202": (2, 2), "3205": (3, 3)
    }  # fmt: skip
    counties = _index(run, "county")
    assert {c: v.score for c, v in counties.items()} == pytest.approx(
        {"320102": 100.0, "320104": 34.0, "320583": 50.5}
    )
    # 6 units × (3 indicators + 2 dimensions + the index)
    assert IndexValue.objects.filter(run=run).count() == 36


def test_every_index_value_has_a_rank_band(tiny_world: World) -> None:
    run = make_run()
    for value in _index(run, "city").values():
        assert value.rank_p05 is not None
        assert value.rank_p95 is not None
        assert value.rank_p05 <= value.rank_median <= value.rank_p95
    assert (
        not IndexValue.objects.filter(run=run, rank_p05__isnull=False).exclude(node="IDX").exists()
    )


def test_a_run_is_stamped_with_its_method_and_inputs(tiny_world: World) -> None:
    definition = load_definition()
    run = make_run(definition=definition)
    stamp = run.method_stamp
    assert stamp["definition"] == {"code": "TINY", "version": "1", "sha256": definition.sha256}
    assert stamp["snapshot"]["id"] == run.snapshot_id
    assert (stamp["uncertainty"]["n"], stamp["uncertainty"]["seed"]) == (16, 7)
    assert stamp["uncertainty"]["runs_per_level"] == {"city": 64, "county": 64}
    assert stamp["engine"]["version"]
    assert len(stamp["engine"]["scoring_index_sha256"]) == 64
    assert stamp["config"]["county"]["impute"] == {"method": "mean", "by": "group"}
    assert stamp["inputs"]["results_submitted"] == 3
    summary = run.summary
    assert summary["counts"] == {"values": 36, "units": {"city": 3, "county": 3}}
    assert {s["input"] for s in summary["levels"]["city"]["sobol"]} == {"normalisation", "weights"}
    assert [d["code"] for d in summary["levels"]["city"]["coherence"]["dimensions"]] == ["D1", "D2"]


def test_a_run_is_audited(tiny_world: World) -> None:
    run = make_run(by=tiny_world.users["province"])
    actions = list(
        AuditEvent.objects.filter(object_id=str(run.pk), object_type="devindex.indexrun")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["index_run.create", "index_run.done"]


def test_the_province_starts_a_run_in_the_background(tiny_world: World) -> None:
    run = index_run_start(definition=load_definition(), year=YEAR, by=tiny_world.users["province"])
    run.refresh_from_db()  # the test settings run tasks at once
    assert run.status == IndexRun.Status.DONE
    assert (run.progress_done, run.progress_total, run.percent) == (1000, 1000, 100)
    assert run.created_by == tiny_world.users["province"]


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "admin"])
def test_only_the_province_starts_a_run(tiny_world: World, role: str) -> None:
    with pytest.raises(PermissionDenied, match=re.escape(ONLY_PROVINCE)):
        index_run_start(definition=load_definition(), year=YEAR, by=tiny_world.users[role])
    assert not IndexRun.objects.exists()


def test_a_run_needs_a_snapshot(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        index_run_create(definition=load_definition(), year=YEAR, by=None)
    assert error.value.messages == [NO_SNAPSHOT]
    assert not IndexRun.objects.exists()


def test_a_run_needs_the_year_in_the_snapshot(tiny_world: World) -> None:
    with pytest.raises(ValidationError) as error:
        index_run_create(definition=load_definition(), year=2019, by=None)
    assert error.value.messages == [YEAR_NOT_COVERED.format(year=2019)]


def test_a_failed_computation_writes_nothing(tiny_world: World, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr("devindex.services.index_compute", broken)
    run = index_run_create(definition=load_definition(), year=YEAR, by=None)
    index_run_execute(run=run)
    run.refresh_from_db()
    assert run.status == IndexRun.Status.FAILED
    assert "engine down" in run.error
    assert not IndexValue.objects.filter(run=run).exists()


def test_publishing_records_the_values_hash(tiny_world: World) -> None:
    run = make_run()
    index_run_publish(run=run, by=tiny_world.users["province"])
    run.refresh_from_db()
    expected = hashlib.sha256(canonical_text(value_rows(run)).encode()).hexdigest()
    assert (run.published, run.values_sha256) == (True, expected)
    assert run.published_by == tiny_world.users["province"]
    assert AuditEvent.objects.filter(action="index_run.publish", object_id=str(run.pk)).exists()


@pytest.mark.parametrize("role", ["city", "county", "expert"])
def test_only_the_province_publishes(tiny_world: World, role: str) -> None:
    run = make_run()
    with pytest.raises(PermissionDenied):
        index_run_publish(run=run, by=tiny_world.users[role])
    run.refresh_from_db()
    assert not run.published


def test_only_a_finished_run_is_published(tiny_world: World) -> None:
    run = index_run_create(definition=load_definition(), year=YEAR, by=None)
    with pytest.raises(ValidationError) as error:
        index_run_publish(run=run, by=None)
    assert error.value.messages == [ONLY_DONE_PUBLISHED]
    run.refresh_from_db()
    assert not run.published


def test_the_services_refuse_to_change_a_published_run(tiny_world: World) -> None:
    run = make_run(publish=True)
    with pytest.raises(ValidationError) as error:
        index_run_publish(run=run, by=None)
    assert error.value.messages == [PUBLISHED_IS_IMMUTABLE]
    with pytest.raises(ValidationError):
        index_run_compute(run=run)
    assert IndexValue.objects.filter(run=run).count() == 36


# --- the database refuses too (SQLite and PostgreSQL triggers, migration 0002) -------------------


def _refused(action) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        action()


def test_the_database_refuses_to_change_a_published_run(tiny_world: World) -> None:
    run = make_run(publish=True)
    _refused(lambda: IndexRun.objects.filter(pk=run.pk).update(year=2030))
    _refused(lambda: IndexRun.objects.filter(pk=run.pk).update(published=False))
    _refused(lambda: IndexRun.objects.filter(pk=run.pk).update(summary={}))
    run.refresh_from_db()
    assert (run.year, run.published) == (YEAR, True)


def test_the_database_refuses_to_change_a_published_runs_values(tiny_world: World) -> None:
    run = make_run(publish=True)
    values = IndexValue.objects.filter(run=run)
    _refused(lambda: values.update(score=0))
    _refused(
        lambda: IndexValue.objects.create(run=run, unit_level="city", unit_code="9999", node="IDX")
    )
    assert values.count() == 36
    assert values.filter(score=0).count() == 0


def test_an_unpublished_run_can_still_be_recomputed(tiny_world: World) -> None:
    run = make_run()
    IndexValue.objects.filter(run=run).update(score=0)  # not refused before publication
    index_run_compute(run=run)
    assert _index(run, "city")["3201"].score == pytest.approx(83.5)


def test_the_database_refuses_to_change_a_loaded_definition(world: World) -> None:
    definition = load_definition()
    _refused(lambda: IndexDefinition.objects.filter(pk=definition.pk).update(content={}))
    _refused(lambda: IndexDefinition.objects.filter(pk=definition.pk).update(sha256="0" * 64))
    IndexDefinition.objects.filter(pk=definition.pk).update(source_file="renamed.yaml")
