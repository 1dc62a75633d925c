"""Several years: goalposts pinned at a base year, and base year = 100 series. Data: the
artificial ASEM panel (ASEM_iData_p.csv, 2018-2022; no stored results, so the checks are
properties and hand computations)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from scoring.index import goalposts_from, normalise, panel_stage, rebase, run_panel
from scoring.tests import index_asem as asem

PANEL_CONFIG = {**asem.CONFIG, "treat": None, "normalise": {"method": "goalposts"}}


@pytest.fixture(scope="module")
def panel():
    return asem.csv(asem.DATA / "ASEM_iData_p.csv")


@pytest.fixture(scope="module")
def by_year(panel):
    return run_panel(panel, asem.tree(), PANEL_CONFIG, base_year=2018)


def test_goalposts_follow_the_direction_and_the_margin():
    frame = pl.DataFrame({c: [1.0, 3.0] for c in asem.tree().indicator_codes})
    posts = goalposts_from(frame, asem.tree())
    assert posts["LPI"] == (1.0, 3.0)  # higher is better
    assert posts["Tariff"] == (3.0, 1.0)  # lower is better: worst is the maximum
    assert goalposts_from(frame, asem.tree(), margin=0.5)["LPI"] == (0.0, 4.0)
    with pytest.raises(ValueError, match="margin"):
        goalposts_from(frame, asem.tree(), margin=-1)


def test_the_base_year_with_pinned_goalposts_equals_min_max(by_year, panel):
    base = by_year[2018]
    minmax = normalise(base["Treated"], asem.tree().directions(), "minmax")
    for code in asem.tree().indicator_codes:
        np.testing.assert_allclose(base["Normalised"][code], minmax[code], atol=1e-9, err_msg=code)


def test_later_years_use_the_base_year_goalposts(by_year):
    posts = goalposts_from(by_year[2018]["Treated"], asem.tree())
    later = by_year[2022]
    worst, best = posts["Flights"]
    x = later["Treated"]["Flights"].to_numpy()
    expected = np.clip((x - worst) / (best - worst), 0, 1) * 100
    np.testing.assert_allclose(later["Normalised"]["Flights"], expected)
    # per-year min-max would put a unit at exactly 100 every year; pinned goalposts need not
    assert sorted(by_year) == [2018, 2019, 2020, 2021, 2022]


def test_panel_stage_stacks_the_years(by_year):
    stacked = panel_stage(by_year, "Aggregated")
    assert stacked.height == 255
    assert stacked["Time"].unique().sort().to_list() == [2018, 2019, 2020, 2021, 2022]


def test_run_panel_needs_the_base_year(panel):
    with pytest.raises(ValueError, match="no data for the base year 2000"):
        run_panel(panel, asem.tree(), PANEL_CONFIG, base_year=2000)


def _long():
    return pl.DataFrame(
        {
            "uCode": ["a", "b", "a", "b", "P", "P"],
            "Time": [2020, 2020, 2021, 2021, 2020, 2021],
            "Index": [40.0, 60.0, 50.0, 90.0, 50.0, 55.0],
        }
    )


def test_rebase_unit_wise():
    out = rebase(_long(), columns=["Index"], base_year=2020).sort("uCode", "Time")
    assert out["uCode"].to_list() == ["P", "P", "a", "a", "b", "b"]
    assert out["Index"].to_list() == pytest.approx([100.0, 110.0, 100.0, 125.0, 100.0, 150.0])


def test_rebase_on_the_base_year_mean_and_on_a_reference_unit():
    by_mean = rebase(_long(), columns=["Index"], base_year=2020, reference="mean")
    assert by_mean.filter(pl.col("Time") == 2020)["Index"].mean() == pytest.approx(100.0)
    assert (
        by_mean.filter((pl.col("uCode") == "b") & (pl.col("Time") == 2021))["Index"].item() == 180.0
    )
    by_province = rebase(_long(), columns=["Index"], base_year=2020, reference="P")
    assert by_province.filter(pl.col("uCode") == "a")["Index"].to_list() == [80.0, 100.0]
    with pytest.raises(ValueError, match="unknown reference unit 'Q'"):
        rebase(_long(), columns=["Index"], base_year=2020, reference="Q")


def test_rebase_without_a_base_value_gives_null():
    frame = _long().vstack(pl.DataFrame({"uCode": ["c"], "Time": [2021], "Index": [5.0]}))
    out = rebase(frame, columns=["Index"], base_year=2020)
    assert out.filter(pl.col("uCode") == "c")["Index"].to_list() == [None]
    with pytest.raises(ValueError, match="no rows for the base year 1999"):
        rebase(frame, columns=["Index"], base_year=1999)
