"""Screening: drop units with too little data."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from scoring.index._frame import column, require_columns


def data_availability(frame: pl.DataFrame, codes: Sequence[str]) -> pl.Series:
    r"""Share of non-missing indicator values per unit, :math:`a_u = \#\{i: x_{ui}\ne NA\}/m`."""
    require_columns(frame, codes)
    present = np.column_stack([~np.isnan(column(frame, c)) for c in codes])
    return pl.Series("availability", present.mean(axis=1))


def screen(frame: pl.DataFrame, codes: Sequence[str], threshold: float) -> pl.DataFrame:
    """Keep the units whose data availability (see ``data_availability``) is >= ``threshold``.

    Raises
    ------
    ValueError
        A threshold outside [0, 1], or no unit left (an index of no units is never wanted).
    """
    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be in [0, 1]")
    kept = frame.filter(data_availability(frame, codes) >= threshold)
    if frame.height and not kept.height:
        raise ValueError(
            f"screening left no unit: every unit has less than {threshold:.0%} of the indicators"
        )
    return kept
