r"""Special functions the platform's statistics need, without SciPy: the regularised incomplete
beta function and Student's t distribution (its CDF and quantiles).

- :func:`betainc` — :math:`I_x(a, b)` by its continued fraction (Numerical Recipes §6.4, modified
  Lentz), with the symmetry :math:`I_x(a, b) = 1 - I_{1-x}(b, a)` where that converges faster.
- :func:`t_cdf` — :math:`F(t) = 1 - \tfrac12 I_{\nu/(\nu+t^2)}(\nu/2, \tfrac12)` for t ≥ 0,
  symmetric for t < 0.
- :func:`t_quantile` — solves :math:`F(t) = p` by bisection; the standard normal quantile for
  ν above 10⁷. Accurate to about 1e-10.

Used by ``scoring.index.coherence`` (p-values of correlations) and ``targets.progress``
(prediction intervals of the target forecasts).
"""

from __future__ import annotations

import math
from statistics import NormalDist

_TINY = 1e-300


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function :math:`I_x(a, b)` for a, b > 0."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - betainc(b, a, 1.0 - x)
    log_front = a * math.log(x) + b * math.log1p(-x) - math.log(a)
    log_front += math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return math.exp(log_front) * _continued_fraction(a, b, x)


def _continued_fraction(a: float, b: float, x: float) -> float:
    c, d = 1.0, 1.0 / _not_zero(1.0 - (a + b) * x / (a + 1))
    fraction = d
    for m in range(1, 1000):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for coefficient in (even, odd):
            d = 1.0 / _not_zero(1.0 + coefficient * d)
            c = _not_zero(1.0 + coefficient / c)
            fraction *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return fraction


def _not_zero(value: float) -> float:
    return value if abs(value) > _TINY else _TINY


def t_cdf(t: float, *, df: float) -> float:
    """The CDF of Student's t distribution with `df` degrees of freedom."""
    upper = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return 1.0 - upper if t >= 0 else upper


def t_quantile(p: float, *, df: float) -> float:
    """The p-quantile of Student's t distribution with `df` degrees of freedom.

    Raises
    ------
    ValueError
        p outside (0, 1) or df ≤ 0.
    """
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    if not df > 0:
        raise ValueError("df must be positive")
    if df > 1e7:
        return NormalDist().inv_cdf(p)
    if p < 0.5:
        return -t_quantile(1 - p, df=df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df=df) < p:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_cdf(mid, df=df) < p else (lo, mid)
        if hi - lo <= 1e-12 * hi:
            break
    return (lo + hi) / 2
