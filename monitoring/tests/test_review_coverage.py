"""Second reading of the coverage computation (correctness): edge cases of the counting rules
(ties of one year and one submission time, a level dropped and reached again, level "" and
level_rank None, categories of earlier and later years, overlapping chains of one cluster, zones
inside their city, recognitions), a write that fails after cells were written, and the cells of
a snapshot recomputed independently with plain ORM queries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from assessments.models import Assessment
from assessments.selectors import diagnosis_is_confirmed
from conftest import World, make_enterprise
from monitoring import services
from monitoring.coverage import SCHEMAS, CoverageFacts, cell_figures, coverage_compute, frame
from monitoring.definitions import coverage_definition
from monitoring.facts import facts_digest
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.selectors import snapshot_current
from monitoring.services import coverage_snapshot_execute
from monitoring.tests.factories import (
    SF_LEVELS,
    SME_LEVELS,
    make_recognition,
    make_result,
    make_version,
)
from registry.models import Chain, Cluster, Enterprise, EnterpriseCategory, Industry, Region

SF, SME = 10, 20
PROVINCE = (("province", "32"), ("all", ""))


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def facts(**tables: list[tuple[Any, ...]]) -> CoverageFacts:
    """Enterprise 1 (3201/320102, zone 320171, industry 3911) and 2 (3201/320104, 3912), both
    规上 in 2025; SF-JS (version 10) and SME-DL (version 20) level ranks; nothing else."""
    base: dict[str, list[tuple[Any, ...]]] = {
        "enterprises": [
            (1, "3201", "320102", "320171", "3911"),
            (2, "3201", "320104", None, "3912"),
        ],
        "categories": [(1, "above_scale", 2025), (2, "above_scale", 2025)],
        "level_ranks": [(SF, code, r) for r, code in enumerate(SF_LEVELS, start=1)]
        + [(SME, code, r) for r, code in enumerate(SME_LEVELS, start=1)],
    }
    base.update(tables)
    return CoverageFacts(province="32", **{n: frame(n, base.get(n)) for n in SCHEMAS})


def sf(pk: int, enterprise: int, year: int, rank: int | None, when: datetime) -> tuple[Any, ...]:
    return (pk, enterprise, "SF-JS", SF, year, rank, when, "self")


def compute(f: CoverageFacts, years: tuple[int, ...] = (2025, 2026, 2027)) -> dict:
    definition = coverage_definition()
    return dict(cell_figures(coverage_compute(f, definition, years=list(years)), definition))


def fig(cells: dict, year: int, population: str, metric: str, where=PROVINCE) -> list[int]:
    (level, code), (kind, group) = where
    return cells[(year, level, code, kind, group)][population][metric]


# --- latest result -------------------------------------------------------------------------------


@pytest.mark.parametrize(("leading_id", "workshop_id"), [(201, 202), (202, 201)])
def test_two_results_of_one_year_and_one_submission_time_the_higher_id_wins(
    leading_id: int, workshop_id: int
) -> None:
    same = at(2025, 3)
    results = [sf(leading_id, 1, 2025, 5, same), sf(workshop_id, 1, 2025, 1, same)]
    cells = compute(facts(results=results))
    assert fig(cells, 2025, "all", "sf_ge_LEADING") == [int(leading_id > workshop_id), 2]
    assert fig(cells, 2025, "all", "sf_ge_WORKSHOP") == [1, 2]


def test_the_assessment_year_orders_results_before_the_submission_time() -> None:
    # The 2026 result was submitted before the 2025 one: for 2026 it still is the latest.
    cells = compute(facts(results=[sf(1, 1, 2026, 1, at(2025, 3)), sf(2, 1, 2025, 3, at(2025, 9))]))
    assert fig(cells, 2025, "all", "sf_ge_ADVANCED") == [1, 2]
    assert fig(cells, 2026, "all", "sf_ge_ADVANCED") == [0, 2]
    assert fig(cells, 2026, "all", "sf_ge_WORKSHOP") == [1, 2]


def test_a_level_dropped_and_reached_again_is_new_only_the_first_time() -> None:
    results = [
        sf(1, 1, 2025, 2, at(2025, 3)),  # BASIC
        sf(2, 1, 2026, 1, at(2026, 3)),  # WORKSHOP: dropped below
        sf(3, 1, 2027, 3, at(2027, 3)),  # ADVANCED: back above BASIC
    ]
    cells = compute(facts(results=results))
    assert [fig(cells, y, "all", "sf_ge_BASIC")[0] for y in (2025, 2026, 2027)] == [1, 0, 1]
    assert [fig(cells, y, "all", "sf_new_ge_BASIC")[0] for y in (2025, 2026, 2027)] == [1, 0, 0]
    assert [fig(cells, y, "all", "sf_new_ge_ADVANCED")[0] for y in (2025, 2026, 2027)] == [0, 0, 1]


@pytest.mark.parametrize("rank", [0, None])
def test_a_result_below_the_first_level_counts_as_assessed_at_no_level(rank) -> None:
    cells = compute(facts(results=[sf(1, 1, 2025, rank, at(2025, 3))]))
    assert fig(cells, 2025, "above_scale", "sf_assessed") == [1, 2]
    assert fig(cells, 2025, "above_scale", "assessed") == [1, 2]
    assert fig(cells, 2025, "above_scale", "sf_ge_WORKSHOP") == [0, 2]
    assert fig(cells, 2025, "all", "sf_new_ge_BASIC") == [0, 2]


def test_a_result_of_a_version_without_level_ranks_reaches_no_level() -> None:
    # version 99 is not among the exported (non-draft) versions
    cells = compute(facts(results=[(1, 1, "SF-JS", 99, 2025, 5, at(2025, 3), "self")]))
    assert fig(cells, 2025, "all", "sf_assessed") == [1, 2]
    assert fig(cells, 2025, "all", "sf_ge_WORKSHOP") == [0, 2]


def test_a_diagnosis_confirmed_in_some_sections_only_never_counts() -> None:
    results = [(1, 1, "SF-JS", SF, 2025, 5, at(2025, 3), "diagnosis")]
    sections = [(1, "d1"), (1, "d2"), (1, "d3")]
    partly = [(1, "d1", "confirmed"), (1, "d2", "confirmed")]  # d3 unanswered
    cells = compute(facts(results=results, sections=sections, reviews=partly))
    assert fig(cells, 2025, "all", "sf_assessed") == [0, 2]
    assert fig(cells, 2025, "all", "assessed") == [0, 2]
    every = [*partly, (1, "d3", "confirmed"), (1, "other", "disputed")]  # not a section
    cells = compute(facts(results=results, sections=sections, reviews=every))
    assert fig(cells, 2025, "all", "sf_ge_LEADING") == [1, 2]


# --- populations ---------------------------------------------------------------------------------


def test_above_scale_of_an_earlier_year_only_does_not_count_in_a_year_with_rows() -> None:
    categories = [(1, "above_scale", 2024), (2, "above_scale", 2025)]
    cells = compute(facts(categories=categories, results=[sf(1, 1, 2025, 2, at(2025, 3))]))
    assert fig(cells, 2025, "above_scale", "enterprises") == [1, 1]
    assert fig(cells, 2025, "above_scale", "sf_ge_BASIC") == [0, 1]
    assert fig(cells, 2026, "above_scale", "enterprises") == [1, 1]  # 2025 rows stand in


def test_an_sme_category_of_a_later_year_counts_from_that_year_with_its_earlier_result() -> None:
    results = [(1, 1, "SME-DL", SME, 2025, 2, at(2025, 3), "self")]
    cells = compute(facts(categories=[(1, "specialised_sme", 2026)], results=results))
    assert "specialised_sme" not in cells[(2025, "province", "32", "all", "")]
    assert fig(cells, 2026, "specialised_sme", "sme_ge_L2") == [1, 1]
    # reached L2 in 2025, before it was a specialised SME: not "new" in 2026
    assert fig(cells, 2026, "specialised_sme", "sme_new_ge_L2") == [0, 1]
    assert fig(cells, 2025, "all", "sme_new_ge_L2") == [1, 2]


# --- regions and groups --------------------------------------------------------------------------


def test_a_zone_enterprise_is_counted_once_in_its_city_and_in_the_province() -> None:
    cells = compute(facts(results=[sf(1, 1, 2025, 2, at(2025, 3))]))
    city = (("city", "3201"), ("all", ""))
    assert fig(cells, 2025, "all", "sf_ge_BASIC", city) == [1, 2]
    assert fig(cells, 2025, "all", "sf_ge_BASIC", (("zone", "320171"), ("all", ""))) == [1, 1]
    assert fig(cells, 2025, "all", "sf_ge_BASIC") == [1, 2]


def test_overlapping_chains_of_one_cluster_count_an_enterprise_once_in_the_cluster() -> None:
    cells = compute(
        facts(
            chains=[("a", "cl"), ("b", "cl")],
            chain_industries=[("a", "3911"), ("b", "3911")],
            chain_links=[(1, "a"), (1, "b")],
            cluster_industries=[("cl", "3911")],
            results=[sf(1, 1, 2025, 2, at(2025, 3))],
        )
    )
    cluster = (("province", "32"), ("cluster", "cl"))
    assert fig(cells, 2025, "all", "enterprises", cluster) == [1, 1]
    assert fig(cells, 2025, "all", "sf_ge_BASIC", cluster) == [1, 1]
    assert fig(cells, 2025, "all", "sf_ge_BASIC", (("province", "32"), ("chain", "a"))) == [1, 1]


def test_two_recognitions_count_once_from_the_first_certificate_year() -> None:
    recognitions = [(1, "advanced_factory", 2026), (1, "advanced_factory", 2027)]
    cells = compute(facts(recognitions=recognitions))
    years = (2025, 2026, 2027)
    assert [fig(cells, y, "all", "recognised_advanced")[0] for y in years] == [0, 1, 1]


def test_each_population_keeps_its_own_denominator_in_one_cell() -> None:
    categories = [(1, "above_scale", 2025), (1, "innovative_sme", 2025), (2, "little_giant", 2025)]
    results = [(1, 2, "SME-DL", SME, 2025, 3, at(2025, 3), "self")]
    cells = compute(facts(categories=categories, results=results), years=(2025,))
    figures = cells[(2025, "province", "32", "all", "")]
    assert set(figures) == {"all", "above_scale", "innovative_sme", "little_giant"}
    assert figures["above_scale"]["sme_ge_L3"] == [0, 1]
    assert figures["innovative_sme"]["sme_ge_L3"] == [0, 1]
    assert figures["little_giant"]["sme_ge_L3"] == [1, 1]
    assert figures["all"]["sme_ge_L3"] == [1, 2]


# --- the stamp -----------------------------------------------------------------------------------


def _full_facts() -> CoverageFacts:
    return facts(
        chains=[("a", "cl")],
        chain_industries=[("a", "3911")],
        chain_links=[(2, "a")],
        cluster_industries=[("cl", "3912")],
        results=[
            sf(1, 1, 2025, 2, at(2025, 3)),
            (2, 2, "SF-JS", SF, 2025, 3, at(2025, 4), "diagnosis"),
        ],
        sections=[(2, "d1")],
        reviews=[(2, "d1", "confirmed")],
        recognitions=[(1, "advanced_factory", 2025)],
    )


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_the_facts_digest_covers_every_table_and_ignores_row_order(table: str) -> None:
    base = _full_facts()
    digest = facts_digest(base)
    tables = base.frames()
    assert tables[table].height > 0
    shuffled = {**tables, table: tables[table].reverse()}
    assert facts_digest(CoverageFacts(province="32", **shuffled)) == digest
    changed = {**tables, table: tables[table].head(tables[table].height - 1)}
    assert facts_digest(CoverageFacts(province="32", **changed)) != digest
    assert facts_digest(CoverageFacts(province="33", **tables)) != digest


# --- snapshots in the database -------------------------------------------------------------------


def test_a_failure_after_some_cells_were_written_leaves_none(world: World, monkeypatch) -> None:
    EnterpriseCategory.objects.create(enterprise=world.e1, category_id="above_scale", year=2025)
    done = CoverageSnapshot.objects.create()
    coverage_snapshot_execute(snapshot=done)
    monkeypatch.setattr(services, "BATCH_SIZE", 1)  # many INSERTs before the failure
    real = services.audit_record

    def broken(*, action: str, **kwargs: Any) -> Any:
        if action == "coverage_snapshot.done":
            assert CoverageCell.objects.filter(snapshot=failed).count() > 1  # written already
            raise RuntimeError("connection lost")
        return real(action=action, **kwargs)

    monkeypatch.setattr(services, "audit_record", broken)
    failed = CoverageSnapshot.objects.create()
    coverage_snapshot_execute(snapshot=failed)
    failed.refresh_from_db()
    assert failed.status == CoverageSnapshot.Status.FAILED
    assert "connection lost" in failed.error
    assert not CoverageCell.objects.filter(snapshot=failed).exists()
    assert failed.stamp == {}
    assert snapshot_current() == done


def _orm_cell(*, enterprises: set[int], year: int, above: set[int]) -> dict[str, list[int]]:
    """规上 figures of one cell recomputed with plain ORM reads and Python (independent of
    monitoring.coverage): the latest valid SF-JS result up to the year, ranks from its version."""
    valid = [
        a
        for a in Assessment.objects.filter(status="submitted", enterprise_id__in=enterprises)
        .select_related("framework", "framework_version")
        .prefetch_related("section_reviews")
        if a.kind == "self" or diagnosis_is_confirmed(a)
    ]
    latest: dict[int, Assessment] = {}
    for a in valid:
        if a.framework.code == "SF-JS" and a.year <= year:
            key = (a.year, a.submitted_at, a.pk)
            held = latest.get(a.enterprise_id)
            if held is None or key > (held.year, held.submitted_at, held.pk):
                latest[a.enterprise_id] = a

    def at_least(a: Assessment, code: str) -> bool:
        codes = [level["code"] for level in a.framework_version.definition["levels"]]
        return (a.level_rank or 0) >= codes.index(code) + 1

    members = enterprises & above
    assessed = {a.enterprise_id for a in valid if a.year == year} & members
    basic = sum(at_least(a, "BASIC") for e, a in latest.items() if e in members)
    return {
        "enterprises": [len(members), len(members)],
        "assessed": [len(assessed), len(members)],
        "sf_ge_BASIC": [basic, len(members)],
    }


def test_the_cells_equal_an_independent_orm_count(world: World) -> None:
    """A small world with every edge at once (a superseded version with another level list, a
    partly confirmed diagnosis, two results of one day, a zone, a cluster of two chains), then
    every city, county and cluster cell of 规上 against plain ORM counts."""
    v1 = make_version("SF-JS", SF_LEVELS, version="1", status="superseded")
    v2 = make_version("SF-JS", ["WORKSHOP", "PILOT", *SF_LEVELS[1:]], version="2")
    zone = Region.objects.create(code="320171", name="开发区", level="zone", parent=world.x)
    e4 = make_enterprise(county=world.x, name="开发区企业", seq=4, zone=zone)
    e5 = make_enterprise(county=world.z, name="昆山二厂", seq=5, industry="3912")
    everyone = [world.e1, world.e2, world.e3, e4, e5]
    for enterprise in everyone[:4]:
        EnterpriseCategory.objects.create(
            enterprise=enterprise, category_id="above_scale", year=2025
        )
    cluster = Cluster.objects.create(code="cl", name="集群", source_list="测试")
    computers = Industry.objects.get(code="3911")
    for code in ("a", "b"):  # two chains of one cluster covering the same industry
        Chain.objects.create(code=code, name=code, cluster=cluster).industries.set([computers])
    by = world.users["enterprise"]
    same = at(2025, 5, 5)
    make_result(enterprise=world.e1, version=v1, year=2025, level="ADVANCED", by=by, at=same)
    make_result(enterprise=world.e1, version=v1, year=2025, level="WORKSHOP", by=by, at=same)
    make_result(enterprise=world.e2, version=v2, year=2025, level="PILOT", by=by)  # < BASIC
    make_result(
        enterprise=world.e3,
        version=v2,
        year=2025,
        level="LEADING",
        by=by,
        kind="diagnosis",
        sections={"d1": "confirmed", "d2": ""},
    )
    make_result(enterprise=e4, version=v2, year=2024, level="BASIC", by=by)
    make_result(enterprise=e5, version=v2, year=2025, level="LEADING", by=by)  # not 规上
    make_recognition(enterprise=world.e3, by=by, year=2025)
    snapshot = coverage_snapshot_execute(snapshot=CoverageSnapshot.objects.create())
    assert snapshot.status == CoverageSnapshot.Status.DONE, snapshot.error
    above = set(
        EnterpriseCategory.objects.filter(category_id="above_scale", year=2025).values_list(
            "enterprise_id", flat=True
        )
    )
    units = {("city", c.code): Enterprise.objects.filter(city=c) for c in (world.p, world.q)} | {
        ("county", c.code): Enterprise.objects.filter(county=c) for c in (world.x, world.z)
    }
    units[("zone", "320171")] = Enterprise.objects.filter(zone=zone)
    for (level, code), queryset in units.items():
        cell = CoverageCell.objects.get(
            snapshot=snapshot, year=2025, region_level=level, region_code=code, group_kind="all"
        )
        ids = set(queryset.values_list("id", flat=True))
        expected = _orm_cell(enterprises=ids, year=2025, above=above)
        found = {m: cell.figures["above_scale"][m] for m in expected}
        assert found == expected, (level, code)
    in_cluster = set(Enterprise.objects.in_cluster("cl").values_list("id", flat=True))
    cell = CoverageCell.objects.get(
        snapshot=snapshot, year=2025, region_level="province", group_kind="cluster", group_code="cl"
    )
    expected = _orm_cell(enterprises=in_cluster, year=2025, above=above)
    assert {m: cell.figures["above_scale"][m] for m in expected} == expected
    # the hand count of the province: e1 WORKSHOP (id tie: the later row), e2 PILOT, e3 not
    # confirmed, e4 BASIC (2024, latest up to 2025) → one of four 规上 at ≥ BASIC
    province = CoverageCell.objects.get(
        snapshot=snapshot, year=2025, region_code="32", group_kind="all"
    )
    assert province.figures["above_scale"]["sf_ge_BASIC"] == [1, 4]
    assert province.figures["above_scale"]["assessed"] == [2, 4]
    assert province.figures["all"]["sf_ge_LEADING"] == [1, 5]
    assert province.figures["all"]["recognised_advanced"] == [1, 5]
