"""Weights: equal, expert, PCA-based, entropy, renormalisation, effective weights, and the
pipeline's ``weights`` setting. Golden values: vignette_expected_values.csv rows W1-W3."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from scoring.index import (
    IndexConfigError,
    IndexWeightsError,
    effective_weights,
    entropy_weights,
    equal_weights,
    expert_weights,
    pca_weights,
    read_meta,
    renormalise,
    resolve_weights,
    run_pipeline,
)
from scoring.tests import index_asem as asem


def _small_tree():
    rows = [
        (1, "a", 1, 2.0, "P"),
        (1, "b", 1, 1.0, "P"),
        (1, "c", 1, 1.0, "Q"),
        (2, "P", None, 1.0, "Top"),
        (2, "Q", None, 3.0, "Top"),
        (3, "Top", None, 1.0, None),
    ]
    table = pl.DataFrame(
        [
            {
                "Level": lvl,
                "iCode": code,
                "Direction": d,
                "Weight": w,
                "Parent": parent,
                "Type": "Indicator" if lvl == 1 else "Aggregate",
            }
            for lvl, code, d, w, parent in rows
        ]
    )
    return read_meta(table)


# --- equal, expert, renormalise, effective ---------------------------------------------------


def test_equal_weights_are_all_one():
    assert set(equal_weights(_small_tree()).values()) == {1.0}


def test_renormalise_within_each_parent():
    shares = renormalise(_small_tree(), _small_tree().weights())
    assert shares == {"Top": 1.0, "a": 2 / 3, "b": 1 / 3, "c": 1.0, "P": 0.25, "Q": 0.75}


def test_effective_weights_multiply_down_the_tree():
    eff = effective_weights(_small_tree(), _small_tree().weights())
    assert eff["a"] == pytest.approx(2 / 3 * 0.25)
    assert eff["c"] == pytest.approx(0.75)
    assert sum(eff[c] for c in "abc") == pytest.approx(1.0)


def test_effective_weights_of_asem_match_the_vignette():
    goods, renew = asem.vignette("W3")
    eff = effective_weights(asem.tree(), asem.tree().weights())
    assert eff["Goods"] == pytest.approx(goods, abs=1e-8)
    assert eff["Renew"] == pytest.approx(renew, abs=1e-8)


def test_expert_weights_override_and_are_validated():
    tree = _small_tree()
    assert expert_weights(tree, {"Q": 1})["Q"] == 1.0
    with pytest.raises(IndexWeightsError) as info:
        expert_weights(tree, {"zz": 1, "a": -1, "b": "x"})
    text = " ".join(info.value.problems)
    assert "unknown code 'zz'" in text
    assert "a must be a number >= 0" in text
    assert "b must be a number >= 0" in text
    with pytest.raises(IndexWeightsError, match="every child of P has weight 0"):
        expert_weights(tree, {"a": 0, "b": 0})


# --- PCA -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "row"), [("Conn", "W1"), ("Sust", "W2")])
def test_pca_loadings_within_groups_match_coinr(group, row):
    """COINr get_PCA at level 2 on the Aggregated set, by level-3 group. COINr's Conn signs
    are all negative (the sign of an eigenvector is arbitrary); ours sum to >= 0."""
    from scoring.index import pca

    kids = asem.tree().children(group)
    assert list(kids) == asem.vignette_items(row)
    loadings = pca(asem.matrix(asem.stage("Aggregated"), kids), kids).loadings[:, 0]
    expected = np.array(asem.vignette(row))
    if group == "Conn":
        expected = np.abs(expected)
    np.testing.assert_allclose(loadings, expected, atol=5e-7)


def test_pca_weights_refuse_negative_loadings_unless_clipped():
    kids = asem.tree().children("Sust")
    values = asem.matrix(asem.stage("Aggregated"), kids)
    with pytest.raises(IndexWeightsError, match=r"negative PC1 loadings \(Social -0.744\)"):
        pca_weights(values, kids)
    clipped = pca_weights(values, kids, negative="clip")
    assert clipped["Social"] == 0.0
    assert clipped["Environ"] == pytest.approx(0.6513188, abs=1e-6)


def test_pca_weights_of_a_single_child_and_of_a_positive_group():
    assert pca_weights(np.ones((5, 1)), ["x"]) == {"x": 1.0}
    kids = asem.tree().children("Conn")
    weights = pca_weights(asem.matrix(asem.stage("Aggregated"), kids), kids)
    assert all(w > 0 for w in weights.values())


# --- entropy ---------------------------------------------------------------------------------


def test_entropy_weights_by_hand():
    # column x is uniform (entropy 1, no information), y is concentrated
    values = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 4.0]])
    w = entropy_weights(values, ["x", "y"])
    assert w == {"x": pytest.approx(0.0), "y": pytest.approx(1.0)}
    values = np.array([[1.0, 1.0], [2.0, 3.0], [3.0, np.nan]])
    p = np.array([1, 2, 3]) / 6
    e_x = -(p * np.log(p)).sum() / math.log(3)
    e_y = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    w = entropy_weights(values, ["x", "y"])
    assert w["x"] == pytest.approx((1 - e_x) / (2 - e_x - e_y))
    assert w["x"] + w["y"] == pytest.approx(1.0)


def test_entropy_weights_refuse_negative_values():
    with pytest.raises(IndexWeightsError, match="values >= 0"):
        entropy_weights(np.array([[-1.0], [2.0]]), ["x"])


# --- resolution and the pipeline ------------------------------------------------------------


def test_resolve_weights_specs():
    tree = _small_tree()

    def no_scores(_weights):
        raise AssertionError("not data-driven")

    assert resolve_weights(tree, None, no_scores) == tree.weights()
    assert resolve_weights(tree, "meta", no_scores) == tree.weights()
    assert resolve_weights(tree, "equal", no_scores)["Q"] == 1.0
    assert resolve_weights(tree, {"Q": 5}, no_scores)["Q"] == 5.0
    with pytest.raises(IndexWeightsError, match="unknown method 'ahp'"):
        resolve_weights(tree, {"method": "ahp"}, no_scores)


def test_pipeline_weight_methods_change_the_index():
    data, tree = asem.raw(), asem.tree()
    meta = run_pipeline(data, tree, asem.CONFIG)
    equal = run_pipeline(data, tree, {**asem.CONFIG, "weights": "equal"})
    assert meta["Aggregated"]["Index"].to_list() == equal["Aggregated"]["Index"].to_list()
    expert = run_pipeline(data, tree, {**asem.CONFIG, "weights": {"Sust": 3}})
    conn, sust = expert["Aggregated"]["Conn"], expert["Aggregated"]["Sust"]
    np.testing.assert_allclose(expert["Aggregated"]["Index"], (conn + 3 * sust) / 4)
    row = expert["Weights"].filter(pl.col("code") == "Sust").row(0, named=True)
    assert (row["weight"], row["share"], row["effective"]) == (3.0, 0.75, 0.75)


def test_pipeline_entropy_weights_sum_to_one_in_each_group():
    out = run_pipeline(asem.raw(), asem.tree(), {**asem.CONFIG, "weights": {"method": "entropy"}})
    weights = out["Weights"].filter(pl.col("parent").is_not_null())
    sums = weights.group_by("parent").agg(pl.col("weight").sum())["weight"].to_numpy()
    np.testing.assert_allclose(sums, 1.0)
    assert weights["weight"].n_unique() > 10


def test_pipeline_pca_weights_only_at_chosen_levels_and_refusal():
    cfg = {**asem.CONFIG, "weights": {"method": "pca", "levels": [3], "negative": "clip"}}
    out = run_pipeline(asem.raw(), asem.tree(), cfg)
    w = dict(zip(out["Weights"]["code"], out["Weights"]["weight"], strict=True))
    assert w["LPI"] == 1.0  # levels 1 and 2 keep the metadata weights
    assert w["Physical"] == 1.0
    assert w["Conn"] != w["Sust"]
    with pytest.raises(IndexWeightsError, match="negative PC1 loadings"):
        run_pipeline(asem.raw(), asem.tree(), {**asem.CONFIG, "weights": {"method": "pca"}})


def test_pipeline_rejects_bad_weight_settings():
    with pytest.raises(IndexConfigError) as info:
        run_pipeline(asem.raw(), asem.tree(), {"weights": {"method": "pca", "levles": [1]}})
    assert "unknown setting 'levles' for pca" in str(info.value)
    with pytest.raises(IndexConfigError, match="use one of"):
        run_pipeline(asem.raw(), asem.tree(), {"weights": "random"})
