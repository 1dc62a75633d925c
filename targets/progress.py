"""Progress of a plan target: time elapsed, a trend forecast, a status, and splitting a total.

Pure: no Django imports (numpy and the standard library only). The app converts its records
into `Point` values and plain numbers, calls `progress`, and stores or shows the `Progress`.

- `time_elapsed` is 时序进度: the share of the target's period gone by.
- `forecast` extends a linear trend through the actual values to the deadline, with a
  Student t prediction interval (`scoring.special.t_quantile`, no SciPy).
- `progress` compares 完成进度 (completion) with 时序进度 and the forecast and gives a `Status`
  with a one-sentence English reason.
- `allocate` splits a provincial total over cities in proportion to weights (Hamilton method).

Dates are whole days; a value dated ``d`` holds at the end of day ``d``. The plan runs from
`PLAN_START` (2025-01-01) to `PLAN_END` (2027-12-31).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from fractions import Fraction

import numpy as np

from scoring.special import t_quantile
from targets.plan import BOUNDS, KINDS

PLAN_START = date(2025, 1, 1)
PLAN_END = date(2027, 12, 31)
DAYS_PER_YEAR = 365.25
ABOUT_SHARE = 0.95  # an "about" (约) target counts as met at 95 % of its value
AT_RISK_SHARE = 0.8  # completion at least 80 % of time elapsed is AT_RISK, not OFF_TRACK
TWO_POINTS_SPREAD = 0.5  # two observations: interval = forecast ± 50 % of the projected change
SINGLE_POINT_SPREAD = 1.0  # one observation: interval = forecast ± 100 % of the projected change
PERCENT_KINDS = ("share", "full_coverage")
PERCENT_CAP = 100.0
METHOD_WORDS = {"linear": "linear-trend", "two_points": "two-point", "single_point": "single-point"}


@dataclass(frozen=True)
class Point:
    """One observation of a target's actual: `value` holds at the end of day `at`."""

    at: date
    value: float


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    ACHIEVED = "achieved"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Forecast:
    """The value expected at `at` and its prediction interval [`low`, `high`] at `level`.

    `method` says how it was made (see `forecast`): ``"linear"`` (least-squares line with a
    Student t interval, three or more observations), ``"two_points"`` (the line through two
    observations, interval ± 50 % of the projected change) or ``"single_point"`` (one
    observation, growth at its average rate since the start, interval ± 100 % of the projected
    change). `n_points` counts the observed points used, not the baseline.
    """

    at: date
    value: float
    low: float
    high: float
    level: float
    method: str
    n_points: int


@dataclass(frozen=True)
class Progress:
    """A target's progress at one date; `reason` explains `status` in one English sentence."""

    actual: float | None
    target: float | None
    completion: float | None
    time_elapsed: float
    forecast: Forecast | None
    status: Status
    reason: str


def time_elapsed(
    *,
    kind: str,
    year: int,
    as_of: date,
    start: date = PLAN_START,
    end: date = PLAN_END,
) -> float:
    """时序进度: the share of the target's period elapsed at the end of day `as_of`.

    time elapsed = (days from the first day of the period to `as_of`, both included)
    / (days in the period), clipped to [0, 1]. The period is the calendar year `year` for a
    per_year target, else `start`..`end` (`year` is then ignored). So 2025-12-31 is 1/3 of the
    plan, a year already over is 1 and one not yet begun is 0.

    Raises
    ------
    ValueError
        An unknown kind, or `end` before `start`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if end < start:
        raise ValueError("end is before start")
    first, last = _period(kind=kind, year=year, start=start, end=end)
    days = (last - first).days + 1
    done = (as_of - first).days + 1
    return min(max(done / days, 0.0), 1.0)


def forecast(
    points: Sequence[Point],
    *,
    until: date,
    baseline: float | None = None,
    start: date = PLAN_START,
    level: float = 0.8,
) -> Forecast | None:
    """The value expected at the end of day `until` from a linear trend through `points`.

    Time x is counted in years of 365.25 days from the beginning of `start`: a point dated d has
    x = (days from `start` to d + 1) / 365.25, and `baseline`, when given, is one more
    observation at x = 0 (the value the period starts from). One value per date: when dates
    repeat the last point given wins, and a point at x = 0 replaces the baseline. With n
    observations (baseline included):

    - n >= 3, ``"linear"``: least-squares line y = a + b·x; forecast ŷ = a + b·x₀ at `until`;
      prediction interval ŷ ± t · s · √(1 + 1/n + (x₀ − x̄)² / Σ(x − x̄)²), where s² is the sum
      of squared residuals / (n − 2) and t the Student t quantile of (1 + `level`) / 2 with
      n − 2 degrees of freedom (`t_quantile`).
    - n = 2, ``"two_points"``: no residual degrees of freedom. The line through both points;
      interval ŷ ± 50 % of the projected change |ŷ − latest observed value|.
    - n = 1, ``"single_point"``: the value grows at its average rate since the start from 0,
      ŷ = y · x₀ / x; interval ŷ ± 100 % of the projected change |ŷ − y|. A point at or before
      the start gives no rate: ŷ = y ± |y|.

    When every observation is ≥ 0 the forecast and both ends are clipped at 0. No cap is
    applied here (the kind is unknown); `progress` caps share and full_coverage at 100.

    Returns
    -------
    Forecast | None
        None when there are no points.

    Raises
    ------
    ValueError
        A `level` outside (0, 1) or a value that is not finite.
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    if not points:
        return None
    series = _series(points, baseline=baseline, start=start)
    x = np.array(list(series), dtype=float)
    y = np.array(list(series.values()), dtype=float)
    if not np.isfinite(y).all():
        raise ValueError("values must be finite")
    x_until = _years(until, start=start)
    if x.size >= 3:
        value, half, method = _linear(x, y, x_until=x_until, level=level)
    elif x.size == 2:
        value, half, method = _two_points(x, y, x_until=x_until)
    else:
        value, half, method = _single_point(float(x[0]), float(y[0]), x_until=x_until)
    low, high = value - half, value + half
    if (y >= 0).all():
        value, low, high = max(value, 0.0), max(low, 0.0), max(high, 0.0)
    n_points = len({point.at for point in points})
    return Forecast(until, value, low, high, level, method, n_points)


def progress(
    *,
    kind: str,
    bound: str,
    target: float | None,
    baseline: float | None,
    points: Sequence[Point],
    year: int,
    as_of: date,
    value_max: float | None = None,
    level: float = 0.8,
    deadline: date | None = None,
    percent: bool = False,
) -> Progress:
    """The progress and status of one target at the end of day `as_of`.

    Which points count: for per_year, those dated within `year` (year-to-date values) and
    not after `as_of`; the deadline is the end of `year`, the forecast starts from 0 on
    1 January. For the other kinds, the points not after `as_of`; the deadline is 2027-12-31,
    the forecast starts from `baseline` (when given) on 2025-01-01. `actual` is the latest of
    them, `target` the value passed in (the year's value for per_year, else the 2027 value).

    completion (完成进度) = (actual − baseline) / (target − baseline), baseline 0 when None,
    clipped below at 0; for per_year actual / target. None when the denominator is not
    positive. time elapsed (时序进度) is `time_elapsed`. A value meets the target when it is
    ≥ target (at_least, exactly, range with target the lower end) or ≥ 95 % of the target
    (about). The forecast is `forecast` to the deadline, capped at 100 for share and
    full_coverage. Status, the first rule that applies:

    1. NO_DATA: no target, or no point counts.
    2. ACHIEVED: actual meets the target.
    3. OFF_TRACK: the period is over (`as_of` or the latest point at or after the deadline)
       and the target was missed — a past year without its final figure included.
    4. ON_TRACK: completion ≥ time elapsed, or the forecast value meets the target.
    5. AT_RISK: the upper end of the forecast interval meets the target, or
       completion ≥ 80 % of time elapsed.
    6. OFF_TRACK otherwise.

    `value_max` (the upper end of a range target) only appears in the reason. `percent`: cap
    the forecast at 100 whatever the kind (a share measured per year as kind per_year).

    `deadline` (not for per_year): the end of the period when `target` is a milestone of a
    year before 2027 (the year's value of a cumulative or share target, e.g. 10 % every year):
    time elapsed, the forecast and "the period is over" then run from 2025-01-01 to it, so a
    milestone missed when its year is over is OFF_TRACK rather than judged against 2027.

    Raises
    ------
    ValueError
        An unknown kind or bound, or a `level` outside (0, 1).
    """
    if bound not in BOUNDS:
        raise ValueError(f"unknown bound {bound!r}")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    end = PLAN_END if deadline is None or kind == "per_year" else min(deadline, PLAN_END)
    elapsed = time_elapsed(kind=kind, year=year, as_of=as_of, end=end)
    first, deadline = _period(kind=kind, year=year, start=PLAN_START, end=end)
    used = _points_counted(points, kind=kind, first=first, last=deadline, as_of=as_of)
    actual = float(used[-1].value) if used else None
    if target is None or actual is None:
        reason = _no_data_reason(target=target, year=year, as_of=as_of)
        return Progress(actual, target, None, elapsed, None, Status.NO_DATA, reason)
    completion = _completion(kind=kind, actual=actual, target=target, baseline=baseline)
    start_value = 0.0 if kind == "per_year" else baseline
    outlook = forecast(used, until=deadline, baseline=start_value, start=first, level=level)
    assert outlook is not None  # `used` is not empty
    if kind in PERCENT_KINDS or percent:
        outlook = _capped(outlook, cap=PERCENT_CAP)
    check = _Check(bound, target, value_max, actual, completion, elapsed, outlook)
    status, reason = _status(check, over=max(used[-1].at, as_of) >= deadline)
    return Progress(actual, target, completion, elapsed, outlook, status, reason)


def allocate(
    total: float, weights: Mapping[str, float], *, integer: bool = True
) -> dict[str, float]:
    """Split `total` over the keys of `weights` in proportion to the weights.

    Exact share of key k: q_k = total · w_k / Σw (equal shares when every weight is 0). With
    `integer`, the largest-remainder (Hamilton) method: every key gets ⌊q_k⌋, and the units
    left over go one each to the keys with the largest fractional parts q_k − ⌊q_k⌋, ties to
    the key that sorts first. Each result is then within 1 of q_k and the results sum exactly
    to `total`. Without `integer` the exact shares as floats, the rounding residue added to the
    largest share, so the sum equals `total` up to float rounding. Computed in exact fractions;
    the result keeps the order of `weights`.

    Raises
    ------
    ValueError
        No weights; a negative or non-finite weight; a negative or non-finite total; a total
        that is not a whole number with `integer`.
    """
    _check_allocation(total, weights, integer=integer)
    quotas = _quotas(total, weights)
    if integer:
        return _largest_remainder(quotas, int(total))
    return _float_shares(quotas, total)


# --- time ---------------------------------------------------------------------------------


def _period(*, kind: str, year: int, start: date, end: date) -> tuple[date, date]:
    if kind == "per_year":
        return date(year, 1, 1), date(year, 12, 31)
    return start, end


def _years(at: date, *, start: date) -> float:
    return ((at - start).days + 1) / DAYS_PER_YEAR


# --- forecast -------------------------------------------------------------------------------


def _series(points: Sequence[Point], *, baseline: float | None, start: date) -> dict[float, float]:
    series = {} if baseline is None else {0.0: float(baseline)}
    for point in sorted(points, key=lambda point: point.at):
        series[_years(point.at, start=start)] = float(point.value)
    return dict(sorted(series.items()))


def _linear(
    x: np.ndarray, y: np.ndarray, *, x_until: float, level: float
) -> tuple[float, float, str]:
    n = x.size
    x_mean, y_mean = float(x.mean()), float(y.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum()) / sxx
    intercept = y_mean - slope * x_mean
    residuals = y - (intercept + slope * x)
    s = math.sqrt(float(residuals @ residuals) / (n - 2))
    se = s * math.sqrt(1 + 1 / n + (x_until - x_mean) ** 2 / sxx)
    half = t_quantile((1 + level) / 2, df=n - 2) * se
    return intercept + slope * x_until, half, "linear"


def _two_points(x: np.ndarray, y: np.ndarray, *, x_until: float) -> tuple[float, float, str]:
    slope = float((y[1] - y[0]) / (x[1] - x[0]))
    value = float(y[1]) + slope * (x_until - float(x[1]))
    return value, TWO_POINTS_SPREAD * abs(value - float(y[1])), "two_points"


def _single_point(x: float, y: float, *, x_until: float) -> tuple[float, float, str]:
    if x <= 0:
        return y, SINGLE_POINT_SPREAD * abs(y), "single_point"
    value = y * x_until / x
    return value, SINGLE_POINT_SPREAD * abs(value - y), "single_point"


def _capped(outlook: Forecast, *, cap: float) -> Forecast:
    return replace(
        outlook,
        value=min(outlook.value, cap),
        low=min(outlook.low, cap),
        high=min(outlook.high, cap),
    )


# --- progress and status --------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    bound: str
    target: float
    value_max: float | None
    actual: float
    completion: float | None
    elapsed: float
    outlook: Forecast


def _points_counted(
    points: Sequence[Point], *, kind: str, first: date, last: date, as_of: date
) -> list[Point]:
    counted = [point for point in points if point.at <= as_of]
    if kind == "per_year":
        counted = [point for point in counted if first <= point.at <= last]
    return sorted(counted, key=lambda point: point.at)


def _completion(*, kind: str, actual: float, target: float, baseline: float | None) -> float | None:
    base = 0.0 if kind == "per_year" or baseline is None else baseline
    needed = target - base
    if needed <= 0:
        return None
    return max((actual - base) / needed, 0.0)


def meets(value: float, *, bound: str, target: float) -> bool:
    """Does `value` meet `target` under `bound`: ≥ target, or ≥ 95 % of it for "about"."""
    return value >= (ABOUT_SHARE * target if bound == "about" else target)


def _status(check: _Check, *, over: bool) -> tuple[Status, str]:
    c, goal = check, _goal(check)
    done, elapsed = _share(c.completion), _share(c.elapsed)
    outlook = _outlook(c.outlook)
    if meets(c.actual, bound=c.bound, target=c.target):
        text = f"Actual {_num(c.actual)} meets the target of {goal}: completion {done}"
        return Status.ACHIEVED, f"{text} with {elapsed} of time elapsed; {outlook}."
    if over:
        text = f"The period ended with {_num(c.actual)}, short of the target of {goal}"
        return Status.OFF_TRACK, f"{text}: completion {done}; {outlook}."
    behind = f"Completion {done} is behind the {elapsed} of time elapsed"
    if c.completion is not None and c.completion >= c.elapsed:
        text = f"Completion {done} is not behind the {elapsed} of time elapsed; {outlook}"
        return Status.ON_TRACK, f"{text} for a target of {goal}."
    if meets(c.outlook.value, bound=c.bound, target=c.target):
        return Status.ON_TRACK, f"{behind}, but {outlook}, meeting the target of {goal}."
    if meets(c.outlook.high, bound=c.bound, target=c.target):
        text = f"{behind} and {outlook}, short of the target of {goal}"
        return Status.AT_RISK, f"{text}; only the interval's upper end reaches it."
    if c.completion is not None and c.completion >= AT_RISK_SHARE * c.elapsed:
        text = f"{behind} but above 80 % of it; {outlook}"
        return Status.AT_RISK, f"{text}, short of the target of {goal}."
    text = f"Completion {done} is below 80 % of the {elapsed} of time elapsed and {outlook}"
    return Status.OFF_TRACK, f"{text}, short of the target of {goal} even at the upper end."


def _no_data_reason(*, target: float | None, year: int, as_of: date) -> str:
    if target is None:
        return f"The plan sets no target value for {year}."
    return f"No actual value has been reported up to {as_of.isoformat()}."


def _goal(check: _Check) -> str:
    target = _num(check.target)
    if check.bound == "at_least":
        return f"at least {target}"
    if check.bound == "about":
        return f"about {target} (met from {_num(ABOUT_SHARE * check.target)})"
    if check.bound == "range" and check.value_max is not None:
        return f"{target}–{_num(check.value_max)}"
    return target


def _outlook(outlook: Forecast) -> str:
    method = METHOD_WORDS.get(outlook.method, outlook.method)
    level = f"{100 * outlook.level:g} %"
    interval = f"{level} interval {_num(outlook.low)}–{_num(outlook.high)}"
    return (
        f"the {method} forecast for {outlook.at.isoformat()} is {_num(outlook.value)} ({interval})"
    )


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _num(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# --- allocation -------------------------------------------------------------------------------


def _check_allocation(total: float, weights: Mapping[str, float], *, integer: bool) -> None:
    if not weights:
        raise ValueError("no weights to allocate over")
    bad = sorted(key for key, w in weights.items() if not (math.isfinite(w) and w >= 0))
    if bad:
        raise ValueError(f"weights must be finite and >= 0: {', '.join(bad)}")
    if not (math.isfinite(total) and total >= 0):
        raise ValueError("total must be finite and >= 0")
    if integer and not float(total).is_integer():
        raise ValueError("total must be a whole number when integer=True")


def _quotas(total: float, weights: Mapping[str, float]) -> dict[str, Fraction]:
    exact = {key: Fraction(w) for key, w in weights.items()}
    whole = sum(exact.values(), Fraction(0))
    if whole == 0:
        exact, whole = dict.fromkeys(weights, Fraction(1)), Fraction(len(weights))
    return {key: Fraction(total) * w / whole for key, w in exact.items()}


def _largest_remainder(quotas: Mapping[str, Fraction], total: int) -> dict[str, float]:
    shares = {key: math.floor(q) for key, q in quotas.items()}
    left = total - sum(shares.values())
    order = sorted(quotas, key=lambda key: (-(quotas[key] - shares[key]), key))
    for key in order[:left]:
        shares[key] += 1
    return {key: float(share) for key, share in shares.items()}


def _float_shares(quotas: Mapping[str, Fraction], total: float) -> dict[str, float]:
    shares = {key: float(q) for key, q in quotas.items()}
    largest = min(quotas, key=lambda key: (-quotas[key], key))
    shares[largest] += total - sum(shares.values())
    return shares
