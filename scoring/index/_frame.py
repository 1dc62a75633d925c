"""Moving indicator columns between Polars frames and NumPy arrays (missing = NaN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

Vector = npt.NDArray[np.float64]


def column(frame: pl.DataFrame, code: str) -> Vector:
    """One column as float64 with nulls and NaNs both as NaN."""
    return frame[code].cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)


def with_columns(frame: pl.DataFrame, values: Mapping[str, Vector]) -> pl.DataFrame:
    """Replace or append columns; NaN becomes null."""
    series = [pl.Series(code, v, dtype=pl.Float64, nan_to_null=True) for code, v in values.items()]
    return frame.with_columns(series)


def missing_columns(frame: pl.DataFrame, codes: Sequence[str]) -> list[str]:
    """The codes that are not columns of ``frame``."""
    return [c for c in codes if c not in frame.columns]


def require_columns(frame: pl.DataFrame, codes: Sequence[str]) -> None:
    """Raise ``ValueError`` naming every missing column."""
    missing = missing_columns(frame, codes)
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
