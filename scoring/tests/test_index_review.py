"""Second reading of the index engine (#5): each test pins a defect found in review and fails
on the code before its fix. Data: the COINr ASEM reference (data/coinr_asem)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml

from scoring.index import (
    IndexConfigError,
    IndexKernel,
    IndexMetaError,
    UncertainInput,
    normalise_values,
    read_meta,
    rebase,
    run_panel,
    run_pipeline,
    uncertainty_analysis,
    validate_config,
)
from scoring.index.run import IndexInputError, config_problems, run_from_files
from scoring.tests import index_asem as asem

META = asem.DATA / "ASEM_iMeta.csv"
IDATA = asem.DATA / "ASEM_iData.csv"


def _config(tmp_path: Path, content: dict[str, Any]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


# --- sensitivity with units that have no score -------------------------------------------------


def test_sobol_indices_survive_units_without_a_score():
    """Without imputation and with dat_thresh 0.95, 20 of 51 units have no Index. They have no
    rank, and must not turn every run's mean rank shift (and so every Sobol index) into NaN."""
    cfg = {
        **asem.CONFIG,
        "impute": None,
        "screen": None,
        "aggregate": {"method": "arithmetic", "dat_thresh": 0.95},
    }
    inputs = [
        UncertainInput("Weights", weight_noise=0.25),
        UncertainInput("Aggregation", ({}, {"aggregate": {"method": "geometric"}})),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # units never scored: NaN, no warning
        result = uncertainty_analysis(
            asem.raw(), asem.tree(), cfg, inputs, n=20, seed=1, sensitivity=True
        )
    assert np.isnan(result.nominal_ranks).sum() == 20
    assert result.rank_stats["median"].is_nan().sum() == 20
    assert not result.sobol["Si"].is_nan().any()
    assert not result.sobol["STi"].is_nan().any()
    sti = dict(zip(result.sobol["input"], result.sobol["STi"], strict=True))
    assert sti["Aggregation"] > sti["Weights"] > 0


# --- distance to target and goalposts ----------------------------------------------------------


def test_dist2targ_when_every_unit_already_meets_the_target():
    """A target at or below the worst unit: every unit meets it, so (capped) every score is the
    top of the scale. Before the fix the formula divided by (t - min) <= 0: the better the unit,
    the lower (negative) its score, and the worst unit got NaN."""
    x = np.array([[5.0], [6.0], [8.0]])
    below = normalise_values(x, ["a"], {"a": 1}, "dist2targ", targets={"a": 4.0})
    assert below[:, 0].tolist() == [100.0, 100.0, 100.0]
    at = normalise_values(x, ["a"], {"a": 1}, "dist2targ", targets={"a": 5.0})
    assert at[:, 0].tolist() == [100.0, 100.0, 100.0]
    lower_is_better = normalise_values(x, ["a"], {"a": -1}, "dist2targ", targets={"a": 9.0})
    assert lower_is_better[:, 0].tolist() == [100.0, 100.0, 100.0]
    with pytest.raises(ValueError, match=r"a: the target 4\.0 is not better than"):
        normalise_values(x, ["a"], {"a": 1}, "dist2targ", targets={"a": 4.0}, cap=False)
    # an ordinary target is unchanged: (x - min) / (t - min), capped
    usual = normalise_values(x, ["a"], {"a": 1}, "dist2targ", targets={"a": 7.0})
    assert usual[:, 0].tolist() == [0.0, 50.0, 100.0]


def test_equal_goalposts_are_refused():
    """worst == best gave 0 / 100 by the sign of x - post and NaN at the post."""
    x = np.array([[2.0], [3.0], [4.0]])
    with pytest.raises(ValueError, match="a: the goalposts are equal"):
        normalise_values(x, ["a"], {"a": 1}, "goalposts", posts={"a": (3.0, 3.0)})


def _heavy_2019(panel: pl.DataFrame) -> pl.DataFrame:
    """LPI in 2019 only: 8 units multiplied by 10^1..10^8, so treatment falls back to the log."""
    row = pl.int_range(pl.len()) % 51
    heavy = (pl.col("Time") == 2019) & (row < 8)
    return panel.with_columns(
        pl.when(heavy).then(pl.col("LPI") * 10.0 ** (row + 1)).otherwise(pl.col("LPI")).alias("LPI")
    )


def test_goalposts_refuse_log_transformed_indicators_in_a_panel():
    """Pinned goalposts are in the base year's natural units; a year whose treatment falls back
    to log_ct put LPI on a log scale, and every unit scored 100 (silently)."""
    panel = _heavy_2019(asem.csv(asem.DATA / "ASEM_iData_p.csv"))
    cfg = {**asem.CONFIG, "normalise": {"method": "goalposts"}}
    with pytest.raises(ValueError, match="LPI: outlier treatment log-transformed it"):
        run_panel(panel, asem.tree(), cfg, base_year=2018)
    # without treatment the same panel runs, and 2019's LPI keeps its natural units
    by_year = run_panel(panel, asem.tree(), {**cfg, "treat": None}, base_year=2018)
    assert by_year[2019]["Normalised"]["LPI"].max() == 100.0
    assert by_year[2019]["Normalised"]["LPI"].min() < 100.0


def test_targets_refuse_log_transformed_indicators_in_pipeline_and_kernel():
    data = asem.raw().with_columns(
        pl.when(pl.int_range(pl.len()) < 8)
        .then(pl.col("LPI") * 10.0 ** (pl.int_range(pl.len()) + 1))
        .otherwise(pl.col("LPI"))
        .alias("LPI")
    )
    targets = dict.fromkeys(asem.tree().indicator_codes, 1000000000.0)
    cfg = {**asem.CONFIG, "normalise": {"method": "dist2targ", "targets": targets}}
    with pytest.raises(ValueError, match="LPI: outlier treatment log-transformed it"):
        run_pipeline(data, asem.tree(), cfg)
    with pytest.raises(ValueError, match="LPI: outlier treatment log-transformed it"):
        IndexKernel(data, asem.tree(), cfg).nominal()
    # min-max has no natural-unit parameters: the log fallback stays allowed
    stages = run_pipeline(data, asem.tree(), asem.CONFIG)
    assert stages["TreatSummary"].filter(pl.col("code") == "LPI")["log"].item()


# --- base year = 100 ---------------------------------------------------------------------------


def test_rebase_refuses_a_negative_base():
    """I = 100 x / b is a ratio scale: with b < 0 (e.g. z-scores) a unit that improves from -0.5
    to -0.25 read as 50, a fall. Such units get null, as a zero base does."""
    frame = pl.DataFrame(
        {
            "uCode": ["a", "a", "b", "b"],
            "Time": [2020, 2021, 2020, 2021],
            "Index": [-0.5, -0.25, 2.0, 3.0],
        }
    )
    out = rebase(frame, columns=["Index"], base_year=2020).sort("uCode", "Time")
    assert out["Index"].to_list() == [None, None, 100.0, 150.0]
    by_mean = rebase(
        frame.filter(pl.col("uCode") == "a"), columns=["Index"], base_year=2020, reference="mean"
    )
    assert by_mean["Index"].to_list() == [None, None]


# --- configuration and metadata validation -----------------------------------------------------


def test_null_settings_that_need_a_number_are_problems_not_type_errors():
    problems = "\n".join(
        validate_config(
            {
                "screen": {"threshold": None},
                "treat": {"winmax": None},
                "normalise": {"method": "minmax", "lower": None},
                "aggregate": {"method": "arithmetic", "dat_thresh": None},  # null = no threshold
            }
        )
    )
    assert "screen.threshold: expected a number, got None" in problems
    assert "treat.winmax: expected a number, got None" in problems
    assert "normalise.lower: expected a number, got None" in problems
    assert "dat_thresh" not in problems
    with pytest.raises(IndexConfigError, match=r"screen\.threshold"):
        run_pipeline(asem.raw(), asem.tree(), {"screen": {"threshold": None}})


def test_settings_of_the_wrong_shape_are_problems():
    problems = "\n".join(
        validate_config(
            {
                "impute": {"method": "mean", "by": ["a", "b"]},
                "normalise": {"method": "dist2targ", "targets": 5},
                "rank_decimals": -1,
            }
        )
    )
    assert "impute.by: expected a column name or null" in problems
    assert "normalise.targets: expected a mapping of indicator code to number" in problems
    assert "rank_decimals: expected a whole number >= 0 or null" in problems
    posts = validate_config({"normalise": {"method": "goalposts", "posts": {"LPI": 3}}})
    assert posts == ["normalise.posts: expected a mapping of indicator code to [worst, best]"]


def test_metadata_without_indicators_is_refused():
    table = pl.DataFrame(
        {
            "Level": [None, None],
            "iCode": ["region", "pop"],
            "Direction": [None, None],
            "Weight": [None, None],
            "Parent": [None, None],
            "Type": ["Group", "Denominator"],
        },
        schema_overrides={
            "Level": pl.Int64,
            "Direction": pl.Int64,
            "Weight": pl.Float64,
            "Parent": pl.String,
        },
    )
    with pytest.raises(IndexMetaError, match="no indicators"):
        read_meta(table)


def test_uncertainty_settings_are_validated():
    cfg = {
        "uncertainty": {
            "n": 4,
            "seed": "abc",
            "sensitivity": "maybe",
            "node": 3,
            "inputs": [
                {"name": "W", "weight_noise": 1.5, "levels": "2"},
                {"name": "W", "weight_noise": 0.1},
            ],
        },
        "panel": None,
    }
    problems = "\n".join(config_problems(cfg))
    for needle in (
        "uncertainty.seed: expected a whole number >= 0",
        "uncertainty.sensitivity: expected true or false",
        "uncertainty.node: expected an aggregate code",
        "uncertainty.inputs[1].weight_noise: expected a number in [0, 1)",
        "uncertainty.inputs[1].levels: expected a list of whole numbers",
        "uncertainty.inputs: duplicate name 'W'",
    ):
        assert needle in problems
    panel = "\n".join(config_problems({"panel": {"base_year": 2018, "margin": "lots", "year": 1}}))
    assert "panel.margin: expected a number >= 0" in panel
    assert "panel.year: expected a column name" in panel


# --- run_from_files: nothing partial, no stray exceptions --------------------------------------


def _files(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def test_a_failing_uncertainty_analysis_writes_no_stage_files(tmp_path):
    cfg = {
        **asem.CONFIG,
        "uncertainty": {"n": 4, "node": "Nope", "inputs": [{"name": "W", "weight_noise": 0.1}]},
    }
    out = tmp_path / "out"
    with pytest.raises(IndexInputError, match="unknown node 'Nope'"):
        run_from_files(META, IDATA, _config(tmp_path, cfg), out)
    assert _files(out) == []


def test_an_output_path_that_is_a_file(tmp_path):
    out = tmp_path / "taken"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(IndexInputError, match="cannot create the output folder") as info:
        run_from_files(META, IDATA, _config(tmp_path, asem.CONFIG), out)
    assert info.value.source == "out"


def test_data_problems_found_before_computing(tmp_path):
    raw = asem.raw()
    population = pl.col("Population").cast(pl.String).str.replace(r"^1", "n/a")
    bad = raw.with_columns(
        population.alias("Population"),
        pl.when(pl.int_range(pl.len()) == 0)
        .then(float("inf"))
        .otherwise(pl.col("LPI"))
        .alias("LPI"),
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("uCode")).alias("uCode"),
    ).drop("GDP")
    path = tmp_path / "data.csv"
    bad.write_csv(path)
    with pytest.raises(IndexInputError) as info:
        run_from_files(META, path, _config(tmp_path, asem.CONFIG), tmp_path / "out")
    assert info.value.source == "data"
    problems = "\n".join(info.value.problems)
    assert "column Population is not numeric" in problems
    assert "missing column GDP" in problems
    assert problems.count("GDP") == 1
    assert "column LPI has infinite values" in problems
    assert "missing unit code in column uCode (1 row)" in problems
    assert not (tmp_path / "out").exists()


def test_empty_data_and_missing_year_column(tmp_path):
    path = tmp_path / "empty.csv"
    asem.raw().head(0).write_csv(path)
    with pytest.raises(IndexInputError, match="the table has no rows") as info:
        run_from_files(META, path, _config(tmp_path, asem.CONFIG), tmp_path / "out")
    assert info.value.source == "data"
    panel = {**asem.CONFIG, "treat": None, "panel": {"year": "Year", "base_year": 2018}}
    with pytest.raises(IndexInputError, match="missing column Year") as info:
        run_from_files(META, IDATA, _config(tmp_path, panel), tmp_path / "out")
    assert info.value.source == "data"


def test_units_without_a_score_do_not_break_the_summary(tmp_path):
    """One unit: every min-max score is NaN, so no unit has an Index. The summary lists only
    scored units (before: float(None) raised TypeError after the files were written)."""
    path = tmp_path / "one.csv"
    asem.raw().head(1).write_csv(path)
    summary = run_from_files(META, path, _config(tmp_path, asem.CONFIG), tmp_path / "out")
    assert summary.top == []
    results = pl.read_csv(tmp_path / "out" / "results.csv")
    assert results["rank"].to_list() == [None]


def test_screening_that_leaves_no_unit_says_so():
    """Before: numpy's 'zero-size array to reduction operation fmin which has no identity'."""
    data = asem.raw().with_columns(pl.lit(None, dtype=pl.Float64).alias("LPI"))
    cfg = {**asem.CONFIG, "impute": None, "screen": {"threshold": 1.0}}
    with pytest.raises(ValueError, match="screening left no unit"):
        run_pipeline(data, asem.tree(), cfg)
    with pytest.raises(ValueError, match="screening left no unit"):
        IndexKernel(data, asem.tree(), cfg)


def test_a_reversed_scale_and_a_non_numeric_weight_are_named():
    """normalise lower > upper silently reversed every score (the best unit got the bottom);
    a Weight of "1,5" (decimal comma) was reported as a missing Weight."""
    problems = validate_config({"normalise": {"method": "minmax", "lower": 100, "upper": 0}})
    assert problems == ["normalise: lower (100) must be below upper (0)"]
    table = pl.DataFrame(
        {
            "Level": [1, 2],
            "iCode": ["a", "P"],
            "Direction": [1, None],
            "Weight": ["1,5", "1"],
            "Parent": ["P", None],
            "Type": ["Indicator", "Aggregate"],
        }
    )
    with pytest.raises(IndexMetaError, match=r"row 1 \(a\): Weight '1,5' is not a number"):
        read_meta(table)
