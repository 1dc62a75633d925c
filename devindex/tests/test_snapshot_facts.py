"""An index run reads exactly the data of its coverage snapshot: the fact tables the snapshot froze
(enterprises, memberships, results), not the live database; result node fractions only for the
results in those facts. Results submitted after the snapshot change nothing; a snapshot without
its fact files fails the run with a bilingual message; the method stamp records what was read."""

from __future__ import annotations

import copy
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.conf import settings

from conftest import World, make_enterprise
from devindex.facts import result_nodes
from devindex.models import IndexRun, IndexValue
from devindex.services import index_run_create, index_run_execute
from devindex.tests.factories import (
    YEAR,
    load_definition,
    make_gen_result,
    make_run,
    tiny,
)
from monitoring.facts import SNAPSHOT_FACTS_MISSING, snapshot_facts_read
from monitoring.models import CoverageSnapshot
from monitoring.selectors import snapshot_current
from monitoring.services import coverage_snapshot_execute
from monitoring.tests.factories import make_snapshot
from registry.models import EnterpriseCategory

# TINY plus "per 100 规上" (result_rate): enterprises with a GEN-JS result ÷ 规上 × 100.
RATE: dict[str, Any] = {
    "code": "R",
    "name": {"zh": "每百家规上企业有效结果数"},
    "unit": "家/百家",
    "goalposts": [0, 100],
    "provisional": True,
    "data": {
        "kind": "result_rate",
        "model": "GEN-JS",
        "per": {"population": "above_scale", "metric": "enterprises"},
        "scale": 100,
    },
    "source": {"task": 10, "how": {"zh": "有通用自评测结果的企业数 ÷ 规上企业数 × 100"}},
}


def _content() -> dict[str, Any]:
    content = tiny()
    dimensions = copy.deepcopy(content["dimensions"])
    dimensions[1]["indicators"].append(RATE)
    return tiny(dimensions=dimensions, version="rate")


@pytest.fixture
def computed(world: World) -> CoverageSnapshot:
    """3 规上 enterprises; GEN-JS results of E1 (fraction 1) and E2 (0); a computed snapshot."""
    for enterprise in (world.e1, world.e2, world.e3):
        EnterpriseCategory.objects.create(
            enterprise=enterprise, category_id="above_scale", year=YEAR
        )
    by = world.users["enterprise"]
    make_gen_result(enterprise=world.e1, by=by, fraction=1.0)
    make_gen_result(enterprise=world.e2, by=by, fraction=0.0)
    snapshot = coverage_snapshot_execute(snapshot=CoverageSnapshot.objects.create())
    assert snapshot.status == CoverageSnapshot.Status.DONE, snapshot.error
    return snapshot


def _values(run: IndexRun) -> list[tuple[Any, ...]]:
    return list(
        IndexValue.objects.filter(run=run)
        .order_by("unit_level", "unit_code", "node")
        .values_list("unit_level", "unit_code", "node", "raw", "score", "rank", "tier", "imputed")
    )


def _raw(run: IndexRun, unit: str, node: str) -> float | None:
    return IndexValue.objects.get(run=run, unit_level="city", unit_code=unit, node=node).raw


def _changes_after_the_snapshot(world: World) -> None:
    """A later, worse result of E1, a first result of E3 and a new 规上 enterprise in X with a
    result: each moves a result-derived indicator or a unit's membership if read live."""
    by = world.users["enterprise"]
    make_gen_result(enterprise=world.e1, by=by, fraction=0.0, at=datetime(YEAR, 9, 1, tzinfo=UTC))
    make_gen_result(enterprise=world.e3, by=by, fraction=1.0)
    e4 = make_enterprise(county=world.x, name="玄武新厂", seq=4)
    EnterpriseCategory.objects.create(enterprise=e4, category_id="above_scale", year=YEAR)
    make_gen_result(enterprise=e4, by=by, fraction=1.0)


def test_a_submission_after_the_snapshot_does_not_change_a_run_on_it(
    world: World, computed: CoverageSnapshot
) -> None:
    definition = load_definition(_content())
    first = make_run(definition=definition)
    assert _raw(first, "3201", "C") == pytest.approx(50.0)  # mean of E1 (100 %) and E2 (0 %)
    assert _raw(first, "3201", "R") == pytest.approx(100.0)  # 2 results per 2 规上
    assert _raw(first, "3205", "R") == pytest.approx(0.0)
    _changes_after_the_snapshot(world)
    second = make_run(definition=definition)
    assert second.snapshot_id == first.snapshot_id == computed.pk
    assert _values(second) == _values(first)
    assert second.method_stamp["inputs"] == first.method_stamp["inputs"]
    # the changes are real: a new snapshot sees them
    newer = coverage_snapshot_execute(snapshot=CoverageSnapshot.objects.create())
    assert snapshot_current() == newer
    third = make_run(definition=definition)
    assert _raw(third, "3201", "C") == pytest.approx(100 / 3)  # E1 now 0 %, E2 0 %, E4 100 %
    assert _raw(third, "3205", "R") == pytest.approx(100.0)
    assert _values(third) != _values(first)


def test_the_method_stamp_records_the_snapshot_facts_it_read(
    world: World, computed: CoverageSnapshot
) -> None:
    run = make_run(definition=load_definition(_content()))
    inputs = run.method_stamp["inputs"]
    assert inputs["facts_source"] == "snapshot"
    assert inputs["snapshot_facts_sha256"] == computed.stamp["facts"]["sha256"]
    assert inputs["facts_sha256"] == computed.stamp["facts_sha256"]
    assert (inputs["enterprises"], inputs["results_submitted"]) == (3, 2)
    assert (inputs["result_node_values"], inputs["result_nodes_missing"]) == (2, 0)


def test_node_fractions_are_read_only_for_the_results_of_the_snapshot(
    world: World, computed: CoverageSnapshot
) -> None:
    facts, _ = snapshot_facts_read(snapshot=computed)
    later = make_gen_result(enterprise=world.e3, by=world.users["enterprise"], fraction=0.5)
    nodes, missing = result_nodes(content=tiny(), year=YEAR, results=facts.results)
    assert set(nodes.get_column("assessment_id")) == set(facts.results.get_column("id"))
    assert later.pk not in set(nodes.get_column("assessment_id"))
    assert missing == 0
    assert nodes.get_column("node").unique().to_list() == ["data_ai.platform"]
    everything, _ = result_nodes(
        content=tiny(), year=YEAR, results=facts.results.vstack(_row_of(facts.results, later.pk))
    )
    assert later.pk in set(everything.get_column("assessment_id"))


def _row_of(results: pl.DataFrame, pk: int) -> pl.DataFrame:
    return results.head(1).with_columns(pl.lit(pk, pl.Int64).alias("id"))


def test_a_run_on_a_snapshot_without_its_fact_files_fails_and_says_why(
    world: World, computed: CoverageSnapshot
) -> None:
    shutil.rmtree(Path(settings.COVERAGE_FACTS_DIR) / computed.stamp["facts"]["dir"])
    run = index_run_create(definition=load_definition(), year=YEAR, by=None)
    index_run_execute(run=run)
    assert run.status == IndexRun.Status.FAILED
    assert SNAPSHOT_FACTS_MISSING.format(pk=computed.pk) in run.error
    assert "计算失败" in run.error
    assert not IndexValue.objects.filter(run=run).exists()


def test_a_run_on_an_older_snapshot_without_stored_facts_fails(world: World) -> None:
    old = make_snapshot(
        cells=[
            {
                "year": YEAR,
                "region_level": "city",
                "region_code": "3201",
                "figures": {"above_scale": {"enterprises": [2, 2]}},
            }
        ],
        stamp={"facts_sha256": "0" * 64, "cells": 1},
    )
    run = index_run_create(definition=load_definition(), year=YEAR, by=None)
    assert run.snapshot_id == old.pk
    index_run_execute(run=run)
    assert run.status == IndexRun.Status.FAILED
    assert "请先重新计算覆盖率快照" in run.error
    assert "compute a new coverage snapshot, then run the index again" in run.error
