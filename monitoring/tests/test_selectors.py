"""Selectors of coverage monitoring: the regions each role may read, the scoped cells (a city
official never reads another city's cells), and a cell's figures as rows with targets."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import World, make_region
from monitoring.models import CoverageSnapshot
from monitoring.selectors import (
    coverage_cells,
    coverage_metric_definitions,
    coverage_regions_for_user,
    coverage_rows,
    snapshot_current,
)
from monitoring.tests.factories import make_snapshot

FIGURES = {"all": {"enterprises": [1, 1]}}


@pytest.fixture
def zones(world: World) -> dict[str, str]:
    """A zone directly under each city and one under county X."""
    return {
        "p": make_region("320171", "南京经开区", "zone", world.p).code,
        "x": make_region("320172", "玄武园区", "zone", world.x).code,
        "q": make_region("320571", "苏州工业园区", "zone", world.q).code,
    }


@pytest.fixture
def snapshot(world: World, zones: dict[str, str]) -> CoverageSnapshot:
    units = [
        ("province", "32"),
        ("city", "3201"),
        ("city", "3205"),
        ("county", "320102"),
        ("county", "320104"),
        ("county", "320583"),
        ("zone", zones["p"]),
        ("zone", zones["x"]),
        ("zone", zones["q"]),
    ]
    cells = [
        {"year": 2025, "region_level": level, "region_code": code, "figures": FIGURES}
        for level, code in units
    ]
    cells += [
        {
            "year": 2025,
            "region_level": level,
            "region_code": code,
            "group_kind": "chain",
            "group_code": chain,
            "figures": FIGURES,
        }
        for level, code in units[:3]
        for chain in ("ch-a", "ch-b")
    ]
    return make_snapshot(cells=cells)


def _codes(user, snapshot, level, **kw) -> list[str]:
    cells = coverage_cells(user=user, snapshot=snapshot, year=2025, region_level=level, **kw)
    return [c.region_code for c in cells]


def test_the_current_snapshot_is_the_latest_done(world: World) -> None:
    assert snapshot_current() is None
    done = make_snapshot()
    make_snapshot(status="running")
    make_snapshot(status="failed")
    assert snapshot_current() == done


def test_the_current_snapshot_is_the_one_finished_last_not_the_one_created_last(
    world: World,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    queued_first_finished_last = make_snapshot(finished_at=now)
    make_snapshot(finished_at=now - timedelta(minutes=5))
    assert snapshot_current() == queued_first_finished_last


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "province",
            ["32", "320102", "320104", "320171", "320172", "320571", "320583", "3201", "3205"],
        ),
        ("city", ["320102", "320104", "320171", "320172", "3201"]),
        ("county", ["320102", "320172"]),
        ("enterprise", []),
        ("expert", []),
        ("provider", []),
        ("admin", []),
    ],
)  # fmt: skip
def test_regions_a_user_may_read(world: World, zones, role: str, expected: list[str]) -> None:
    assert sorted(coverage_regions_for_user(user=world.users[role])) == sorted(expected)


@pytest.mark.parametrize(
    ("role", "level", "expected"),
    [
        ("province", "city", ["3201", "3205"]),
        ("province", "zone", ["320171", "320172", "320571"]),
        ("city", "province", []),
        ("city", "city", ["3201"]),
        ("city", "county", ["320102", "320104"]),
        ("city", "zone", ["320171", "320172"]),
        ("county", "city", []),
        ("county", "county", ["320102"]),
        ("county", "zone", ["320172"]),
        ("enterprise", "county", []),
        ("expert", "city", []),
    ],
)
def test_cells_are_scoped_to_the_jurisdiction(
    world: World, snapshot, role: str, level: str, expected: list[str]
) -> None:
    assert _codes(world.users[role], snapshot, level) == expected


def test_a_city_official_never_gets_another_citys_cells(world: World, snapshot) -> None:
    city = world.users["city"]
    for level in ("province", "city", "county", "zone"):
        for kind, code in (("all", ""), ("chain", None)):
            codes = _codes(city, snapshot, level, group_kind=kind, group_code=code)
            assert not {"32", "3205", "320583", "320571"} & set(codes)
    assert _codes(city, snapshot, "county", parent="3205") == []


def test_parent_narrows_to_the_regions_below_it(world: World, snapshot, zones) -> None:
    province = world.users["province"]
    assert _codes(province, snapshot, "county", parent="3201") == ["320102", "320104"]
    assert _codes(province, snapshot, "zone", parent="3201") == ["320171", "320172"]
    assert _codes(province, snapshot, "city", parent="32") == ["3201", "3205"]


def test_group_cells_by_code_or_every_group_of_a_kind(world: World, snapshot) -> None:
    province = world.users["province"]
    one = coverage_cells(
        user=province,
        snapshot=snapshot,
        year=2025,
        region_level="city",
        group_kind="chain",
        group_code="ch-b",
    )
    assert [(c.region_code, c.group_code) for c in one] == [("3201", "ch-b"), ("3205", "ch-b")]
    every = coverage_cells(
        user=province,
        snapshot=snapshot,
        year=2025,
        region_level="province",
        group_kind="chain",
        group_code=None,
    )
    assert [c.group_code for c in every] == ["ch-a", "ch-b"]


def test_no_snapshot_gives_no_cells(world: World) -> None:
    assert _codes(world.users["province"], None, "province") == []


def test_cells_are_read_in_one_query_per_call(
    world: World, snapshot, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(2):
        _codes(world.users["city"], snapshot, "county")


def test_the_definitions_name_every_population_and_metric() -> None:
    definition = coverage_metric_definitions()
    assert definition.population_codes == (
        "all",
        "above_scale",
        "innovative_sme",
        "specialised_sme",
        "little_giant",
    )
    assert {"enterprises", "assessed", "sf_ge_BASIC", "sme_ge_L3", "recognised_advanced"} <= set(
        definition.metric_codes
    )
    for metric in definition.metrics:
        for target in metric.targets:
            assert target.task
            assert target.quote


# --- rows ---------------------------------------------------------------------------------------


def _rows(year: int, level: str, figures: dict, population: str) -> dict[str, dict]:
    cell = make_snapshot(
        cells=[{"year": year, "region_level": level, "region_code": "x", "figures": figures}]
    ).cells.get()
    return {row["metric"]: row for row in coverage_rows(cell, population)}


def test_a_share_target_row_with_the_expected_value_of_the_year(db) -> None:
    figures = {"above_scale": {"sf_ge_BASIC": [30, 100], "enterprises": [100, 100]}}
    row = _rows(2026, "city", figures, "above_scale")["sf_ge_BASIC"]
    assert row["share"] == pytest.approx(0.30)
    assert row["target"] == pytest.approx(0.50)
    assert row["target_kind"] == "share"
    assert row["target_year"] == 2027
    assert row["expected"] == pytest.approx(0.50 * 2 / 3)  # a straight line 2025 → 2027
    assert row["gap"] == pytest.approx(0.20)
    assert row["on_track"] is False
    assert row["verified"] is True
    assert row["task"] == 1
    assert "50%" in row["quote"]


def test_a_yearly_share_target_holds_every_year(db) -> None:
    figures = {"above_scale": {"assessed": [12, 100]}}
    row = _rows(2025, "county", figures, "above_scale")["assessed"]
    assert row["expected"] == pytest.approx(0.10)
    assert row["target_year"] == 2025
    assert row["gap"] == 0.0
    assert row["on_track"] is True


def test_a_count_target_is_read_for_the_province_only(db) -> None:
    figures = {"all": {"sf_new_ge_BASIC": [12000, 60000]}}
    province = _rows(2026, "province", figures, "all")["sf_new_ge_BASIC"]
    assert (province["target"], province["target_kind"], province["gap"]) == (10000, "count", 0.0)
    assert province["on_track"] is True
    city = _rows(2026, "city", figures, "all")["sf_new_ge_BASIC"]
    assert city["target"] is None
    assert city["on_track"] is None


def test_rows_without_a_target_or_population(db) -> None:
    rows = _rows(2026, "city", {"all": {"sf_ge_WORKSHOP": [5, 10]}}, "all")
    assert rows["sf_ge_WORKSHOP"]["share"] == pytest.approx(0.5)
    assert rows["sf_ge_WORKSHOP"]["target"] is None
    absent = _rows(2026, "city", {"all": {"enterprises": [5, 5]}}, "little_giant")
    assert absent["sme_ge_L3"]["denominator"] == 0
    assert absent["sme_ge_L3"]["share"] is None
    assert absent["sme_ge_L3"]["gap"] is None
    assert list(absent) == list(coverage_metric_definitions().metric_codes)


def test_row_names_follow_the_language(db) -> None:
    figures = {"all": {"enterprises": [1, 1]}}
    with translation.override("en"):
        assert _rows(2026, "city", figures, "all")["sf_ge_BASIC"]["name"].startswith("Basic")
    with translation.override("zh-hans"):
        assert _rows(2026, "city", figures, "all")["sf_ge_BASIC"]["name"].startswith("基础级")
