"""The pure coverage computation (monitoring.coverage) on constructed fact tables: exact counts for
level thresholds read per model version, the latest result winning, unconfirmed diagnoses ignored,
the category year rules, chain / cluster / zone membership, first-reached years and recognitions.

The little province: 32 → cities 3201 (counties 320102 with zone 320171, and 320104) and 3205
(county 320583). Enterprises 1@320102 in zone 320171, 2@320104, 3@320583, 4@320583.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from monitoring.coverage import (
    CoverageFacts,
    category_year,
    cell_figures,
    coverage_compute,
    frame,
    group_memberships,
    region_memberships,
    valid_results,
    years_covered,
)
from monitoring.definitions import coverage_definition

SF_V1, SF_V2, SME_V1 = 10, 11, 20
SF_LEVELS_V1 = ["WORKSHOP", "BASIC", "ADVANCED", "EXCELLENT", "LEADING"]
# A later version with a level inserted below BASIC: BASIC is rank 3 there, not 2.
SF_LEVELS_V2 = ["WORKSHOP", "PILOT", "BASIC", "ADVANCED", "EXCELLENT", "LEADING"]
SME_LEVELS = ["L1", "L2", "L3", "L4"]


def at(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _ranks() -> list[tuple[Any, ...]]:
    return [
        (version, code, rank)
        for version, levels in ((SF_V1, SF_LEVELS_V1), (SF_V2, SF_LEVELS_V2), (SME_V1, SME_LEVELS))
        for rank, code in enumerate(levels, start=1)
    ]


def make_facts(**tables: list[tuple[Any, ...]]) -> CoverageFacts:
    base: dict[str, list[tuple[Any, ...]]] = {
        "enterprises": [
            (1, "3201", "320102", "320171", "3911"),
            (2, "3201", "320104", None, "3912"),
            (3, "3205", "320583", None, "3911"),
            (4, "3205", "320583", None, "1311"),
        ],
        "categories": [
            (1, "above_scale", 2024),
            (1, "above_scale", 2025),
            (2, "above_scale", 2025),
            (3, "above_scale", 2024),
            (3, "innovative_sme", 2024),
            (4, "specialised_sme", 2026),
        ],
        "chains": [("ch-a", "cl-1"), ("ch-b", None)],
        "chain_industries": [("ch-a", "3911")],
        "chain_links": [(2, "ch-a"), (4, "ch-b")],
        "cluster_industries": [("cl-2", "3912")],
        "results": [
            # id, enterprise, model, version, year, rank, submitted, kind
            (101, 1, "SF-JS", SF_V1, 2025, 2, at(2025, 3), "self"),  # BASIC
            (102, 1, "SF-JS", SF_V1, 2025, 4, at(2025, 6), "self"),  # EXCELLENT, later: wins
            (103, 1, "SF-JS", SF_V1, 2026, 1, at(2026, 2), "self"),  # WORKSHOP in 2026: wins
            (104, 2, "SF-JS", SF_V2, 2025, 2, at(2025, 5), "self"),  # PILOT: below BASIC in v2
            (105, 3, "SF-JS", SF_V1, 2025, 5, at(2025, 7), "diagnosis"),  # not confirmed
            (106, 4, "SF-JS", SF_V1, 2026, 3, at(2026, 4), "diagnosis"),  # confirmed ADVANCED
            (107, 4, "SME-DL", SME_V1, 2026, 2, at(2026, 5), "self"),  # L2
        ],
        "sections": [(105, "d1"), (105, "d2"), (106, "d1"), (106, "d2")],
        "reviews": [
            (105, "d1", "confirmed"),
            (105, "d2", "disputed"),
            (106, "d1", "confirmed"),
            (106, "d2", "confirmed"),
        ],
        "level_ranks": _ranks(),
        "recognitions": [(3, "advanced_factory", 2026), (2, "zero_carbon", 2025)],
    }
    base.update(tables)
    return CoverageFacts(province="32", **{name: frame(name, rows) for name, rows in base.items()})


@pytest.fixture(scope="module")
def cells() -> dict[tuple[Any, ...], dict[str, dict[str, list[int]]]]:
    definition = coverage_definition()
    computed = coverage_compute(make_facts(), definition, years=[2025, 2026])
    return dict(cell_figures(computed, definition))


def figure(cells: dict, year: int, level: str, code: str, pop: str, metric: str, group=("all", "")):
    return cells[(year, level, code, *group)][pop][metric]


# --- results ------------------------------------------------------------------------------------


def test_a_diagnosis_counts_only_when_every_section_is_confirmed() -> None:
    valid = valid_results(make_facts())
    assert set(valid.get_column("id")) == {101, 102, 103, 104, 106, 107}


def test_a_diagnosis_without_sections_never_counts() -> None:
    facts = make_facts(sections=[(106, "d1")], reviews=[])
    assert 106 not in set(valid_results(facts).get_column("id"))
    facts = make_facts(sections=[], reviews=[(106, "d1", "confirmed")])
    assert 106 not in set(valid_results(facts).get_column("id"))


@pytest.mark.parametrize(
    ("year", "metric", "expected"),
    [
        (2025, "sf_ge_WORKSHOP", [2, 2]),  # enterprises 1 (EXCELLENT) and 2 (PILOT)
        (2025, "sf_ge_BASIC", [1, 2]),  # 2's PILOT is rank 2 but BASIC is rank 3 in its version
        (2025, "sf_ge_ADVANCED", [1, 2]),
        (2025, "sf_ge_EXCELLENT", [1, 2]),  # the later result of the year wins over BASIC
        (2025, "sf_ge_LEADING", [0, 2]),
        (2026, "sf_ge_WORKSHOP", [2, 2]),
        (2026, "sf_ge_BASIC", [0, 2]),  # 1's latest result (2026) is WORKSHOP: latest wins
        (2026, "sf_assessed", [2, 2]),
        (2025, "assessed", [2, 2]),
        (2026, "assessed", [1, 2]),
    ],
)
def test_smart_factory_levels_of_above_scale_enterprises_in_the_province(
    cells, year: int, metric: str, expected: list[int]
) -> None:
    assert figure(cells, year, "province", "32", "above_scale", metric) == expected


def test_an_unconfirmed_diagnosis_is_ignored_and_a_confirmed_one_counts(cells) -> None:
    # Enterprise 3's LEADING diagnosis is disputed in one section; 4's ADVANCED one is confirmed.
    assert figure(cells, 2025, "province", "32", "all", "sf_ge_LEADING") == [0, 4]
    assert figure(cells, 2025, "province", "32", "all", "assessed") == [2, 4]
    assert figure(cells, 2026, "province", "32", "all", "sf_ge_ADVANCED") == [1, 4]


@pytest.mark.parametrize(
    ("year", "metric", "expected"),
    [
        (2025, "sf_new_ge_BASIC", 1),  # enterprise 1
        (2026, "sf_new_ge_BASIC", 1),  # enterprise 4 (1 reached it in 2025: not new again)
        (2025, "sf_new_ge_EXCELLENT", 1),
        (2026, "sf_new_ge_EXCELLENT", 0),
        (2026, "sf_new_ge_ADVANCED", 1),
        (2026, "sme_new_ge_L2", 1),
        (2026, "sme_new_ge_L3", 0),
    ],
)
def test_first_reached_counts_an_enterprise_in_one_year_only(
    cells, year: int, metric: str, expected: int
) -> None:
    assert figure(cells, year, "province", "32", "all", metric)[0] == expected


def test_recognitions_count_from_their_year_and_only_of_their_type(cells) -> None:
    assert figure(cells, 2025, "province", "32", "all", "recognised_advanced") == [0, 4]
    assert figure(cells, 2026, "province", "32", "all", "recognised_advanced") == [1, 4]


# --- populations --------------------------------------------------------------------------------


def test_above_scale_falls_back_to_the_latest_earlier_year_with_rows(cells) -> None:
    # No above_scale row of 2026 at all: 2025's rows (enterprises 1 and 2) stand in for 2026;
    # enterprise 3 was above scale in 2024 only.
    assert figure(cells, 2025, "province", "32", "above_scale", "enterprises") == [2, 2]
    assert figure(cells, 2026, "province", "32", "above_scale", "enterprises") == [2, 2]


def test_category_year_uses_the_year_itself_when_it_has_rows_and_never_a_later_one() -> None:
    categories = frame(
        "categories",
        [(1, "above_scale", 2024), (1, "above_scale", 2025), (2, "above_scale", 2027)],
    )
    assert category_year(categories, "above_scale", 2025) == 2025
    assert category_year(categories, "above_scale", 2026) == 2025
    assert category_year(categories, "above_scale", 2027) == 2027
    assert category_year(categories, "above_scale", 2023) is None


def test_a_recognition_category_holds_from_its_year_on(cells) -> None:
    assert figure(cells, 2025, "province", "32", "innovative_sme", "enterprises") == [1, 1]
    assert figure(cells, 2026, "province", "32", "specialised_sme", "sme_ge_L2") == [1, 1]
    # Not yet recognised in 2025: the population is absent from the 2025 cell.
    assert "specialised_sme" not in cells[(2025, "province", "32", "all", "")]


# --- regions and groups -------------------------------------------------------------------------


def test_every_enterprise_counts_in_its_province_city_county_and_zone(cells) -> None:
    expected = {
        ("province", "32"): 4,
        ("city", "3201"): 2,
        ("city", "3205"): 2,
        ("county", "320102"): 1,
        ("county", "320104"): 1,
        ("county", "320583"): 2,
        ("zone", "320171"): 1,
    }
    found = {
        (level, code): figures["all"]["enterprises"][0]
        for (year, level, code, kind, _code), figures in cells.items()
        if year == 2025 and kind == "all"
    }
    assert found == expected


def test_group_membership_follows_in_chain_q_and_in_cluster_q() -> None:
    groups = group_memberships(make_facts())
    members = {
        (kind, code): sorted(rows.get_column("enterprise_id").to_list())
        for (kind, code), rows in groups.group_by(["group_kind", "group_code"])
    }
    assert members == {
        ("all", ""): [1, 2, 3, 4],
        ("chain", "ch-a"): [1, 2, 3],  # 1 and 3 by industry 3911, 2 by an explicit link
        ("chain", "ch-b"): [4],  # explicit link only
        ("cluster", "cl-1"): [1, 2, 3],  # through its chain's industries and links
        ("cluster", "cl-2"): [2],  # its own industry 3912
    }


def test_chain_cells_count_only_the_chains_enterprises(cells) -> None:
    assert figure(cells, 2025, "city", "3201", "all", "enterprises", ("chain", "ch-a")) == [2, 2]
    assert figure(cells, 2025, "county", "320583", "all", "enterprises", ("chain", "ch-a")) == [
        1,
        1,
    ]
    assert figure(cells, 2026, "province", "32", "all", "sf_ge_ADVANCED", ("chain", "ch-b")) == [
        1,
        1,
    ]


def test_cells_without_enterprises_are_skipped(cells) -> None:
    assert (2025, "city", "3205", "cluster", "cl-2") not in cells
    assert (2025, "zone", "320171", "chain", "ch-b") not in cells
    assert all(figures for figures in cells.values())


def test_region_memberships_leave_out_a_missing_zone() -> None:
    regions = region_memberships(make_facts())
    assert regions.filter(pl.col("enterprise_id") == 2).height == 3
    assert regions.filter(pl.col("enterprise_id") == 1).height == 4


def test_every_cell_has_the_figures_of_every_metric_for_each_present_population(cells) -> None:
    metrics = set(coverage_definition().metric_codes)
    for figures in cells.values():
        for by_metric in figures.values():
            assert set(by_metric) == metrics
            assert all(0 <= n <= d for n, d in by_metric.values())


def test_progress_is_reported_after_each_year() -> None:
    calls: list[tuple[int, int]] = []
    coverage_compute(
        make_facts(),
        coverage_definition(),
        years=[2025, 2026, 2027],
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_no_facts_give_no_cells() -> None:
    empty = make_facts(enterprises=[], categories=[], results=[], chain_links=[])
    computed = coverage_compute(empty, coverage_definition(), years=[2025])
    assert computed.height == 0


@pytest.mark.parametrize(
    ("result_years", "current", "expected"),
    [
        ([2025, 2026], 2026, [2025, 2026]),
        ([2023, 2025], 2026, [2023, 2024, 2025, 2026]),
        ([2025, 2027], 2026, [2025, 2026, 2027]),
        ([], 2026, [2025, 2026]),
    ],
)
def test_years_run_from_the_first_result_or_plan_year_to_now(
    result_years: list[int], current: int, expected: list[int]
) -> None:
    assert years_covered(result_years, current_year=current, start_year=2025) == expected
