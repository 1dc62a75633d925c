"""Principal component analysis of a group of indicators (standardised, complete rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.index._frame import Vector

Matrix = np.ndarray[tuple[int, int], np.dtype[np.float64]]


@dataclass(frozen=True)
class PCAResult:
    """Components of one group, strongest first.

    ``loadings[:, k]`` is the k-th unit eigenvector (R ``prcomp``'s rotation); each column's
    sign is fixed so that its loadings sum to >= 0 (the sign of an eigenvector is arbitrary).
    """

    codes: tuple[str, ...]
    eigenvalues: Vector
    loadings: Matrix
    n_rows: int

    @property
    def sdev(self) -> Vector:
        """Standard deviation of each component, :math:`\\sqrt{\\lambda_k}`."""
        return np.sqrt(np.clip(self.eigenvalues, 0.0, None))

    @property
    def explained(self) -> Vector:
        r"""Proportion of variance of each component, :math:`\lambda_k / \sum_j \lambda_j`."""
        return np.asarray(self.eigenvalues / self.eigenvalues.sum(), dtype=np.float64)


def pca(values: Matrix, codes: Sequence[str]) -> PCAResult:
    r"""PCA of the correlation matrix of the complete rows of ``values`` (units x codes).

    Each column is centred and scaled by its sample sd (n - 1), as R ``prcomp(center = TRUE,
    scale. = TRUE)``; the eigen-decomposition :math:`R = V \Lambda V^\top` of the correlation
    matrix gives the eigenvalues :math:`\lambda_k` and loadings :math:`V`. Rows with any
    missing value are dropped (COINr ``get_PCA`` does the same).
    Methodology: index-methodology.md §1.2 step 4 and §2.4 gotcha 6.

    Raises
    ------
    ValueError
        Fewer than 3 complete rows, or a constant column.
    """
    complete = values[~np.isnan(values).any(axis=1)]
    if complete.shape[0] < 3:
        raise ValueError(f"PCA of {', '.join(codes)} needs at least 3 complete rows")
    sd = complete.std(axis=0, ddof=1)
    if (sd == 0).any():
        constant = [c for c, s in zip(codes, sd, strict=True) if s == 0]
        raise ValueError(f"PCA: constant columns {', '.join(constant)}")
    z = (complete - complete.mean(axis=0)) / sd
    eigenvalues, vectors = np.linalg.eigh(z.T @ z / (complete.shape[0] - 1))
    order = np.argsort(eigenvalues)[::-1]
    vectors = vectors[:, order]
    signs = np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    return PCAResult(tuple(codes), eigenvalues[order], vectors * signs, int(complete.shape[0]))
