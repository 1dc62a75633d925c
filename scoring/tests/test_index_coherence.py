"""Statistical coherence: correlations with p-value blanking, flags, Cronbach's alpha, PCA.
Golden values: vignette_expected_values.csv rows C1-C9, P1, W4 (COINr analysis vignettes)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from scoring.index import (
    correlation,
    correlation_flags,
    correlation_matrix,
    correlation_pvalue,
    cronbach_alpha,
    cronbach_by_group,
    denominator_correlations,
    pca,
    pca_by_group,
    pca_table,
)
from scoring.tests import index_asem as asem


def _pair(frame, a, b):
    return frame.filter(pl.col("code") == a)[b].item()


# --- p-values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0.3, 1.0, 2.5, 12.0])
def test_pvalue_equals_the_closed_forms_of_the_t_distribution(t):
    # df = 1 (Cauchy): p = 1 - 2/pi atan|t|; df = 2: p = 1 - |t| / sqrt(2 + t^2)
    for n, expected in ((3, 1 - 2 / math.pi * math.atan(t)), (4, 1 - t / math.sqrt(2 + t * t))):
        df = n - 2
        r = t / math.sqrt(t * t + df)
        assert correlation_pvalue(r, n) == pytest.approx(expected, rel=1e-10)


def test_pvalue_of_a_tabulated_case_and_edges():
    # two-sided p of t = 2 with 10 degrees of freedom (R: 2 * pt(-2, 10))
    assert correlation_pvalue(2 / math.sqrt(14), 12) == pytest.approx(0.07338803, abs=1e-8)
    assert correlation_pvalue(0.0, 30) == pytest.approx(1.0)
    assert correlation_pvalue(1.0, 30) == 0.0
    assert math.isnan(correlation_pvalue(0.5, 2))


# --- correlations -----------------------------------------------------------------------------


def test_pearson_correlations_within_environ_with_blanking_match_coinr():
    env = asem.tree().children("Environ")
    table = correlation_matrix(asem.raw(), env, p_max=0.05)
    for row in ("C2", "C3", "C4"):
        a, b = asem.vignette_items(row)[0].split("~")
        assert _pair(table, a, b) == pytest.approx(asem.vignette(row)[0], abs=5e-8)
    assert _pair(table, "PrimEner", "Renew") is None
    unblanked = correlation_matrix(asem.raw(), env)
    r = _pair(unblanked, "PrimEner", "Renew")
    n = correlation(asem.raw()["PrimEner"].to_numpy(), asem.raw()["Renew"].to_numpy())[1]
    assert correlation_pvalue(r, n) > 0.05
    assert _pair(table, "CO2", "CO2") == 1.0


def test_spearman_is_pearson_on_average_ranks():
    x = np.array([1.0, 2.0, 2.0, 10.0, np.nan])
    y = np.array([3.0, 1.0, 5.0, 100.0, 7.0])
    r, n = correlation(x, y, "spearman")
    assert n == 4
    assert r == pytest.approx(np.corrcoef([1, 2.5, 2.5, 4], [2, 1, 3, 4])[0, 1])
    with pytest.raises(ValueError, match="unknown correlation method"):
        correlation(x, y, "kendall")


def test_correlation_flags_within_groups_match_coinr():
    flags = correlation_flags(asem.stage("Normalised"), asem.tree(), high=0.75, low=-0.5)
    found = {frozenset((a, b)): r for a, b, r in flags.select("a", "b", "r").iter_rows()}
    for row in ("C5", "C6", "C7", "C8"):
        a, b = asem.vignette_items(row)[0].split(" ")[0].split("~")
        assert found[frozenset((a, b))] == pytest.approx(asem.vignette(row)[0], abs=5e-4)
    assert set(flags["flag"]) == {"redundant", "negative"}
    assert correlation_flags(asem.stage("Normalised"), asem.tree(), high=0.99, low=-0.99).is_empty()


def test_denominator_correlation_matches_coinr():
    found = denominator_correlations(asem.raw(), asem.tree(), threshold=0.7)
    r = found.filter((pl.col("indicator") == "CultGood") & (pl.col("denominator") == "GDP"))
    assert r["r"].item() == pytest.approx(asem.vignette("C9")[0], abs=5e-3)


def test_index_correlates_with_its_sub_indices_as_in_coinr():
    agg = asem.stage("Aggregated")
    conn, sust = asem.vignette("W4")
    assert correlation(agg["Index"].to_numpy(), agg["Conn"].to_numpy())[0] == pytest.approx(
        conn, abs=5e-8
    )
    assert correlation(agg["Index"].to_numpy(), agg["Sust"].to_numpy())[0] == pytest.approx(
        sust, abs=5e-8
    )


# --- Cronbach's alpha ---------------------------------------------------------------------------


def test_cronbach_alpha_of_p2p_matches_coinr():
    kids = asem.tree().children("P2P")
    assert cronbach_alpha(asem.matrix(asem.raw(), kids)) == pytest.approx(
        asem.vignette("C1")[0], abs=5e-9
    )


def test_cronbach_alpha_by_hand_and_by_group():
    items = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])
    cov = np.cov(items.T)
    expected = 2 * (1 - np.trace(cov) / cov.sum())
    assert cronbach_alpha(items) == pytest.approx(expected)
    assert math.isnan(cronbach_alpha(items[:, :1]))
    table = cronbach_by_group(asem.stage("Normalised"), asem.tree(), level=2)
    assert table["parent"].to_list() == list(asem.tree().aggregate_codes[:8])
    assert table.filter(pl.col("parent") == "P2P")["k"].item() == 8


# --- PCA ----------------------------------------------------------------------------------------


def test_pca_of_social_matches_coinr():
    kids = asem.tree().children("Social")
    result = pca(asem.matrix(asem.raw(), kids), kids)
    sdev, share = asem.vignette("P1")
    assert result.n_rows == 37
    assert result.sdev[0] == pytest.approx(sdev, abs=5e-5)
    assert result.explained[0] == pytest.approx(share, abs=5e-5)
    assert result.explained.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(result.loadings.T @ result.loadings, np.eye(len(kids)), atol=1e-12)


def test_pca_by_group_and_table():
    results = pca_by_group(asem.stage("Aggregated"), asem.tree(), level=3)
    assert set(results) == {"Conn", "Sust"}
    table = pca_table(results)
    assert table.height == 5 * 5 + 3 * 3
    first = table.filter((pl.col("parent") == "Sust") & (pl.col("component") == 1))
    assert first["loading"].to_list() == pytest.approx(asem.vignette("W2"), abs=5e-7)


def test_pca_refuses_too_few_rows_and_constant_columns():
    with pytest.raises(ValueError, match="at least 3 complete rows"):
        pca(np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 1.0]]), ["a", "b"])
    with pytest.raises(ValueError, match="constant columns b"):
        pca(np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]]), ["a", "b"])


def test_cronbach_alpha_of_items_without_variance_is_nan_without_a_warning() -> None:
    import warnings

    import numpy as np

    from scoring.index.coherence import cronbach_alpha

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cronbach_alpha(np.full((6, 3), 1.0)))
