"""Golden tests: the index engine against COINr's stored ASEM results.

Data and tolerances: data/coinr_asem/README.md ("Golden tests").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scoring.index import (
    aggregate,
    denominate,
    impute,
    mean_rank_shift,
    normalise,
    ranks,
    read_meta_csv,
    run_pipeline,
    sobol_indices,
    treat,
)
from scoring.index.meta import IndexTree

DATA = Path(__file__).parent / "data" / "coinr_asem"
STAGES = DATA / "asem_v06_pipeline"
CONFIG = {
    "impute": {"method": "mean", "by": "EurAsia_group"},
    "screen": {"threshold": 0.9},
    "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5},
    "normalise": {"method": "minmax", "lower": 0.0, "upper": 100.0},
    "aggregate": {"method": "arithmetic"},
    "rank_decimals": 2,
}


def _csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema_length=None)


def _stage(name: str) -> pl.DataFrame:
    return _csv(STAGES / f"{name}.csv").sort("UnitCode")


@pytest.fixture(scope="module")
def tree():
    return read_meta_csv(str(DATA / "ASEM_iMeta.csv"))


@pytest.fixture(scope="module")
def result(tree):
    return run_pipeline(_csv(DATA / "ASEM_iData.csv"), tree, CONFIG)


def _max_abs_error(mine: pl.DataFrame, ref: pl.DataFrame, codes: Sequence[str]) -> float:
    """Max |mine - ref| over ``codes``; asserts identical units and NA patterns."""
    assert mine["UnitCode"].to_list() == ref["UnitCode"].to_list()
    worst = 0.0
    for code in codes:
        a = mine[code].cast(pl.Float64).to_numpy()
        b = ref[code].cast(pl.Float64).to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all(), code
        if (~np.isnan(a)).any():
            worst = max(worst, float(np.nanmax(np.abs(a - b))))
    return worst


def _denominated_from_raw(tree: IndexTree) -> pl.DataFrame:
    denominators = _csv(DATA / "ASEM_iData.csv").select(
        pl.col("uCode").alias("UnitCode"), *tree.denominators
    )
    return denominate(_stage("Raw").join(denominators, on="UnitCode"), tree)


def _step(name: str, tree: IndexTree) -> pl.DataFrame:
    codes = list(tree.indicator_codes)
    if name == "Denominated":
        return _denominated_from_raw(tree)
    if name == "Imputed":
        return impute(_stage("Denominated"), codes, "mean", by="Group_EurAsia")
    if name == "Treated":
        return treat(_stage("Imputed"), codes, winmax=5)[0]
    if name == "Normalised":
        return normalise(_stage("Treated"), tree.directions(), "minmax")
    return aggregate(_stage("Normalised"), tree, "arithmetic")


@pytest.mark.parametrize("name", ["Denominated", "Imputed", "Treated", "Normalised", "Aggregated"])
def test_each_stage_from_the_previous_stored_stage(name, tree):
    codes = [*tree.indicator_codes, *(tree.aggregate_codes if name == "Aggregated" else ())]
    assert _max_abs_error(_step(name, tree).sort("UnitCode"), _stage(name), codes) <= 1e-6


def test_treatment_counts_equal_the_stored_summary(tree):
    _, summary = treat(_stage("Imputed"), list(tree.indicator_codes), winmax=5)
    ref = _csv(STAGES / "TreatSummary.csv")
    mine = summary.join(ref, left_on="code", right_on="IndCode")
    assert mine.height == len(tree.indicator_codes)
    assert mine["low"].to_list() == mine["Low"].cast(pl.Int64).to_list()
    assert mine["high"].to_list() == mine["High"].cast(pl.Int64).to_list()
    assert not mine["log"].any()


def _as_stored(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({"uCode": "UnitCode"}).sort("UnitCode")


@pytest.mark.parametrize("name", ["Denominated", "Imputed", "Treated", "Normalised", "Aggregated"])
def test_end_to_end_every_stage(name, tree, result):
    codes = [*tree.indicator_codes, *(tree.aggregate_codes if name == "Aggregated" else ())]
    assert result["Screened"].height == 51
    assert _max_abs_error(_as_stored(result[name]), _stage(name), codes) <= 1e-6


def test_end_to_end_matches_the_published_table_at_two_decimals(tree, result):
    ref = _stage("AggregatesScore")
    mine = _as_stored(result["Aggregated"])
    for code in tree.aggregate_codes:
        assert mine[code].round(2).to_list() == ref[code].to_list(), code


def test_end_to_end_ranks(tree, result):
    ref = _stage("AggregatesRank")
    mine = _as_stored(result["Ranks"])
    for code in tree.aggregate_codes:
        assert mine[code].to_list() == ref[code].to_list(), code
    top = _as_stored(result["Aggregated"]).sort("Index", descending=True)["UnitCode"][:6]
    assert top.to_list() == ["CHE", "NLD", "DNK", "NOR", "BEL", "SWE"]


def test_ranks_of_the_stored_aggregates(tree):
    """COINr's results table ranks the 2-dp scores: RUS and JPN tie at 6.62 in ConEcFin."""
    codes = list(tree.aggregate_codes)
    mine = ranks(_stage("Aggregated"), codes, decimals=2)
    ref = _stage("AggregatesRank")
    for code in codes:
        assert mine[code].to_list() == ref[code].to_list(), code


def test_sobol_estimator_reproduces_the_stored_indices():
    runs = _csv(DATA / "asem_sensitivity" / "SA_Ranks_600runs.csv")
    matrix = runs.select(pl.col(r"^r_\d+$")).to_numpy().astype(np.float64)
    y = mean_rank_shift(matrix, runs["Nominal"].cast(pl.Float64).to_numpy())
    ref = _csv(DATA / "asem_sensitivity" / "SA_Sensitivity.csv")
    mine = sobol_indices(y, 100, ref["Variable"].to_list())
    np.testing.assert_allclose(mine["Si"].to_numpy(), ref["Si"].to_numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(mine["STi"].to_numpy(), ref["STi"].to_numpy(), atol=1e-6, rtol=0)
