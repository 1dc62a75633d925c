"""Special functions without SciPy: the regularised incomplete beta function and Student's t."""

from __future__ import annotations

import math

import pytest

from scoring.special import betainc, t_cdf, t_quantile


@pytest.mark.parametrize(
    ("a", "b", "x", "expected"),
    [
        (1.0, 1.0, 0.3, 0.3),  # I_x(1, 1) = x
        (2.0, 1.0, 0.5, 0.25),  # I_x(a, 1) = x^a
        (1.0, 3.0, 0.2, 1 - 0.8**3),  # I_x(1, b) = 1 - (1 - x)^b
        (0.5, 0.5, 0.25, 2 / math.pi * math.asin(0.5)),  # arcsine distribution
    ],
)
def test_betainc_matches_closed_forms(a, b, x, expected):
    assert betainc(a, b, x) == pytest.approx(expected, rel=1e-12)


def test_t_cdf_is_symmetric_and_inverts_the_quantile():
    assert t_cdf(0.0, df=7) == pytest.approx(0.5)
    assert t_cdf(-1.3, df=7) == pytest.approx(1 - t_cdf(1.3, df=7), rel=1e-12)
    assert t_cdf(t_quantile(0.9, df=7), df=7) == pytest.approx(0.9, abs=1e-10)


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        (0.9, 1, 3.0777),
        (0.9, 2, 1.8856),
        (0.9, 3, 1.6377),
        (0.9, 5, 1.4759),
        (0.95, 10, 1.8125),
        (0.975, 30, 2.0423),
        (0.99, 2, 6.9646),
        (0.995, 20, 2.8453),
        (0.9, 120, 1.2886),
        (0.9, math.inf, 1.2816),
    ],
)
def test_t_quantile_matches_the_printed_table(p, df, table):
    assert t_quantile(p, df=df) == pytest.approx(table, abs=5e-5)


@pytest.mark.parametrize("p", [0.6, 0.8, 0.9, 0.99, 0.999])
def test_t_quantile_matches_closed_forms_for_one_and_two_degrees_of_freedom(p):
    assert t_quantile(p, df=1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-10)
    two = (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    assert t_quantile(p, df=2) == pytest.approx(two, rel=1e-10)


@pytest.mark.parametrize("df", [1, 4, 17.5])
def test_t_quantile_is_symmetric_around_zero(df):
    assert t_quantile(0.5, df=df) == pytest.approx(0.0, abs=1e-10)
    assert t_quantile(0.1, df=df) == pytest.approx(-t_quantile(0.9, df=df), rel=1e-12)


def test_t_quantile_approaches_the_normal_quantile_for_many_degrees_of_freedom():
    assert t_quantile(0.9, df=1e6) == pytest.approx(1.2815516, abs=1e-5)


@pytest.mark.parametrize(("p", "df"), [(0.0, 5), (1.0, 5), (0.9, 0), (0.9, -1)])
def test_t_quantile_rejects_p_outside_the_unit_interval_or_non_positive_df(p, df):
    with pytest.raises(ValueError, match=r"p must|df must"):
        t_quantile(p, df=df)
