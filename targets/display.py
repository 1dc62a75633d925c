"""How the target tracker's pages show a target row (targets.selectors.TargetRow): the target value
with its bound and unit, the actual with its date and source, completion against time elapsed, the
status with its reason, the forecast with its interval; and the ECharts-ready data of the pages'
charts (a target's trend, its cities' completion, a city's completion by part of the plan).

Formatting only: every figure comes from the selectors, nothing is computed from the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from targets.actuals import Observation
from targets.models import Allocation, PlanTask, Target
from targets.progress import PLAN_END, PLAN_START
from targets.reasons import reason_text
from targets.selectors import TargetRow, TaskSummary

PART_TITLES = {
    "一": gettext_lazy("实施智能工厂梯度建设行动"),
    "二": gettext_lazy("实施中小企业数字化转型行动"),
    "三": gettext_lazy("实施数字基础设施升级行动"),
    "四": gettext_lazy("实施人工智能赋能应用行动"),
    "五": gettext_lazy("实施工业网络和数据安全保障行动"),
    "六": gettext_lazy("实施发展环境优化提升行动"),
}
STATUS_LABELS = {
    "achieved": gettext_lazy("达成"),
    "on_track": gettext_lazy("正常推进"),
    "at_risk": gettext_lazy("有风险"),
    "off_track": gettext_lazy("滞后"),
    "no_data": gettext_lazy("暂无数据"),
}
ORIGIN_LABELS = {
    "plan": gettext_lazy("规划目标"),
    "each_city": gettext_lazy("每市同一目标"),
    "none": gettext_lazy("未分解"),
    Allocation.Method.PROPORTIONAL: gettext_lazy("按规上企业数分解"),
    Allocation.Method.SET: gettext_lazy("人工设定"),
}


def _digits(value: float, places: int) -> str:
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: float | None, unit: str = "") -> str:
    """12.345 % → "12.3%", 50 % → "50%"; 10000 家 → "10,000 家"; 2.5 EFLOPS → "2.5 EFLOPS";
    None → "—"."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{_digits(value, 1)}%"
    return f"{_digits(value, 2)} {unit}".strip()


def number_below(value: float | None, goal: float | None, unit: str = "") -> str:
    """`number`, except that a value below `goal` is cut, not rounded, where rounding would make
    it read as the goal: 59.97 % of 60 % is "59.9%", not "60%" (the target is not reached)."""
    text = number(value, unit)
    if value is None or goal is None or value >= goal or text != number(goal, unit):
        return text
    scale = 10 ** (1 if unit == "%" else 2)
    return number(math.floor(value * scale) / scale, unit)


def estimate(value: float, unit: str = "") -> str:
    """A forecast figure: one decimal for shares and small numbers, none from 100 up."""
    places = 0 if unit != "%" and abs(value) >= 100 else 1
    return f"{value:,.{places}f}{unit if unit == '%' else ''}"


def percent(share: float | None) -> float | None:
    """A share (0.482) as a percentage rounded for display (48.2); below 1, never 100 (0.9996
    is 99.9: a completion short of the target does not read as complete)."""
    if share is None:
        return None
    value = round(100 * share, 1)
    return min(value, 99.9) if share < 1 else value


def current(row: TargetRow) -> Observation | None:
    """The row's latest figure that counts for its year: a per-year target's figure of an
    earlier year is not this year's actual (the page, the ranking and the exports show none)."""
    latest = row.latest
    per_year = row.target.progress_kind == Target.Kind.PER_YEAR
    if latest is None or (per_year and latest.year != row.year):
        return None
    return latest


def ranks(rows: Sequence[TargetRow], *, completion_only: bool = False) -> list[int | None]:
    """Competition ranks (1, 1, 3) of the rows by completion, then by actual: rows with the same
    figures share a rank. A row without a figure for its year has no rank; with
    `completion_only` (the API, the workbook), neither has a row without a completion."""
    keys: list[tuple[int, float, float] | None] = []
    for row in rows:
        figure, completion = current(row), row.progress.completion
        if figure is None or (completion_only and completion is None):
            keys.append(None)
        else:
            keys.append((0 if completion is not None else 1, -(completion or 0.0), -figure.value))
    ranked = [key for key in keys if key is not None]
    return [None if k is None else 1 + sum(1 for other in ranked if other < k) for k in keys]


def goal(target: Target, value: float | None, *, whole_range: bool = True) -> str:
    """The target value as the plan states it: 约 50%, 不少于 10,000 家, 2–3 个 (a range; for a
    city or county, `whole_range` False, the share of its lower end only)."""
    if value is None:
        return _("未设定")
    if whole_range and target.bound == Target.Bound.RANGE and target.value_max is not None:
        text = f"{number(value)}–{number(target.value_max, target.unit)}"
    else:
        plain = target.bound in (Target.Bound.EXACTLY, Target.Bound.RANGE)
        bound = "" if plain else f"{target.get_bound_display()} "
        text = f"{bound}{number(value, target.unit)}"
    if target.kind == Target.Kind.PER_YEAR:
        text = _("每年%(goal)s") % {"goal": text}
    return text


def _source(row: TargetRow) -> tuple[str, str]:
    """The label of where the actual comes from, and its detail (cities reporting, lowest city)."""
    parts = row.note.split("|") if row.note else []
    if row.source in ("monitoring", "recognition"):
        return _("平台计算"), ""
    if row.source == "report":
        return (_("部门上报") if row.region.level == "province" else _("本地上报")), ""
    if row.source == "report_sum" and len(parts) == 2:
        return _("各市上报汇总"), _("%(n)s/%(total)s 市") % {"n": parts[0], "total": parts[1]}
    if row.source == "lowest_city" and len(parts) == 3:
        detail = _("最低市：%(city)s，%(n)s/%(total)s 市达标")
        return _("最低市"), detail % {"city": parts[0], "n": parts[1], "total": parts[2]}
    return _("暂无数据"), ""


def forecast_text(row: TargetRow) -> str:
    """预计 48.2%（41.0–55.3）, 预计 181 家（173–190）."""
    outlook = row.progress.forecast
    if outlook is None:
        return ""
    unit = row.target.unit
    value = estimate(outlook.value, unit) + ("" if unit == "%" else f" {unit}")
    interval = f"{estimate(outlook.low)}–{estimate(outlook.high)}"
    return _("预计 %(value)s（%(interval)s）") % {"value": value, "interval": interval}


@dataclass(frozen=True)
class RowView:
    """One target row as a page shows it."""

    row: TargetRow
    goal: str
    actual: str
    actual_title: str
    source: str
    source_detail: str
    completion: float | None  # %
    elapsed: float  # %
    status: str
    status_label: str
    reason: str
    forecast: str
    forecast_title: str
    rank: int | None = None
    origin: str = ""
    figure: Observation | None = None  # the actual's observation (display.current)

    @property
    def target(self) -> Target:
        return self.row.target

    @property
    def bar_completion(self) -> float:
        return min(self.completion or 0.0, 100.0)


def _actual_title(row: TargetRow) -> str:
    latest = current(row)
    if latest is None or latest.numerator is None or row.target.unit != "%":
        return ""
    return f"{number(latest.numerator)} / {number(latest.denominator)}"


def _forecast_title(row: TargetRow) -> str:
    outlook = row.progress.forecast
    if outlook is None:
        return ""
    return _("%(at)s 的预测值，%(level)s%% 预测区间（%(n)s 个观测点）") % {
        "at": outlook.at.isoformat(),
        "level": f"{100 * outlook.level:g}",
        "n": outlook.n_points,
    }


def origin_text(row: TargetRow, allocations: dict[str, str]) -> str:
    """How the region's target value was set; `allocations`: region code → the split's words."""
    if row.value_origin == "allocation":
        return allocations.get(row.region.code, "")
    return str(ORIGIN_LABELS.get(row.value_origin, ""))


def row_view(row: TargetRow, *, rank: int | None = None, origin: str = "") -> RowView:
    source, detail = _source(row)
    figure = current(row)
    unit = row.target.unit
    return RowView(
        row=row,
        goal=goal(row.target, row.value, whole_range=row.region.level == "province"),
        actual=number_below(figure.value, row.value, unit) if figure else "",
        actual_title=_actual_title(row),
        source=source,
        source_detail=detail,
        completion=percent(row.progress.completion),
        elapsed=percent(row.progress.time_elapsed) or 0.0,
        status=row.status,
        status_label=str(STATUS_LABELS.get(row.status, row.status)),
        reason=reason_text(row),
        forecast=forecast_text(row),
        forecast_title=_forecast_title(row),
        rank=rank,
        origin=origin,
        figure=figure,
    )


@dataclass(frozen=True)
class TaskView:
    task: PlanTask
    rows: list[RowView]
    status: str
    status_label: str


def task_views(summaries: Iterable[TaskSummary]) -> list[TaskView]:
    return [
        TaskView(
            s.task,
            [row_view(r) for r in s.rows],
            s.status,
            str(STATUS_LABELS.get(s.status, s.status)),
        )
        for s in summaries
    ]


def parts(tasks: Sequence[TaskView]) -> list[dict[str, Any]]:
    """The plan's six parts, each with its tasks in order."""
    return [
        {"code": code, "title": title, "tasks": [t for t in tasks if t.task.part == code]}
        for code, title in PART_TITLES.items()
    ]


def groups(rows: Sequence[RowView]) -> list[dict[str, Any]]:
    """A scorecard's rows by part of the plan."""
    return [
        {"code": code, "title": title, "rows": [r for r in rows if r.target.task.part == code]}
        for code, title in PART_TITLES.items()
    ]


def status_cards(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"status": status, "label": STATUS_LABELS[status], "count": counts.get(status, 0)}
        for status in STATUS_LABELS
    ]


# --- chart data -----------------------------------------------------------------------------


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def trend_chart(row: TargetRow) -> dict[str, Any]:
    """A target's actuals over time with its target value and the forecast to the deadline.
    A per-year target shows the year of `row` only (its values are year to date)."""
    target, outlook = row.target, row.progress.forecast
    observations = row.observations
    start, end = PLAN_START.isoformat(), PLAN_END.isoformat()
    if target.kind == Target.Kind.PER_YEAR:
        observations = [o for o in observations if o.year == row.year]
        start, end = f"{row.year}-01-01", f"{row.year}-12-31"
    return {
        "unit": target.unit,
        "start": start,
        "end": end,
        "observations": [[o.at.isoformat(), _round(o.value)] for o in observations],
        "target": _round(row.value),
        "targetMax": _round(target.value_max) if target.bound == Target.Bound.RANGE else None,
        "forecast": None
        if outlook is None
        else {
            "at": outlook.at.isoformat(),
            "value": _round(outlook.value),
            "low": _round(outlook.low),
            "high": _round(outlook.high),
        },
        "labels": _trend_labels(),
    }


def _trend_labels() -> dict[str, str]:
    return {
        "actual": _("实际值"),
        "target": _("目标值"),
        "max": _("区间上限"),
        "forecast": _("预测"),
        "interval": _("预测区间"),
    }


def completion_chart(rows: Sequence[RowView]) -> dict[str, Any]:
    """The regions' completion (%) ranked, with time elapsed as a line; while no region has a
    target value (the target is not split yet), their actual values instead."""
    completion = any(r.completion is not None for r in rows)
    values = [
        r.completion if completion else _round(r.figure.value if r.figure else None) for r in rows
    ]
    actuals = not completion and any(v is not None for v in values)
    return {
        "has_data": any(v is not None for v in values),
        "categories": [r.row.region.name for r in rows],
        "values": values,
        "statuses": [r.status for r in rows],
        "unit": rows[0].target.unit if actuals else "%",
        "elapsed": rows[0].elapsed if completion else None,
        "title": _("各设区市实际值（目标尚未分解）") if actuals else _("各设区市完成进度"),
        "labels": {
            "completion": _("实际值") if actuals else _("完成进度"),
            "elapsed": _("时序进度"),
        },
    }


@dataclass(frozen=True)
class PartProgress:
    code: str
    title: str
    with_data: int
    completion: float | None
    elapsed: float | None


def part_progress(rows: Sequence[RowView]) -> list[PartProgress]:
    """Per part: the mean completion (capped at 100 %) and mean time elapsed of the targets with a
    completion figure."""
    result = []
    for code, title in PART_TITLES.items():
        measured = [r for r in rows if r.target.task.part == code and r.completion is not None]
        n = len(measured)
        result.append(
            PartProgress(
                code,
                str(title),
                n,
                round(sum(r.bar_completion for r in measured) / n, 1) if n else None,
                round(sum(r.elapsed for r in measured) / n, 1) if n else None,
            )
        )
    return result


def parts_chart(progress: Sequence[PartProgress]) -> dict[str, Any]:
    """Bars of completion by part with time elapsed as markers (static/js/charts/target_bar.js)."""
    return {
        "categories": [f"{p.code}、{p.title}" for p in progress],
        "unit": "%",
        "series": [
            {"name": _("平均完成进度"), "data": [p.completion for p in progress]},
            {"name": _("平均时序进度"), "data": [p.elapsed for p in progress], "marker": True},
        ],
    }
