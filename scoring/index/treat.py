"""Outlier treatment, the JRC/COINr rule: winsorise, else log-transform.

An indicator *fails* when :math:`|G_1| \\ge s` and :math:`G_2 \\ge k` (defaults s = 2,
k = 3.5; :math:`G_1, G_2` are the type-2 skewness and excess kurtosis, see
``scoring.index.moments``). While it fails and fewer than ``winmax`` points have been
winsorised, the most extreme value on the side of the skew is replaced by the next value
inward; tied extreme points are replaced together and all count (the count is the number of
values that differ from the original). If it still fails, the
winsorisation is discarded and ``log_ct`` is applied to the original values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.index._frame import Vector, column, require_columns, with_columns
from scoring.index.moments import kurtosis, skewness


@dataclass(frozen=True)
class Treatment:
    """How one indicator was treated."""

    code: str
    low: int
    high: int
    log: bool


def fails(x: Vector, skew_threshold: float = 2.0, kurt_threshold: float = 3.5) -> bool:
    r"""True when :math:`|G_1| \ge s` and :math:`G_2 \ge k`; False when undefined (NaN)."""
    s, k = skewness(x), kurtosis(x)
    return not (math.isnan(s) or math.isnan(k)) and abs(s) >= skew_threshold and k >= kurt_threshold


def log_ct(x: Vector) -> Vector:
    r"""COINr ``log_CT``: :math:`\log\big(x - \min x + 0.01(\max x - \min x)\big)`, NaN kept."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.asarray(np.log(x - lo + 0.01 * (hi - lo)), dtype=np.float64)


def winsorise_once(x: Vector, high: bool) -> tuple[Vector, int]:
    """Replace the extreme value(s) on one side by the next value inward.

    Returns the new vector and the number of (tied) points replaced; 0 when there is no
    next value (all present values equal).
    """
    present = x[~np.isnan(x)]
    extreme = present.max() if high else present.min()
    rest = present[present != extreme]
    if rest.size == 0:
        return x, 0
    out = x.copy()
    hit = out == extreme
    out[hit] = rest.max() if high else rest.min()
    return out, int(hit.sum())


def treat_vector(
    x: Vector, winmax: int = 5, skew_threshold: float = 2.0, kurt_threshold: float = 3.5
) -> tuple[Vector, int, int, bool]:
    """Apply the JRC rule to one indicator: (treated values, points low, points high, log).

    The points winsorised on a side are the values that differ from the original there, so
    a tie of extreme values counts as all its points, and a point moved twice counts once.
    When the log fallback is used the counts are 0, because the log is applied to the
    original, unwinsorised values.
    """
    out, low, high = x, 0, 0
    while fails(out, skew_threshold, kurt_threshold) and low + high < winmax:
        out, n = winsorise_once(out, high=skewness(out) > 0)
        if n == 0:
            break
        low, high = int(np.sum(out > x)), int(np.sum(out < x))
    if fails(out, skew_threshold, kurt_threshold):
        return log_ct(x), 0, 0, True
    return out, low, high, False


def treat(
    frame: pl.DataFrame,
    codes: Sequence[str],
    winmax: int = 5,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Treat every indicator column; return the treated frame and a summary.

    The summary has one row per indicator: ``code``, ``low``, ``high`` (points winsorised on
    each side) and ``log`` (whether ``log_ct`` was applied).
    """
    if winmax < 0:
        raise ValueError("winmax must be >= 0")
    require_columns(frame, codes)
    values: dict[str, Vector] = {}
    rows: list[Treatment] = []
    for code in codes:
        out, low, high, log = treat_vector(
            column(frame, code), winmax, skew_threshold, kurt_threshold
        )
        values[code] = out
        rows.append(Treatment(code, low, high, log))
    summary = pl.DataFrame(
        [(t.code, t.low, t.high, t.log) for t in rows],
        schema={"code": pl.String, "low": pl.Int64, "high": pl.Int64, "log": pl.Boolean},
        orient="row",
    )
    return with_columns(frame, values), summary
