"""Unit tests of the index engine's stages on tiny hand-made inputs."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from scoring.index import (
    IndexMetaError,
    aggregate,
    data_availability,
    denominate,
    impute,
    kurtosis,
    log_ct,
    normalise,
    ranks,
    read_meta,
    run_pipeline,
    screen,
    skewness,
    sobol_indices,
    treat,
    treat_vector,
    weighted_mean,
    winsorise_once,
)


def _meta(rows):
    columns = ["Level", "iCode", "Direction", "Weight", "Parent", "Type", "Denominator", "Target"]
    return pl.DataFrame(
        [dict(zip(columns, r, strict=True)) for r in rows], infer_schema_length=None
    )


def _tree():
    return read_meta(
        _meta(
            [
                (1, "a", 1, 1.0, "P", "Indicator", "pop", 10.0),
                (1, "b", -1, 3.0, "P", "Indicator", None, 0.0),
                (1, "c", 1, 1.0, "Q", "Indicator", None, None),
                (2, "P", None, 1.0, "Top", "Aggregate", None, None),
                (2, "Q", None, 1.0, "Top", "Aggregate", None, None),
                (3, "Top", None, 1.0, None, "Aggregate", None, None),
                (None, "pop", None, None, None, "Denominator", None, None),
                (None, "region", None, None, None, "Group", None, None),
            ]
        )
    )


def _vec(*values):
    return np.array(values, dtype=np.float64)


def test_index_package_imports_no_django():
    code = "import sys, scoring.index, scoring.maturity; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- metadata -------------------------------------------------------------------------------


def test_meta_builds_the_tree():
    tree = _tree()
    assert tree.indicator_codes == ("a", "b", "c")
    assert tree.aggregate_codes == ("P", "Q", "Top")
    assert tree.children("P") == ("a", "b")
    assert tree.children("Top") == ("P", "Q")
    assert tree.max_level == 3
    assert tree.directions() == {"a": 1, "b": -1, "c": 1}
    assert tree.groups == ("region",)
    assert tree.denominators == ("pop",)
    assert tree.targets() == {"a": 10.0, "b": 0.0}


def test_meta_lists_every_problem_at_once():
    table = _meta(
        [
            (1, "a", 0, 1.0, "P", "Indicator", None, None),  # direction 0
            (1, "b", 1, None, "P", "Indicator", None, None),  # missing weight
            (1, "c", 1, 1.0, "Nowhere", "Indicator", "gdp", None),  # parent, denominator
            (2, "P", None, 1.0, "R", "Aggregate", None, None),
            (3, "R", None, 1.0, "P", "Aggregate", None, None),  # cycle (and a lower parent)
            (1, "a", 1, 1.0, "P", "Thing", None, None),  # duplicate, unknown type
        ]
    )
    with pytest.raises(IndexMetaError) as info:
        read_meta(table)
    text = "\n".join(info.value.problems)
    for needle in ["Direction", "missing Weight", "unknown Parent Nowhere", "unknown Denominator"]:
        assert needle in text
    assert "cycle" in text
    assert "duplicate" in text
    assert "unknown Type" in text


def test_meta_requires_its_columns():
    with pytest.raises(IndexMetaError, match="missing column Weight"):
        read_meta(pl.DataFrame({"Level": [1], "iCode": ["a"]}))


# --- moments and treatment -------------------------------------------------------------------


def test_skew_and_kurtosis_type_2_on_a_known_vector():
    # x = 0,0,0,0,1: m2 = 0.16, m3 = 0.096, m4 = 0.0832 -> g1 = 1.5, g2 = 0.25
    x = _vec(0, 0, 0, 0, 1)
    assert skewness(x) == pytest.approx(math.sqrt(5))
    assert kurtosis(x) == pytest.approx(5.0)


def test_moments_skip_nan_and_need_enough_values():
    assert skewness(_vec(0, 0, 0, 0, 1, np.nan)) == pytest.approx(math.sqrt(5))
    assert math.isnan(skewness(_vec(1, 2)))
    assert math.isnan(kurtosis(_vec(1, 2, 3)))
    assert math.isnan(skewness(_vec(2, 2, 2, 2)))
    assert skewness(_vec(1, 2, 3, 4)) == pytest.approx(0.0)


def test_winsorising_replaces_tied_extremes_together():
    out, n = winsorise_once(_vec(1, 2, 9, 9), high=True)
    assert n == 2
    assert out.tolist() == [1, 2, 2, 2]
    out, n = winsorise_once(_vec(-5, 1, 2, np.nan), high=False)
    assert n == 1
    assert out[:3].tolist() == [1, 1, 2]
    assert math.isnan(out[3])


def test_treatment_counts_tied_points():
    x = np.concatenate([np.arange(1.0, 21.0), [100.0, 100.0]])
    out, low, high, log = treat_vector(x)
    assert (low, high, log) == (0, 2, False)
    assert out.max() == 20.0


def test_treatment_winsorises_one_point_then_passes():
    out, low, high, log = treat_vector(_vec(0, 0, 0, 0, 1))
    assert (low, high, log) == (0, 1, False)
    assert out.tolist() == [0, 0, 0, 0, 0]


def test_treatment_falls_back_to_log_of_the_original_values():
    x = _vec(0, 0, 0, 0, 1)
    out, low, high, log = treat_vector(x, winmax=0)
    assert (low, high, log) == (0, 0, True)
    np.testing.assert_allclose(out, np.log(x + 0.01))
    np.testing.assert_allclose(log_ct(_vec(2, 4, np.nan))[:2], np.log([0.02, 2.02]))


def test_treat_frame_and_summary():
    frame = pl.DataFrame({"u": list("abcde"), "x": [0.0, 0, 0, 0, 1], "y": [1.0, 2, 3, 4, 5]})
    treated, summary = treat(frame, ["x", "y"])
    assert treated["x"].to_list() == [0.0] * 5
    assert treated["y"].to_list() == frame["y"].to_list()
    assert summary.to_dicts() == [
        {"code": "x", "low": 0, "high": 1, "log": False},
        {"code": "y", "low": 0, "high": 0, "log": False},
    ]


# --- denominate, impute, screen -------------------------------------------------------------


def test_denominate_divides_by_the_metadata_denominator():
    tree = _tree()
    frame = pl.DataFrame({"a": [10.0, 5.0], "b": [1.0, 2.0], "c": [3.0, 4.0], "pop": [2.0, 0.0]})
    out = denominate(frame, tree)
    assert out["a"].to_list() == [5.0, None]
    assert out["b"].to_list() == [1.0, 2.0]
    with pytest.raises(ValueError, match="pop"):
        denominate(frame.drop("pop"), tree)


def test_impute_overall_and_by_group():
    frame = pl.DataFrame(
        {"g": ["x", "x", "x", "y", "y"], "v": [1.0, 2.0, None, 10.0, None], "w": [None] * 5},
        schema_overrides={"w": pl.Float64},
    )
    assert impute(frame, ["v"], "mean")["v"].to_list() == [1, 2, 13 / 3, 10, 13 / 3]
    assert impute(frame, ["v"], "median")["v"].to_list() == [1, 2, 2, 10, 2]
    assert impute(frame, ["v"], "mean", by="g")["v"].to_list() == [1, 2, 1.5, 10, 10]
    assert impute(frame, ["w"], "mean", by="g")["w"].null_count() == 5
    assert impute(frame, ["v"], "none")["v"].null_count() == 2
    with pytest.raises(ValueError, match="unknown imputation"):
        impute(frame, ["v"], "mode")


def test_screen_drops_units_below_the_threshold():
    frame = pl.DataFrame({"u": ["a", "b"], "x": [1.0, None], "y": [1.0, 2.0]})
    assert data_availability(frame, ["x", "y"]).to_list() == [1.0, 0.5]
    assert screen(frame, ["x", "y"], 0.9)["u"].to_list() == ["a"]
    assert screen(frame, ["x", "y"], 0.5).height == 2


# --- normalise -------------------------------------------------------------------------------


def test_minmax_applies_the_direction_first():
    frame = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, None]})
    out = normalise(frame, {"a": 1, "b": -1})
    assert out["a"].to_list() == [0.0, 50.0, 100.0]
    assert out["b"].to_list() == [100.0, 0.0, None]
    assert normalise(frame, {"a": 1}, lower=1, upper=10)["a"].to_list() == [1.0, 5.5, 10.0]


def test_zscore_rank_target_and_goalposts():
    frame = pl.DataFrame({"a": [1.0, 2.0, 3.0, 3.0]})
    z = normalise(frame, {"a": 1}, "zscore")["a"].to_numpy()
    assert z.mean() == pytest.approx(0)
    assert z.std(ddof=1) == pytest.approx(1)
    assert normalise(frame, {"a": -1}, "rank")["a"].to_list() == [4.0, 3.0, 1.0, 1.0]
    target = normalise(frame, {"a": 1}, "dist2targ", targets={"a": 2.0})["a"]
    assert target.to_list() == [0.0, 100.0, 100.0, 100.0]
    posts = normalise(frame, {"a": -1}, "goalposts", posts={"a": (4.0, 2.0)})["a"]
    assert posts.to_list() == [100.0, 100.0, 50.0, 50.0]
    with pytest.raises(ValueError, match="no dist2targ parameter"):
        normalise(frame, {"a": 1}, "dist2targ", targets={})
    with pytest.raises(ValueError, match="direction must be 1 or -1"):
        normalise(frame, {"a": 2})


# --- aggregate and ranks ---------------------------------------------------------------------


def test_weights_are_renormalised_over_the_present_children():
    values = np.array([[10.0, 20.0], [10.0, np.nan], [np.nan, np.nan]])
    out = weighted_mean(values, _vec(1, 3))
    assert out[0] == pytest.approx(17.5)
    assert out[1] == 10.0
    assert math.isnan(out[2])


def test_geometric_and_harmonic_means_with_the_zeros_policy():
    values = np.array([[1.0, 4.0], [0.0, 4.0], [np.nan, 4.0]])
    geometric = weighted_mean(values, _vec(1, 1), "geometric")
    harmonic = weighted_mean(values, _vec(1, 1), "harmonic")
    np.testing.assert_allclose(geometric, [2.0, 0.0, 4.0])
    np.testing.assert_allclose(harmonic, [1.6, 0.0, 4.0])


def test_aggregate_level_by_level_with_a_data_threshold():
    tree = _tree()
    frame = pl.DataFrame({"a": [0.0, 100.0], "b": [100.0, None], "c": [50.0, 20.0]})
    out = aggregate(frame, tree)
    assert out["P"].to_list() == [75.0, 100.0]
    assert out["Top"].to_list() == [62.5, 60.0]
    thresholded = aggregate(frame, tree, dat_thresh=0.6)
    assert thresholded["P"].to_list() == [75.0, None]
    assert thresholded["Top"].to_list() == [62.5, None]  # 1 of 2 children < 0.6
    reweighted = aggregate(frame, tree, weights={"Q": 3.0})
    assert reweighted["Top"].to_list() == [pytest.approx(56.25), 40.0]
    with pytest.raises(ValueError, match="needs values >= 0"):
        aggregate(frame.with_columns(pl.lit(-1.0).alias("c")), tree, "geometric")


def test_ranks_descending_ties_min_nulls_kept():
    frame = pl.DataFrame({"s": [3.0, 5.0, 5.0, None, 1.004], "t": [1.0, 1.001, 2, 3, 4]})
    assert ranks(frame, ["s"])["s"].to_list() == [3, 1, 1, None, 4]
    assert ranks(frame, ["t"], decimals=2)["t"].to_list() == [4, 4, 3, 2, 1]


# --- pipeline and sensitivity ---------------------------------------------------------------


def test_pipeline_returns_every_stage():
    tree = _tree()
    data = pl.DataFrame(
        {
            "uCode": ["u1", "u2", "u3"],
            "region": ["x", "x", "y"],
            "pop": [1.0, 2.0, 4.0],
            "a": [1.0, 4.0, None],
            "b": [3.0, 2.0, 1.0],
            "c": [1.0, 2.0, 3.0],
        }
    )
    out = run_pipeline(data, tree, {"impute": {"method": "mean", "by": "region"}})
    assert set(out) >= {"Raw", "Denominated", "Imputed", "Treated", "Normalised", "Aggregated"}
    assert out["Imputed"]["a"].to_list() == [1.0, 2.0, None]
    assert out["Normalised"]["b"].to_list() == [0.0, 50.0, 100.0]
    assert out["Ranks"].columns == ["uCode", "a", "b", "c", "P", "Q", "Top"]
    with pytest.raises(ValueError, match="unknown pipeline stages: weigh"):
        run_pipeline(data, tree, {"weigh": {}})


def test_sobol_indices_on_a_additive_toy_model():
    rng = np.random.default_rng(0)
    n = 20000
    a, b = rng.random((n, 2)), rng.random((n, 2))
    f = lambda m: m[:, 0] + 2 * m[:, 1]  # noqa: E731  Var parts 1/12 and 4/12
    blocks = [f(np.column_stack([b[:, 0], a[:, 1]])), f(np.column_stack([a[:, 0], b[:, 1]]))]
    y = np.concatenate([f(a), f(b), *blocks])
    out = sobol_indices(y, n, ["x1", "x2"])
    np.testing.assert_allclose(out["Si"].to_numpy(), [0.2, 0.8], atol=0.05)
    np.testing.assert_allclose(out["STi"].to_numpy(), [0.2, 0.8], atol=0.05)
    with pytest.raises(ValueError, match="expected"):
        sobol_indices(y[:-1], n, ["x1", "x2"])
