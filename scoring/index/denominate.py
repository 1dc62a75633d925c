"""Denomination: divide indicators by a size variable (population, GDP, area ...)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from scoring.index._frame import Vector, column, require_columns, with_columns
from scoring.index.meta import IndexTree


def denominate(frame: pl.DataFrame, tree: IndexTree) -> pl.DataFrame:
    r"""Divide each indicator that has a Denominator in the metadata by that column.

    .. math:: x'_{ui} = x_{ui} / d_{u}

    Indicators without a denominator are unchanged; a zero denominator gives a missing value.

    Raises
    ------
    ValueError
        If an indicator or a denominator column is missing from ``frame``.
    """
    pairs = {i.code: i.denominator for i in tree.indicators if i.denominator is not None}
    require_columns(frame, [*pairs, *pairs.values()])
    return with_columns(frame, _divide(frame, pairs))


def _divide(frame: pl.DataFrame, pairs: Mapping[str, str]) -> dict[str, Vector]:
    out: dict[str, Vector] = {}
    for code, denominator in pairs.items():
        d = column(frame, denominator)
        d[d == 0] = float("nan")
        out[code] = column(frame, code) / d
    return out
