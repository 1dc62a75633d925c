"""Normalisation: bring indicators to a common scale, after applying their direction.

Every method first multiplies the indicator by its Direction (+1 or -1), so that higher is
always better, and skips missing values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from scoring.index._frame import Vector, column, require_columns, with_columns

METHODS = ("minmax", "zscore", "rank", "dist2targ", "goalposts")
DEFAULT_PARAMS: dict[str, Any] = {
    "lower": 0.0,
    "upper": 100.0,
    "mean": 0.0,
    "sd": 1.0,
    "targets": None,
    "posts": None,
    "cap": True,
}
Matrix = np.ndarray[tuple[int, int], np.dtype[np.float64]]


def minmax(x: Vector, lower: float = 0.0, upper: float = 100.0) -> Vector:
    r""":math:`\frac{x - \min x}{\max x - \min x}(u - l) + l`; a constant column gives NaN."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    if hi == lo:
        return np.full_like(x, np.nan)
    return (x - lo) / (hi - lo) * (upper - lower) + lower


def zscore(x: Vector, mean: float = 0.0, sd: float = 1.0) -> Vector:
    r""":math:`\frac{x - \bar x}{s_x}\,\sigma + \mu` with the sample sd (n - 1)."""
    s = np.nanstd(x, ddof=1)
    return np.asarray((x - np.nanmean(x)) / s * sd + mean, dtype=np.float64)


def rank(x: Vector) -> Vector:
    """Ascending rank (1 = lowest), ties share the minimum rank, NaN kept."""
    ranks = pl.Series(x).fill_nan(None).rank("min").cast(pl.Float64)
    return ranks.fill_null(np.nan).to_numpy().astype(np.float64)


def dist2targ(x: Vector, target: float, scale: float = 100.0, cap: bool = True) -> Vector:
    r"""Distance to target: :math:`\frac{x - \min x}{t - \min x}\cdot c`, capped at c if ``cap``.

    ``x`` and ``t`` are already multiplied by the direction. A target at or below the minimum
    is met by every unit: capped, every score is c; uncapped the distance is undefined
    (``ValueError``).
    """
    lo = np.nanmin(x)
    if target <= lo:
        if not cap:
            raise ValueError("the target is not better than the worst value")
        return np.where(np.isnan(x), np.nan, scale)
    out = (x - lo) / (target - lo)
    return (np.minimum(out, 1.0) if cap else out) * scale


def goalposts(x: Vector, worst: float, best: float, scale: float = 100.0) -> Vector:
    r"""Fixed goalposts: :math:`\mathrm{clip}\big(\frac{x - w}{b - w}, 0, 1\big)\cdot c`.

    ``x``, ``w`` and ``b`` are already multiplied by the direction (so ``w < b``).
    """
    return np.clip((x - worst) / (best - worst), 0.0, 1.0) * scale


def normalise(
    frame: pl.DataFrame,
    directions: Mapping[str, int],
    method: str = "minmax",
    **params: Any,
) -> pl.DataFrame:
    r"""Normalise the indicator columns named in ``directions``.

    Methods: ``minmax`` to [lower, upper] (default 0, 100); ``zscore`` to (mean, sd)
    (default 0, 1); ``rank``; ``dist2targ`` to ``targets`` (scale ``upper``, capped if
    ``cap``, default True); ``goalposts`` with ``posts[code] = (worst, best)`` in natural
    units (scale ``upper``), e.g. fixed at a base year's minimum and maximum so that scores
    stay comparable across years. Each indicator is first multiplied by its direction
    :math:`d_i`: :math:`x \leftarrow d_i x`. Methodology: index-methodology.md §1.2 step 5.

    Raises
    ------
    ValueError
        Unknown method or setting, a missing column, a direction other than +1/-1, or a
        missing target or goalpost.
    """
    codes = list(directions)
    require_columns(frame, codes)
    values = np.column_stack([column(frame, c) for c in codes]) if codes else np.empty((0, 0))
    out = normalise_values(values, codes, directions, method, **params)
    return with_columns(frame, {c: out[:, j] for j, c in enumerate(codes)})


def normalise_values(
    values: Matrix,
    codes: Sequence[str],
    directions: Mapping[str, int],
    method: str = "minmax",
    **params: Any,
) -> Matrix:
    """The matrix form of ``normalise``: ``values`` is units x ``codes`` (NaN = missing)."""
    _check(codes, directions, method, params)
    p = {**DEFAULT_PARAMS, **params}
    out = np.empty_like(values)
    for j, code in enumerate(codes):
        out[:, j] = _one(values[:, j], directions[code], code, method, p)
    return out


def _one(x: Vector, d: int, code: str, method: str, p: Mapping[str, Any]) -> Vector:
    x = x * d
    if method == "minmax":
        return minmax(x, float(p["lower"]), float(p["upper"]))
    if method == "zscore":
        return zscore(x, float(p["mean"]), float(p["sd"]))
    if method == "rank":
        return rank(x)
    if method == "dist2targ":
        target = float(p["targets"][code])
        if not p["cap"] and d * target <= np.nanmin(x):
            raise ValueError(
                f"{code}: the target {target} is not better than the worst value; without cap "
                "the distance to target is undefined"
            )
        return dist2targ(x, d * target, float(p["upper"]), bool(p["cap"]))
    worst, best = p["posts"][code]
    return goalposts(x, d * float(worst), d * float(best), float(p["upper"]))


def _check(
    codes: Sequence[str], directions: Mapping[str, int], method: str, params: Mapping[str, Any]
) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown normalisation method {method!r}; use one of {METHODS}")
    problems = [f"unknown normalisation setting {k!r}" for k in params if k not in DEFAULT_PARAMS]
    problems += [f"{c}: direction must be 1 or -1" for c in codes if directions[c] not in (1, -1)]
    needed = {"dist2targ": params.get("targets"), "goalposts": params.get("posts")}
    if method in needed:
        given = needed[method] or {}
        problems += [f"{c}: no {method} parameter" for c in codes if c not in given]
        if method == "goalposts":
            problems += [f"{c}: the goalposts are equal" for c in codes if _equal(given.get(c))]
    if problems:
        raise ValueError("; ".join(problems))


def _equal(posts: Any) -> bool:
    return posts is not None and float(posts[0]) == float(posts[1])


def refuse_log_units(method: str, logged: Sequence[str]) -> None:
    """Refuse ``dist2targ`` and ``goalposts`` for indicators that outlier treatment
    log-transformed: their targets and goalposts are in natural units, the values no longer are.

    Raises
    ------
    ValueError
        Naming every such indicator.
    """
    if method in ("dist2targ", "goalposts") and logged:
        raise ValueError(
            "; ".join(
                f"{c}: outlier treatment log-transformed it, but {method} parameters are in "
                "natural units; raise treat.winmax or set treat: null"
                for c in logged
            )
        )
