"""Sample skewness and kurtosis, the bias-corrected (type 2) estimators used by the JRC rule."""

from __future__ import annotations

import math

import numpy as np

from scoring.index._frame import Vector


def _central_moments(x: Vector) -> tuple[int, float, float, float]:
    v = x[~np.isnan(x)]
    if v.size == 0:
        return 0, 0.0, 0.0, 0.0
    d = v - v.mean()
    return v.size, float(np.mean(d**2)), float(np.mean(d**3)), float(np.mean(d**4))


def skewness(x: Vector) -> float:
    r"""Bias-corrected sample skewness (type 2, as SAS/SPSS/Excel ``SKEW``), NaNs skipped.

    .. math::
        g_1 = m_3 / m_2^{3/2}, \qquad G_1 = \frac{\sqrt{n(n-1)}}{n-2}\, g_1

    with :math:`m_k = \frac1n\sum (x_i-\bar x)^k`. Returns NaN when fewer than 3 values are
    present or all values are equal.
    """
    n, m2, m3, _ = _central_moments(x)
    if n < 3 or m2 == 0:
        return math.nan
    return float(math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5)


def kurtosis(x: Vector) -> float:
    r"""Bias-corrected sample excess kurtosis (type 2, as Excel ``KURT``), NaNs skipped.

    .. math::
        g_2 = m_4 / m_2^2 - 3, \qquad
        G_2 = \frac{(n-1)\,\big((n+1)\,g_2 + 6\big)}{(n-2)(n-3)}

    Returns NaN when fewer than 4 values are present or all values are equal.
    """
    n, m2, _, m4 = _central_moments(x)
    if n < 4 or m2 == 0:
        return math.nan
    g2 = m4 / m2**2 - 3.0
    return (n - 1) * ((n + 1) * g2 + 6.0) / ((n - 2) * (n - 3))
