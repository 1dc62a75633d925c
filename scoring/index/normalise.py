"""Normalisation: bring indicators to a common scale, after applying their direction.

Every method first multiplies the indicator by its Direction (+1 or -1), so that higher is
always better, and skips missing values.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from scoring.index._frame import Vector, column, require_columns, with_columns

METHODS = ("minmax", "zscore", "rank", "dist2targ", "goalposts")


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

    ``x`` and ``t`` are already multiplied by the direction.
    """
    lo = np.nanmin(x)
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
    *,
    lower: float = 0.0,
    upper: float = 100.0,
    mean: float = 0.0,
    sd: float = 1.0,
    targets: Mapping[str, float] | None = None,
    posts: Mapping[str, tuple[float, float]] | None = None,
    cap: bool = True,
) -> pl.DataFrame:
    r"""Normalise the indicator columns named in ``directions``.

    Methods: ``minmax`` to [lower, upper]; ``zscore`` to (mean, sd); ``rank``;
    ``dist2targ`` to ``targets`` (scale ``upper``, capped if ``cap``); ``goalposts`` with
    ``posts[code] = (worst, best)`` in natural units (scale ``upper``). Each indicator is
    first multiplied by its direction :math:`d_i`: :math:`x \leftarrow d_i x`.

    Raises
    ------
    ValueError
        Unknown method, a missing column, a direction other than +1/-1, or a missing target
        or goalpost.
    """
    codes = list(directions)
    _check(frame, directions, method, targets, posts)
    values: dict[str, Vector] = {}
    for code in codes:
        d = directions[code]
        x = column(frame, code) * d
        if method == "minmax":
            values[code] = minmax(x, lower, upper)
        elif method == "zscore":
            values[code] = zscore(x, mean, sd)
        elif method == "rank":
            values[code] = rank(x)
        elif method == "dist2targ":
            values[code] = dist2targ(x, d * (targets or {})[code], upper, cap)
        else:
            worst, best = (posts or {})[code]
            values[code] = goalposts(x, d * worst, d * best, upper)
    return with_columns(frame, values)


def _check(
    frame: pl.DataFrame,
    directions: Mapping[str, int],
    method: str,
    targets: Mapping[str, float] | None,
    posts: Mapping[str, tuple[float, float]] | None,
) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown normalisation method {method!r}; use one of {METHODS}")
    require_columns(frame, list(directions))
    problems = [
        f"{c}: direction must be 1 or -1" for c, d in directions.items() if d not in (1, -1)
    ]
    needed = {"dist2targ": targets, "goalposts": posts}.get(method, directions)
    problems += [f"{c}: no {method} parameter" for c in directions if c not in (needed or {})]
    if problems:
        raise ValueError("; ".join(problems))
