"""Variance-based sensitivity (Sobol indices) from stored Monte-Carlo runs.

Run layout (N base samples, d uncertain inputs, N(d + 2) runs): runs 1..N use sample A,
N+1..2N sample B, then block i (i = 1..d) uses A with input i taken from B.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from scoring.index._frame import Vector

Matrix = np.ndarray[tuple[int, int], np.dtype[np.float64]]


def mean_rank_shift(ranks: Matrix, nominal: Vector) -> Vector:
    r"""Output per run: :math:`y_r = \frac1U \sum_u |R_{ur} - R_u^{nom}|` (units x runs).

    The mean is over the units ranked both in the run and nominally: a unit without a score
    (NaN rank) is left out instead of making the run's output, and so every Sobol index, NaN.
    """
    return np.asarray(np.nanmean(np.abs(ranks - nominal[:, np.newaxis]), axis=0), dtype=np.float64)


def sobol_indices(y: Vector, n: int, names: Sequence[str]) -> pl.DataFrame:
    r"""First-order and total Sobol indices from the outputs of N(d + 2) runs.

    With :math:`V = \operatorname{Var}(y_A \cup y_B)` (sample variance, n - 1):

    .. math::
        S_i = \frac{\frac1N \sum_j y_{B,j}\,(y_{A_B^i,j} - y_{A,j})}{V}
        \quad \text{(Saltelli 2010)}, \qquad
        S_{Ti} = \frac{\sum_j (y_{A,j} - y_{A_B^i,j})^2}{2 N V} \quad \text{(Jansen)}

    Returns a frame with columns ``Variable``, ``Si``, ``STi`` (NaN when V = 0).
    """
    d = len(names)
    if y.shape != (n * (d + 2),):
        raise ValueError(f"expected {n * (d + 2)} runs for N = {n}, d = {d}; got {y.shape}")
    ya, yb = y[:n], y[n : 2 * n]
    var = float(np.var(np.concatenate([ya, yb]), ddof=1))
    if var == 0:  # no output variance: the indices are undefined
        nan = [float("nan")] * d
        return pl.DataFrame({"Variable": list(names), "Si": nan, "STi": nan})
    blocks = [y[(2 + i) * n : (3 + i) * n] for i in range(d)]
    si = [float(np.mean(yb * (yab - ya))) / var for yab in blocks]
    sti = [float(np.sum((ya - yab) ** 2)) / (2 * n * var) for yab in blocks]
    return pl.DataFrame({"Variable": list(names), "Si": si, "STi": sti})
