"""The fact export (monitoring.facts) against the database, and the computation end to end on
database rows: level ranks read from each model version, diagnoses counted once every section is
confirmed, chain and cluster membership equal to the registry's own queries, and a result
submitted through the real assessment services."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from assessments.tests.factories import load_default_models, make_submitted
from conftest import World, make_enterprise
from monitoring.coverage import group_memberships
from monitoring.definitions import coverage_definition
from monitoring.facts import coverage_facts_export, facts_digest
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.services import coverage_snapshot_compute
from monitoring.tests.factories import (
    SF_LEVELS,
    make_recognition,
    make_result,
    make_version,
)
from registry.models import (
    Chain,
    Cluster,
    Enterprise,
    EnterpriseCategory,
    EnterpriseChain,
    Industry,
)


@pytest.fixture
def sf(db):
    """SF-JS v1 (superseded) and v2 (published, a level PILOT inserted below BASIC)."""
    v1 = make_version("SF-JS", SF_LEVELS, version="1", status="superseded")
    v2 = make_version(
        "SF-JS", ["WORKSHOP", "PILOT", "BASIC", "ADVANCED", "EXCELLENT", "LEADING"], version="2"
    )
    return v1, v2


def _above_scale(world: World, year: int = 2025) -> None:
    for enterprise in (world.e1, world.e2, world.e3):
        EnterpriseCategory.objects.create(
            enterprise=enterprise, category_id="above_scale", year=year
        )


def _compute() -> CoverageSnapshot:
    snapshot = CoverageSnapshot.objects.create(status=CoverageSnapshot.Status.RUNNING)
    return coverage_snapshot_compute(snapshot=snapshot)


def _figures(snapshot: CoverageSnapshot, code: str, year: int = 2025) -> dict:
    return CoverageCell.objects.get(
        snapshot=snapshot, year=year, region_code=code, group_kind="all"
    ).figures


def test_level_ranks_are_read_from_every_non_draft_version(world: World, sf) -> None:
    v1, v2 = sf
    make_version("SF-JS", ["X"], version="3", status="draft")
    ranks = coverage_facts_export(definition=coverage_definition()).level_ranks
    basic = dict(ranks.filter(pl.col("level") == "BASIC").select("version_id", "rank").iter_rows())
    assert basic == {v1.pk: 2, v2.pk: 3}


def test_sections_are_the_dimension_keys_of_submitted_diagnoses(world: World, sf) -> None:
    v1, _ = sf
    by = world.users["province"]
    diagnosis = make_result(
        enterprise=world.e1,
        version=v1,
        year=2025,
        level="BASIC",
        by=by,
        kind="diagnosis",
        provider=world.users["provider"],
        sections={"d1": "confirmed", "d2": ""},
    )
    facts = coverage_facts_export(definition=coverage_definition())
    assert sorted(facts.sections.rows()) == [(diagnosis.pk, "d1"), (diagnosis.pk, "d2")]
    assert facts.reviews.rows() == [(diagnosis.pk, "d1", "confirmed")]


def test_only_recognised_applications_of_the_metric_types_are_exported(world: World) -> None:
    by = world.users["enterprise"]
    make_recognition(enterprise=world.e1, by=by, year=2025)
    make_recognition(enterprise=world.e2, by=by, year=2025, type="zero_carbon")
    facts = coverage_facts_export(definition=coverage_definition())
    assert facts.recognitions.rows() == [(world.e1.pk, "advanced_factory", 2025)]


def test_the_facts_digest_changes_with_the_data_only(world: World, sf) -> None:
    definition = coverage_definition()
    first = facts_digest(coverage_facts_export(definition=definition))
    assert facts_digest(coverage_facts_export(definition=definition)) == first
    make_result(
        enterprise=world.e1, version=sf[0], year=2025, level="BASIC", by=world.users["province"]
    )
    assert facts_digest(coverage_facts_export(definition=definition)) != first


def test_computed_cells_count_levels_per_version_and_confirmed_diagnoses(world: World, sf) -> None:
    v1, v2 = sf
    by, provider = world.users["province"], world.users["provider"]
    _above_scale(world)
    make_result(enterprise=world.e1, version=v1, year=2025, level="BASIC", by=by)
    # PILOT is rank 2 in v2, as BASIC is in v1, yet below BASIC in its own version.
    make_result(enterprise=world.e2, version=v2, year=2025, level="PILOT", by=by)
    make_result(
        enterprise=world.e3,
        version=v1,
        year=2025,
        level="LEADING",
        by=by,
        kind="diagnosis",
        provider=provider,
        sections={"d1": "confirmed", "d2": "disputed"},
    )
    snapshot = _compute()
    province = _figures(snapshot, "32")["above_scale"]
    assert province["sf_ge_WORKSHOP"] == [2, 3]
    assert province["sf_ge_BASIC"] == [1, 3]
    assert province["sf_ge_LEADING"] == [0, 3]
    assert province["assessed"] == [2, 3]
    assert _figures(snapshot, world.p.code)["above_scale"]["sf_ge_BASIC"] == [1, 2]
    assert _figures(snapshot, world.z.code)["above_scale"]["sf_assessed"] == [0, 1]
    assert snapshot.stamp["diagnoses_not_confirmed"] == 1


def test_a_diagnosis_confirmed_in_every_section_counts(world: World, sf) -> None:
    v1, _ = sf
    _above_scale(world)
    make_result(
        enterprise=world.e3,
        version=v1,
        year=2025,
        level="LEADING",
        by=world.users["province"],
        kind="diagnosis",
        provider=world.users["provider"],
        sections={"d1": "confirmed", "d2": "confirmed"},
    )
    snapshot = _compute()
    assert _figures(snapshot, "32")["above_scale"]["sf_ge_LEADING"] == [1, 3]
    assert _figures(snapshot, world.q.code)["above_scale"]["sf_ge_LEADING"] == [1, 1]


def test_the_latest_result_of_the_year_wins(world: World, sf) -> None:
    v1, _ = sf
    by = world.users["province"]
    _above_scale(world)
    make_result(
        enterprise=world.e1, version=v1, year=2025, level="EXCELLENT", by=by,
        at=datetime(2025, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    make_result(
        enterprise=world.e1, version=v1, year=2025, level="WORKSHOP", by=by,
        at=datetime(2025, 9, 1, tzinfo=UTC),
    )  # fmt: skip
    snapshot = _compute()
    assert _figures(snapshot, "32")["above_scale"]["sf_ge_BASIC"] == [0, 3]
    # ... though it first reached excellent that year.
    assert _figures(snapshot, "32")["all"]["sf_new_ge_EXCELLENT"] == [0, 3]


def test_chain_and_cluster_members_are_those_the_registry_finds(world: World) -> None:
    cluster = Cluster.objects.create(code="cl-1", name="集群一", source_list="test")
    other = Cluster.objects.create(code="cl-2", name="集群二", source_list="test")
    chain = Chain.objects.create(code="ch-a", name="链一", cluster=cluster)
    lone = Chain.objects.create(code="ch-b", name="链二")
    chain.industries.set([Industry.objects.get(code="3911")])
    other.industries.set([Industry.objects.get(code="3912")])
    e4 = make_enterprise(county=world.x, name="玄武零部件有限公司", seq=4, industry="3912")
    EnterpriseChain.objects.create(enterprise=e4, chain=lone)
    EnterpriseChain.objects.create(enterprise=world.e3, chain=chain)
    groups = group_memberships(coverage_facts_export(definition=coverage_definition()))
    for kind, codes, query in (
        ("chain", ["ch-a", "ch-b"], Enterprise.objects.in_chain),
        ("cluster", ["cl-1", "cl-2"], Enterprise.objects.in_cluster),
    ):
        for code in codes:
            found = groups.filter((pl.col("group_kind") == kind) & (pl.col("group_code") == code))
            expected = set(query(code).values_list("id", flat=True))
            assert set(found.get_column("enterprise_id")) == expected, (kind, code)
            assert expected


def test_a_result_submitted_through_the_assessment_services_is_counted(world: World) -> None:
    load_default_models()
    _above_scale(world, 2026)
    by = world.users["enterprise"]
    # SF-JS levels from BASIC up need a CMMM result at 二级 or above (a prerequisite).
    make_submitted(enterprise=world.e1, code="CMMM", by=by, quality=1.0, year=2026)
    result = make_submitted(enterprise=world.e1, code="SF-JS", by=by, quality=1.0, year=2026)
    snapshot = _compute()
    above = _figures(snapshot, world.x.code, 2026)["above_scale"]
    assert above["assessed"] == [1, 1]
    assert above["sf_assessed"] == [1, 1]
    assert result.level_rank >= 2  # a level above the lowest, so the thresholds are exercised
    levels = [str(level["code"]) for level in result.framework_version.definition["levels"]]
    reached = levels[: result.level_rank]
    for level in SF_LEVELS:
        assert above[f"sf_ge_{level}"] == [int(level in reached), 1], level
