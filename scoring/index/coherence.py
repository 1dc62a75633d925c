"""Statistical coherence of an index: correlations, flags, Cronbach's alpha, PCA per group.

The JRC "multivariate analysis" step: check, before weighting and aggregating, that the
indicators of a group measure one thing (positively correlated, not redundant, internally
consistent) and how many latent dimensions a group has. Methodology: index-methodology.md §1.2
step 4 (COINr ``get_corr``, ``get_corr_flags``, ``get_cronbach``, ``get_PCA``,
``get_denom_corr``).

Missing values are handled pairwise (each pair of columns uses the rows where both are
present), as R's ``use = "pairwise.complete.obs"``; PCA uses complete rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from scoring.index._frame import Vector, column, require_columns
from scoring.index.meta import IndexTree
from scoring.index.pca import Matrix, PCAResult, pca
from scoring.special import betainc

METHODS = ("pearson", "spearman")


def correlation(x: Vector, y: Vector, method: str = "pearson") -> tuple[float, int]:
    r"""Correlation of two columns over the rows where both are present, and that row count.

    Pearson :math:`r = \frac{\sum (x-\bar x)(y-\bar y)}{\sqrt{\sum (x-\bar x)^2 \sum
    (y-\bar y)^2}}`; Spearman is Pearson on the ranks (ties get their average rank).
    NaN when fewer than 3 rows or a constant column.
    """
    if method not in METHODS:
        raise ValueError(f"unknown correlation method {method!r}; use one of {METHODS}")
    both = ~(np.isnan(x) | np.isnan(y))
    a, b = x[both], y[both]
    if method == "spearman":
        a, b = _average_ranks(a), _average_ranks(b)
    if a.size < 3 or a.std() == 0 or b.std() == 0:
        return math.nan, int(a.size)
    return float(np.corrcoef(a, b)[0, 1]), int(a.size)


def correlation_pvalue(r: float, n: int) -> float:
    r"""Two-sided p-value of :math:`H_0: \rho = 0` from the t statistic.

    :math:`t = r \sqrt{(n-2)/(1-r^2)}` with n - 2 degrees of freedom, so
    :math:`p = I_{\nu/(\nu+t^2)}(\nu/2, 1/2)` (R ``cor.test``; for Spearman this is its
    asymptotic t approximation).
    """
    if math.isnan(r) or n < 3:
        return math.nan
    if abs(r) >= 1:
        return 0.0
    df = n - 2
    t2 = r * r * df / (1 - r * r)
    return betainc(df / 2, 0.5, df / (df + t2))


def correlation_matrix(
    frame: pl.DataFrame,
    codes: Sequence[str],
    method: str = "pearson",
    *,
    p_max: float | None = None,
) -> pl.DataFrame:
    """Square correlation table: a ``code`` column, then one column per code.

    With ``p_max`` (COINr ``get_corr`` uses 0.05), correlations whose p-value is above it are
    blanked (null); the diagonal is always 1.
    """
    require_columns(frame, codes)
    values = [column(frame, c) for c in codes]
    table: dict[str, list[float | None]] = {}
    for j, code in enumerate(codes):
        table[code] = [
            _cell(values[i], values[j], method, p_max, i == j) for i in range(len(codes))
        ]
    return pl.DataFrame(
        {"code": list(codes), **table}, schema_overrides=dict.fromkeys(codes, pl.Float64)
    )


def correlation_flags(
    frame: pl.DataFrame,
    tree: IndexTree,
    *,
    high: float = 0.9,
    low: float = 0.0,
    method: str = "pearson",
) -> pl.DataFrame:
    """Pairs of siblings (children of one parent) with r > ``high`` or r < ``low``.

    A high correlation inside a group suggests redundancy (double counting); a negative one,
    an element that pulls against its group. Columns: ``parent``, ``a``, ``b``, ``r``,
    ``flag`` ("redundant" or "negative").
    """
    rows: list[tuple[str, str, str, float, str]] = []
    for parent in tree.aggregate_codes:
        kids = [k for k in tree.children(parent) if k in frame.columns]
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                r, _ = correlation(column(frame, a), column(frame, b), method)
                if r > high or r < low:
                    rows.append((parent, a, b, r, "redundant" if r > high else "negative"))
    schema = {
        "parent": pl.String,
        "a": pl.String,
        "b": pl.String,
        "r": pl.Float64,
        "flag": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def cronbach_alpha(values: Matrix) -> float:
    r"""Cronbach's alpha of the columns of ``values`` (units x items), pairwise covariances.

    .. math:: \alpha = \frac{k}{k-1}\Big(1 - \frac{\sum_j \sigma_j^2}{\sum_{j,l} \sigma_{jl}}\Big)
              = \frac{k^2\,\bar\sigma_{j \ne l}}{\sum_{j,l} \sigma_{jl}}

    (conventionally >= 0.7 for a consistent group). NaN for fewer than 2 items.
    """
    k = values.shape[1]
    if k < 2:
        return math.nan
    cov = np.array([[_covariance(values[:, i], values[:, j]) for j in range(k)] for i in range(k)])
    total = cov.sum()
    if not np.isfinite(total) or total == 0:
        return math.nan  # no variance at all (e.g. every unit at a goalpost): alpha is undefined
    off_diagonal = (total - np.trace(cov)) / (k * (k - 1))
    return float(k * k * off_diagonal / total)


def cronbach_by_group(frame: pl.DataFrame, tree: IndexTree, level: int = 2) -> pl.DataFrame:
    """Cronbach's alpha of the children of every aggregate at ``level``: ``parent``, ``k``,
    ``alpha``."""
    rows = []
    for agg in tree.aggregates_at(level):
        kids = [k for k in tree.children(agg.code) if k in frame.columns]
        values = np.column_stack([column(frame, k) for k in kids])
        rows.append((agg.code, len(kids), cronbach_alpha(values)))
    return pl.DataFrame(
        rows, schema={"parent": pl.String, "k": pl.Int64, "alpha": pl.Float64}, orient="row"
    )


def pca_by_group(frame: pl.DataFrame, tree: IndexTree, level: int = 2) -> dict[str, PCAResult]:
    """PCA (``scoring.index.pca.pca``) of the children of every aggregate at ``level``."""
    out = {}
    for agg in tree.aggregates_at(level):
        kids = list(tree.children(agg.code))
        require_columns(frame, kids)
        out[agg.code] = pca(np.column_stack([column(frame, k) for k in kids]), kids)
    return out


def pca_table(results: dict[str, PCAResult]) -> pl.DataFrame:
    """Long table of PCA results: ``parent``, ``code``, ``component`` (1-based),
    ``eigenvalue``, ``explained`` (share of variance) and ``loading``."""
    rows = []
    for parent, result in results.items():
        for k, eigenvalue in enumerate(result.eigenvalues):
            for j, code in enumerate(result.codes):
                loading = float(result.loadings[j, k])
                rows.append(
                    (parent, code, k + 1, float(eigenvalue), float(result.explained[k]), loading)
                )
    schema = ["parent", "code", "component", "eigenvalue", "explained", "loading"]
    return pl.DataFrame(rows, schema=schema, orient="row")


def denominator_correlations(
    frame: pl.DataFrame, tree: IndexTree, *, threshold: float = 0.7
) -> pl.DataFrame:
    """Indicators correlated with a denominator (|r| > ``threshold``): a size effect that
    denomination may be needed to remove. Columns ``indicator``, ``denominator``, ``r``."""
    rows = []
    for d in tree.denominators:
        if d in frame.columns:
            for i in tree.indicator_codes:
                r, _ = correlation(column(frame, i), column(frame, d))
                if abs(r) > threshold:
                    rows.append((i, d, r))
    schema = {"indicator": pl.String, "denominator": pl.String, "r": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _cell(x: Vector, y: Vector, method: str, p_max: float | None, diagonal: bool) -> float | None:
    if diagonal:
        return 1.0
    r, n = correlation(x, y, method)
    if math.isnan(r) or (p_max is not None and correlation_pvalue(r, n) > p_max):
        return None
    return r


def _covariance(x: Vector, y: Vector) -> float:
    both = ~(np.isnan(x) | np.isnan(y))
    if both.sum() < 2:
        return math.nan
    return float(np.cov(x[both], y[both], ddof=1)[0, 1])


def _average_ranks(x: Vector) -> Vector:
    ranks = pl.Series(x).rank("average").cast(pl.Float64)
    return ranks.to_numpy().astype(np.float64)
