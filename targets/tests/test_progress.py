"""targets.progress: time elapsed, the trend forecast and its t interval, status, allocation."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date
from fractions import Fraction

import numpy as np
import pytest

from targets.progress import (
    PLAN_START,
    Point,
    Status,
    allocate,
    forecast,
    progress,
    time_elapsed,
)

END = date(2027, 12, 31)
Y1, Y2 = date(2025, 12, 31), date(2026, 12, 31)
CITIES = (
    "南京",
    "无锡",
    "徐州",
    "常州",
    "苏州",
    "南通",
    "连云港",
    "淮安",
    "盐城",
    "扬州",
    "镇江",
    "泰州",
    "宿迁",
)


def years(at: date) -> float:
    """Time of a point as `forecast` counts it: years from the beginning of 2025-01-01."""
    return ((at - PLAN_START).days + 1) / 365.25


def points(*pairs: tuple[date, float]) -> list[Point]:
    return [Point(at, value) for at, value in pairs]


def test_progress_module_has_no_django_import():
    code = "import sys, targets.progress; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- time elapsed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "year", "as_of", "expected"),
    [
        ("cumulative", 2025, date(2024, 12, 31), 0.0),
        ("cumulative", 2025, date(2025, 1, 1), 1 / 1095),
        ("share", 2026, date(2025, 12, 31), 365 / 1095),
        ("count", 2027, date(2026, 12, 31), 730 / 1095),
        ("full_coverage", 2025, date(2027, 12, 31), 1.0),
        ("cumulative", 2025, date(2028, 6, 30), 1.0),
        ("per_year", 2026, date(2026, 7, 2), 183 / 365),
        ("per_year", 2028, date(2028, 12, 31), 1.0),
        ("per_year", 2025, date(2026, 3, 1), 1.0),
        ("per_year", 2027, date(2026, 3, 1), 0.0),
    ],
)
def test_time_elapsed_is_the_share_of_days_of_the_period_gone_by(kind, year, as_of, expected):
    assert time_elapsed(kind=kind, year=year, as_of=as_of) == pytest.approx(expected)


def test_time_elapsed_uses_the_given_period_for_plan_kinds():
    share = time_elapsed(
        kind="cumulative",
        year=2025,
        as_of=date(2025, 1, 10),
        start=date(2025, 1, 1),
        end=date(2025, 1, 20),
    )
    assert share == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [("yearly", PLAN_START, END), ("cumulative", END, PLAN_START)],
)
def test_time_elapsed_rejects_unknown_kind_or_reversed_period(kind, start, end):
    with pytest.raises(ValueError, match=r"kind|before"):
        time_elapsed(kind=kind, year=2025, as_of=PLAN_START, start=start, end=end)


# --- forecast ---------------------------------------------------------------------------------

QUARTERS = (date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31))


def test_forecast_of_no_points_is_none():
    assert forecast([], until=END) is None


@pytest.mark.parametrize("baseline", [None, 3.0])
def test_forecast_of_an_exact_line_is_the_line_with_a_zero_width_interval(baseline):
    series = [Point(at, 3 + 40 * years(at)) for at in (*QUARTERS, date(2026, 6, 30))]
    result = forecast(series, until=END, baseline=baseline)
    expected = 3 + 40 * years(END)
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.low <= expected + 1e-9
    assert result.high >= expected - 1e-9
    assert result.high - result.low < 1e-6
    assert (result.method, result.n_points, result.at, result.level) == ("linear", 5, END, 0.8)


NOISY = (12.0, 25.0, 31.0, 47.0, 55.0)
NOISY_DATES = (*QUARTERS, date(2026, 3, 31))


def hand_interval_width(x: np.ndarray, y: np.ndarray, x0: float, t: float) -> float:
    """2 · t · s · √(1 + 1/n + (x0 − x̄)² / Sxx), written out as in a textbook."""
    n = len(x)
    slope, intercept = np.polyfit(x, y, 1)
    s = math.sqrt(sum((y - (intercept + slope * x)) ** 2) / (n - 2))
    sxx = sum((x - x.mean()) ** 2)
    return 2 * t * s * math.sqrt(1 + 1 / n + (x0 - x.mean()) ** 2 / sxx)


@pytest.mark.parametrize(
    ("baseline", "t_table"),
    [(None, 1.6377), (0.0, 1.5332)],  # t(0.9) with 3 and with 4 degrees of freedom
)
def test_forecast_of_a_noisy_series_is_the_least_squares_line_with_a_t_interval(baseline, t_table):
    x = np.array([years(at) for at in NOISY_DATES])
    y = np.array(NOISY)
    if baseline is not None:
        x, y = np.append(0.0, x), np.append(baseline, y)
    result = forecast(points(*zip(NOISY_DATES, NOISY, strict=True)), until=END, baseline=baseline)
    x0 = years(END)
    assert result.value == pytest.approx(np.polyval(np.polyfit(x, y, 1), x0), rel=1e-10)
    width = hand_interval_width(x, y, x0, t_table)
    assert result.high - result.low == pytest.approx(width, rel=1e-4)
    assert result.value - result.low == pytest.approx(result.high - result.value)


def test_forecast_interval_widens_with_the_level():
    series = points(*zip(NOISY_DATES, NOISY, strict=True))
    narrow = forecast(series, until=END, level=0.5)
    wide = forecast(series, until=END, level=0.95)
    assert wide.high - wide.low > narrow.high - narrow.low
    assert wide.value == pytest.approx(narrow.value)


def test_forecast_from_one_point_grows_at_its_average_rate_since_the_start():
    result = forecast(points((date(2025, 12, 31), 100.0)), until=END)
    assert (result.value, result.low, result.high) == pytest.approx((300.0, 100.0, 500.0))
    assert (result.method, result.n_points) == ("single_point", 1)


def test_forecast_from_one_point_at_the_start_is_flat_with_a_wide_interval():
    result = forecast(points((date(2024, 12, 31), 40.0)), until=END)
    assert (result.value, result.low, result.high) == pytest.approx((40.0, 0.0, 80.0))


@pytest.mark.parametrize(
    ("series", "baseline"),
    [
        (points((date(2025, 12, 31), 50.0), (date(2026, 12, 31), 100.0)), None),
        (points((date(2026, 12, 31), 100.0)), 0.0),
    ],
)
def test_forecast_from_two_observations_extends_the_line_with_half_the_change(series, baseline):
    # both lines reach 150 at the end of 2027, 50 above the latest value: interval 150 ± 25
    result = forecast(series, until=END, baseline=baseline)
    assert (result.value, result.low, result.high) == pytest.approx((150.0, 125.0, 175.0))
    assert (result.method, result.n_points) == ("two_points", len(series))


def test_forecast_keeps_the_last_value_given_for_a_repeated_date():
    series = points(
        (date(2025, 12, 31), 999.0), (date(2026, 12, 31), 100.0), (date(2025, 12, 31), 50.0)
    )
    result = forecast(series, until=END)
    assert (result.value, result.method, result.n_points) == (pytest.approx(150.0), "two_points", 2)


def test_forecast_never_goes_below_zero_for_a_non_negative_series():
    result = forecast(points((date(2025, 12, 31), 100.0), (date(2026, 12, 31), 20.0)), until=END)
    assert (result.value, result.low, result.high) == (0.0, 0.0, 0.0)


def test_forecast_of_a_series_with_negative_values_is_not_clipped():
    result = forecast(points((date(2025, 12, 31), -10.0), (date(2026, 12, 31), -20.0)), until=END)
    assert result.value == pytest.approx(-30.0)
    assert result.low == pytest.approx(-35.0)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
def test_forecast_rejects_a_level_outside_the_unit_interval(level):
    with pytest.raises(ValueError, match="level"):
        forecast(points((date(2025, 12, 31), 1.0)), until=END, level=level)


def test_forecast_rejects_values_that_are_not_finite():
    with pytest.raises(ValueError, match="finite"):
        forecast(points((date(2025, 12, 31), math.nan)), until=END)


# --- progress and status ----------------------------------------------------------------------


def cumulative(series, *, bound="at_least", target=200.0, as_of=Y2, baseline=None):
    return progress(
        kind="cumulative",
        bound=bound,
        target=target,
        baseline=baseline,
        points=series,
        year=as_of.year,
        as_of=as_of,
    )


@pytest.mark.parametrize(
    ("series", "as_of", "status"),
    [
        # ahead of time: completion 50 % after a third of the plan
        (points((Y1, 100.0)), Y1, Status.ON_TRACK),
        # behind (60 % vs 66.7 %) but the trend reaches 220
        (points((Y1, 20.0), (Y2, 120.0)), Y2, Status.ON_TRACK),
        # behind, trend 170, only the interval's upper end (202.5) reaches 200
        (points((Y1, 40.0), (Y2, 105.0)), Y2, Status.AT_RISK),
        # behind, trend 130 (high 135), but completion 60 % is above 80 % of 66.7 %
        (points((Y1, 110.0), (Y2, 120.0)), Y2, Status.AT_RISK),
        # far behind: 10 %, trend 30 (high 35)
        (points((Y1, 10.0), (Y2, 20.0)), Y2, Status.OFF_TRACK),
        # already there
        (points((Y1, 150.0), (Y2, 200.0)), Y2, Status.ACHIEVED),
    ],
)
def test_status_follows_completion_time_elapsed_and_forecast(series, as_of, status):
    assert cumulative(series, as_of=as_of).status is status


def test_progress_reports_actual_completion_time_elapsed_and_forecast():
    result = cumulative(points((Y1, 40.0), (Y2, 105.0)))
    assert (result.actual, result.target) == (105.0, 200.0)
    assert result.completion == pytest.approx(0.525)
    assert result.time_elapsed == pytest.approx(2 / 3)
    assert (result.forecast.value, result.forecast.high) == pytest.approx((170.0, 202.5))
    assert result.forecast.at == END
    for number in ("52.5 %", "66.7 %", "170", "137.5", "202.5", "at least 200"):
        assert number in result.reason


@pytest.mark.parametrize(
    ("bound", "actual", "status"),
    [
        ("at_least", 199.0, Status.ON_TRACK),
        ("exactly", 199.0, Status.ON_TRACK),
        ("range", 199.0, Status.ON_TRACK),
        ("about", 190.0, Status.ACHIEVED),
        ("about", 189.0, Status.ON_TRACK),
        ("at_least", 200.0, Status.ACHIEVED),
        ("range", 260.0, Status.ACHIEVED),
    ],
)
def test_achieved_depends_on_the_bound(bound, actual, status):
    # from 180 to the value on 2027-06-30: the trend to the end of 2027 reaches about 201
    # (about 190.8 from 189), so a value not achieved is on track
    result = progress(
        kind="count",
        bound=bound,
        target=200.0,
        baseline=180.0,
        points=points((date(2027, 6, 30), actual)),
        year=2027,
        as_of=date(2027, 6, 30),
        value_max=250.0 if bound == "range" else None,
    )
    assert result.status is status


def test_about_target_is_on_track_when_the_forecast_reaches_ninety_five_percent():
    # completion 25 % after two thirds; the trend 1 → 19.5, 95 % of 20 is 19
    result = cumulative(points((Y1, 1.0), (Y2, 10.25)), bound="about", target=20.0)
    assert result.forecast.value == pytest.approx(19.5)
    assert result.status is Status.ON_TRACK


def test_completion_counts_progress_from_the_baseline():
    result = progress(
        kind="share",
        bound="about",
        target=60.0,
        baseline=40.0,
        points=points((Y1, 50.0)),
        year=2025,
        as_of=Y1,
    )
    assert result.completion == pytest.approx(0.5)
    assert result.forecast.method == "two_points"


@pytest.mark.parametrize(
    ("baseline", "actual", "completion"),
    [(40.0, 30.0, 0.0), (60.0, 50.0, None), (None, 30.0, 0.5)],
)
def test_completion_is_clipped_at_zero_and_undefined_without_progress_needed(
    baseline, actual, completion
):
    result = progress(
        kind="share",
        bound="at_least",
        target=60.0,
        baseline=baseline,
        points=points((Y1, actual)),
        year=2025,
        as_of=Y1,
    )
    assert result.completion == completion


def test_share_forecast_is_capped_at_one_hundred():
    result = progress(
        kind="share",
        bound="at_least",
        target=80.0,
        baseline=None,
        points=points((date(2025, 6, 30), 40.0)),
        year=2025,
        as_of=date(2025, 6, 30),
    )
    assert result.forecast.value == 100.0
    assert result.forecast.high == 100.0
    assert result.forecast.low < 100.0


def yearly(series, *, year=2026, as_of=date(2026, 4, 1), target=10_000.0):
    return progress(
        kind="per_year",
        bound="at_least",
        target=target,
        baseline=500.0,
        points=series,
        year=year,
        as_of=as_of,
    )


def test_per_year_counts_only_the_points_of_its_year():
    series = points((Y1, 12_000.0), (date(2026, 3, 31), 1_000.0), (date(2026, 6, 30), 5_000.0))
    result = yearly(series)
    assert (result.actual, result.target) == (1_000.0, 10_000.0)
    assert result.completion == pytest.approx(0.1)  # the baseline does not apply
    assert result.time_elapsed == pytest.approx(91 / 365)
    assert result.forecast.at == date(2026, 12, 31)
    assert result.forecast.n_points == 1
    assert result.forecast.value == pytest.approx(1_000.0 * 365 / 90)
    assert result.status is Status.OFF_TRACK


def test_per_year_ahead_of_the_year_is_on_track():
    result = yearly(points((date(2026, 3, 31), 3_000.0)))
    assert result.status is Status.ON_TRACK


@pytest.mark.parametrize(
    ("bound", "final", "status"),
    [("at_least", 9_000.0, Status.OFF_TRACK), ("about", 9_600.0, Status.ACHIEVED)],
)
def test_per_year_of_a_past_year_is_decided_by_its_final_value(bound, final, status):
    result = progress(
        kind="per_year",
        bound=bound,
        target=10_000.0,
        baseline=None,
        points=points((date(2025, 9, 30), 1_000.0), (Y1, final)),
        year=2025,
        as_of=date(2026, 2, 1),
    )
    assert result.status is status
    assert result.time_elapsed == 1.0


def test_per_year_of_a_past_year_without_its_final_value_is_off_track_on_what_was_reported():
    # only the first three quarters were reported: the year is over, the trend no longer counts
    result = yearly(
        points((date(2025, 9, 30), 9_000.0)), year=2025, as_of=date(2026, 2, 1), target=10_000.0
    )
    assert result.status is Status.OFF_TRACK
    assert result.reason.startswith("The period ended with 9,000")
    assert result.forecast.value > 10_000.0  # shown, but not what decides


def test_a_share_measured_per_year_has_its_forecast_capped_at_100():
    result = progress(
        kind="per_year",
        percent=True,
        bound="at_least",
        target=10.0,
        baseline=None,
        points=points((date(2026, 1, 31), 60.0)),
        year=2026,
        as_of=date(2026, 2, 1),
    )
    assert result.forecast.value == 100.0
    assert result.status is Status.ACHIEVED


@pytest.mark.parametrize(
    ("kind", "target", "series", "year"),
    [
        ("cumulative", 200.0, [], 2026),
        ("cumulative", None, points((Y1, 10.0)), 2026),
        ("cumulative", 200.0, points((date(2027, 1, 31), 10.0)), 2026),
        ("per_year", 10_000.0, points((Y1, 12_000.0)), 2026),
    ],
)
def test_no_data_without_target_or_counted_points(kind, target, series, year):
    result = progress(
        kind=kind,
        bound="at_least",
        target=target,
        baseline=None,
        points=series,
        year=year,
        as_of=date(2026, 6, 30),
    )
    assert result.status is Status.NO_DATA
    assert (result.completion, result.forecast) == (None, None)
    assert result.reason


@pytest.mark.parametrize(("kind", "bound"), [("yearly", "at_least"), ("share", "roughly")])
def test_progress_rejects_unknown_kind_or_bound(kind, bound):
    with pytest.raises(ValueError, match="unknown"):
        progress(
            kind=kind,
            bound=bound,
            target=1.0,
            baseline=None,
            points=[],
            year=2025,
            as_of=Y1,
        )


# --- allocate ---------------------------------------------------------------------------------


def test_allocate_splits_in_proportion_when_it_divides_evenly():
    assert allocate(60, {"a": 1, "b": 2, "c": 3}) == {"a": 10.0, "b": 20.0, "c": 30.0}


def test_allocate_gives_leftover_units_to_the_largest_remainders():
    # quotas 4.2857, 2.8571, 2.8571 → floors 4, 2, 2 and two units to the .857s
    assert allocate(10, {"a": 3, "b": 2, "c": 2}) == {"a": 4.0, "b": 3.0, "c": 3.0}


@pytest.mark.parametrize(
    "weights",
    [{"a": 1, "b": 1, "c": 1}, {"c": 1, "b": 1, "a": 1}, {"b": 1, "c": 1, "a": 1}],
)
def test_allocate_breaks_ties_by_key_whatever_the_order(weights):
    assert allocate(2, weights) == {"a": 1.0, "b": 1.0, "c": 0.0}


def test_allocate_keeps_the_order_of_the_weights():
    assert list(allocate(5, {"z": 1, "a": 1})) == ["z", "a"]


def test_allocate_splits_equally_when_all_weights_are_zero():
    assert allocate(7, {"a": 0, "b": 0, "c": 0}) == {"a": 3.0, "b": 2.0, "c": 2.0}


def test_allocate_gives_nothing_to_a_zero_weight():
    assert allocate(9, {"a": 0, "b": 1, "c": 2}) == {"a": 0.0, "b": 3.0, "c": 6.0}


def test_allocate_without_integer_gives_the_exact_shares():
    shares = allocate(100.0, {"a": 1, "b": 1, "c": 1}, integer=False)
    assert shares == pytest.approx({"a": 100 / 3, "b": 100 / 3, "c": 100 / 3})
    assert math.fsum(shares.values()) == pytest.approx(100.0, rel=1e-15)


@pytest.mark.parametrize(
    ("total", "weights", "integer", "message"),
    [
        (10, {}, True, "no weights"),
        (10, {"a": 1, "b": -1}, True, "weights must"),
        (10, {"a": math.nan}, True, "weights must"),
        (-1, {"a": 1}, True, "total must"),
        (10.5, {"a": 1}, True, "whole number"),
        (math.inf, {"a": 1}, False, "total must"),
    ],
)
def test_allocate_rejects_bad_input(total, weights, integer, message):
    with pytest.raises(ValueError, match=message):
        allocate(total, weights, integer=integer)


@pytest.mark.parametrize("seed", range(8))
def test_allocate_always_sums_to_total_and_stays_within_one_of_the_exact_share(seed):
    rng = np.random.default_rng(seed)
    weights = {city: float(w) for city, w in zip(CITIES, rng.integers(0, 5_000, 13), strict=True)}
    total = int(rng.integers(0, 20_000))
    shares = allocate(total, weights)
    whole = sum(Fraction(w) for w in weights.values())
    assert sum(shares.values()) == total
    for city, share in shares.items():
        assert share.is_integer()
        assert abs(Fraction(share) - total * Fraction(weights[city]) / whole) < 1
