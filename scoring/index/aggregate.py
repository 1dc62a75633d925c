"""Aggregation level by level up the indicator tree, and ranks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from scoring.index._frame import Vector, column, require_columns, with_columns
from scoring.index.meta import IndexTree

METHODS = ("arithmetic", "geometric", "harmonic")
Matrix = np.ndarray[tuple[int, int], np.dtype[np.float64]]
Array = npt.NDArray[np.float64]


def weighted_mean(values: Matrix, weights: Vector, method: str = "arithmetic") -> Vector:
    r"""Row-wise weighted mean skipping NaNs, weights renormalised over the present values.

    With :math:`P_u` the children present for unit u and
    :math:`\tilde w_j = w_j / \sum_{k \in P_u} w_k`:

    - arithmetic :math:`\sum \tilde w_j x_j`
    - geometric :math:`\exp \sum \tilde w_j \ln x_j`
    - harmonic :math:`1 / \sum \tilde w_j / x_j`

    Zeros policy: in the geometric and harmonic means a zero child with a positive weight
    makes the mean 0 (their limit as the value tends to 0). Negative values are refused by
    ``aggregate``. A row with no present value (or zero total weight) gives NaN.
    Methodology: index-methodology.md §1.2 step 7 and §2.4 gotcha 4.
    """
    return level_means(values, weights[:, np.newaxis], method)[:, 0]


def level_means(values: Array, weights: Array, method: str = "arithmetic") -> Array:
    """``weighted_mean`` of many parents (and runs) at once, as matrix products.

    ``values`` is (..., units, children) and ``weights`` (..., children, parents), where
    column p of ``weights`` holds parent p's weights on its children (0 elsewhere); leading
    dimensions (e.g. Monte-Carlo runs) broadcast. Returns (..., units, parents).
    """
    present = ~np.isnan(values)
    total = present.astype(np.float64) @ weights
    positive = present & (values > 0)
    safe = np.where(positive, values, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            out = (np.where(present, values, 0.0) @ weights) / total
        else:
            zero = ((present & (values == 0)).astype(np.float64) @ weights) > 0
            if method == "geometric":
                out = np.exp((np.where(positive, np.log(safe), 0.0) @ weights) / total)
            else:
                out = total / (np.where(positive, 1.0 / safe, 0.0) @ weights)
            out = np.where(zero, 0.0, out)
    return np.asarray(np.where(total > 0, out, np.nan), dtype=np.float64)


def aggregate(
    frame: pl.DataFrame,
    tree: IndexTree,
    method: str = "arithmetic",
    dat_thresh: float | None = None,
    weights: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    r"""Append one column per aggregate, computed level by level (see ``weighted_mean``).

    Parameters
    ----------
    frame : pl.DataFrame
        Normalised indicator columns.
    tree : IndexTree
    method : {"arithmetic", "geometric", "harmonic"}
    dat_thresh : float, optional
        An aggregate is NaN for a unit whose share of present children is below this.
    weights : mapping, optional
        Weights by code overriding the nominal ones in ``tree``.

    Raises
    ------
    ValueError
        Unknown method, missing indicator columns, negative values for the geometric or
        harmonic mean, or a threshold outside [0, 1].
    """
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; use one of {METHODS}")
    if dat_thresh is not None and not 0 <= dat_thresh <= 1:
        raise ValueError("dat_thresh must be in [0, 1]")
    require_columns(frame, tree.indicator_codes)
    if method != "arithmetic" and _has_negative(frame, tree.indicator_codes):
        raise ValueError(f"the {method} mean needs values >= 0")
    w = {**tree.weights(), **(weights or {})}
    out = frame
    for agg in tree.aggregates:
        kids = tree.children(agg.code)
        values = np.column_stack([column(out, k) for k in kids])
        score = weighted_mean(values, np.array([w[k] for k in kids], dtype=np.float64), method)
        if dat_thresh is not None:
            score[(~np.isnan(values)).mean(axis=1) < dat_thresh] = np.nan
        out = with_columns(out, {agg.code: score})
    return out


def _has_negative(frame: pl.DataFrame, codes: Sequence[str]) -> bool:
    return any(bool(np.nanmin(column(frame, c), initial=0.0) < 0) for c in codes)


def ranks(frame: pl.DataFrame, codes: Sequence[str], decimals: int | None = None) -> pl.DataFrame:
    """Rank each column in descending order (1 = highest score), ties "min", nulls kept.

    With ``decimals`` the scores are rounded first, so units equal at the published precision
    share a rank (COINr's results table ranks the scores rounded to 2 decimals).
    """
    require_columns(frame, codes)

    def score(code: str) -> pl.Expr:
        expr = pl.col(code).cast(pl.Float64).fill_nan(None)
        return expr if decimals is None else expr.round(decimals)

    return frame.with_columns(score(c).rank("min", descending=True).alias(c) for c in codes)
