"""Imputation of missing values: unconditional or group mean / median."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from scoring.index._frame import Vector, column, require_columns, with_columns

METHODS = ("none", "mean", "median")


def impute(
    frame: pl.DataFrame, codes: Sequence[str], method: str = "mean", by: str | None = None
) -> pl.DataFrame:
    r"""Fill missing indicator values with the mean or median of the indicator.

    .. math:: x_{ui} \leftarrow \operatorname{mean}\{x_{vi} : g_v = g_u,\ x_{vi} \ne NA\}

    Parameters
    ----------
    frame : pl.DataFrame
    codes : sequence of str
        Indicator columns to impute.
    method : {"none", "mean", "median"}
    by : str, optional
        A group column: statistics are computed within the unit's group (a null group is a
        group of its own). Values stay missing when the whole group is missing.
    """
    if method not in METHODS:
        raise ValueError(f"unknown imputation method {method!r}; use one of {METHODS}")
    require_columns(frame, [*codes, *([by] if by else [])])
    if method == "none":
        return frame
    groups = _group_ids(frame, by)
    stat = np.nanmean if method == "mean" else np.nanmedian
    return with_columns(frame, {c: _fill(column(frame, c), groups, stat) for c in codes})


def _group_ids(frame: pl.DataFrame, by: str | None) -> Vector:
    if by is None:
        return np.zeros(frame.height)
    ids = frame[by].cast(pl.String).fill_null("\0null").rank("dense")
    return ids.to_numpy().astype(np.float64)


def _fill(x: Vector, groups: Vector, stat: Callable[[Vector], float]) -> Vector:
    out = x.copy()
    for g in np.unique(groups):
        members = groups == g
        values = x[members]
        gaps = members & np.isnan(x)
        if gaps.any() and (~np.isnan(values)).any():
            out[gaps] = stat(values)
    return out
