"""The yearly evaluation pack (年度评估) of the plan's targets as an XLSX workbook (openpyxl).

Sheets: 目标进展 (every target of the plan for the province: values, actual with its date, source
and evidence, completion against time elapsed, status, forecast with its interval), 分市进展
(every target × city, ranked), 重点任务 (the 20 tasks with their departments and status),
目标调整 (every adjustment of a target with its reason) and 说明 (how the figures are made, and
when the pack was generated). Every figure comes from targets.selectors, the same reads the
pages use. Text a spreadsheet would run as a formula is escaped (registry.exports.cell_escape).

The pack names the evidence of approved reports (file names and descriptions), which only the
province sees on the pages (selectors.reports_for_user): the web export and the printable page
are the province's (targets/policy.yaml). Callers audit the export (action targets.export).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from monitoring.definitions import coverage_definition
from monitoring.models import CoverageSnapshot
from monitoring.selectors import snapshot_current
from registry.exports import cell_escape
from registry.models import Region
from targets import actuals, display, selectors
from targets.models import Report, Target, TargetRevision
from targets.progress import ABOUT_SHARE, AT_RISK_SHARE, Status
from targets.reasons import reason_text
from targets.selectors import Breakdown, TargetRow, TaskSummary

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ("目标进展", "分市进展", "重点任务", "目标调整", "说明")
STATUS_LABELS: dict[str, tuple[str, str]] = {
    Status.ACHIEVED: ("达成", "achieved"),
    Status.ON_TRACK: ("正常推进", "on track"),
    Status.AT_RISK: ("有风险", "at risk"),
    Status.OFF_TRACK: ("滞后", "off track"),
    Status.NO_DATA: ("暂无数据", "no data"),
}
ORIGIN_LABELS = {
    "plan": "规划目标值 (plan)",
    "allocation": "分解目标值 (allocation)",
    "each_city": "每市同一目标 (each city)",
    "none": "未设定 (none)",
}
SOURCE_LABELS = {
    "monitoring": "平台计算：监测快照 (computed: coverage snapshot)",
    "recognition": "平台计算：认定记录 (computed: recognitions)",
    "report": "上报 (reported)",
    "report_sum": "上报：各市之和 (reported: sum of the cities)",
    "lowest_city": "各市最低值 (the lowest city)",
    "none": "暂无 (none)",
}
METHOD_LABELS = {
    "linear": "线性趋势 (linear trend)",
    "two_points": "两点外推 (two points)",
    "single_point": "单点外推 (single point)",
}
PERCENT = "0.0%"
NUMBER = "#,##0.##"
BOLD = Font(bold=True)


def status_label(status: str) -> str:
    """The status in Chinese and English: "正常推进 / on track"."""
    zh, en = STATUS_LABELS.get(status, (status, status))
    return f"{zh} / {en}"


@dataclass(frozen=True)
class CitySummary:
    """One city across every target: how many targets are in each status."""

    region: Region
    counts: dict[str, int]


@dataclass(frozen=True)
class EvaluationPack:
    """Everything the workbook and the printable page show, read once."""

    year: int
    today: datetime.date
    as_of: datetime.date
    generated_at: datetime.datetime
    snapshot: CoverageSnapshot | None
    rows: list[TargetRow]
    evidence: dict[str, list[str]]
    tasks: list[TaskSummary]
    counts: dict[str, int]
    breakdowns: list[Breakdown]
    cities: list[CitySummary]

    @property
    def notes(self) -> list[Note]:
        return method_notes(snapshot=self.snapshot)


def evaluation_pack(*, year: int, today: datetime.date | None = None) -> EvaluationPack:
    """The figures of `year` (2025–2027) read at `today` (default: today; a past year is read
    at its end): every target for the province, every target across the cities, the tasks."""
    if year not in selectors.PLAN_YEARS:
        raise ValueError(f"year must be one of {selectors.PLAN_YEARS}")
    today = today or timezone.localdate()
    breakdowns = selectors.target_breakdowns(year=year, today=today)
    rows = [breakdown.province for breakdown in breakdowns]
    snapshot = snapshot_current()
    return EvaluationPack(
        year=year,
        today=today,
        as_of=min(today, datetime.date(year, 12, 31)),
        generated_at=timezone.localtime(),
        snapshot=snapshot,
        rows=rows,
        evidence=_evidence(rows, year=year, snapshot=snapshot),
        tasks=selectors.task_summaries(rows),
        counts=selectors.status_counts(rows),
        breakdowns=breakdowns,
        cities=_city_summaries(breakdowns),
    )


def _city_summaries(breakdowns: Sequence[Breakdown]) -> list[CitySummary]:
    by_city: dict[str, list[TargetRow]] = {}
    regions: dict[str, Region] = {}
    for breakdown in breakdowns:
        for row in breakdown.cities:
            by_city.setdefault(row.region.code, []).append(row)
            regions[row.region.code] = row.region
    return [
        CitySummary(regions[code], selectors.status_counts(by_city[code]))
        for code in sorted(by_city)
    ]


def progress_workbook(*, year: int, today: datetime.date | None = None) -> bytes:
    """The evaluation pack of `year` (2025–2027) as XLSX bytes; `today` fixes the date the
    figures are read at (default: today; a past year is read at its end)."""
    pack = evaluation_pack(year=year, today=today)
    workbook = Workbook()
    progress_sheet = workbook.active
    progress_sheet.title = SHEETS[0]
    _write_progress(progress_sheet, pack)
    _write_cities(workbook.create_sheet(SHEETS[1]), pack)
    _write_tasks(workbook.create_sheet(SHEETS[2]), pack)
    _write_revisions(workbook.create_sheet(SHEETS[3]))
    _write_method(workbook.create_sheet(SHEETS[4]), pack)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- cells ------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return cell_escape(value)
    return value


def _table(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str] | None = None,
) -> None:
    """A header row (bold, frozen) and the rows; `formats`: column index (0-based) → number
    format."""
    sheet.append([_cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = BOLD
    for values in rows:
        sheet.append([_cell(v) for v in values])
        for index, number_format in (formats or {}).items():
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = number_format
    sheet.freeze_panes = "A2"


def _yes_no(value: bool) -> str:
    return "是 (yes)" if value else "否 (no)"


# --- evidence ----------------------------------------------------------------------------------


def _counted_report_ids(
    row: TargetRow, year: int, *, codes: list[str], approved: dict[str, list[Report]]
) -> list[int]:
    """The approved reports the row's actual is made of: the report behind the latest value, or
    for a sum of the cities (`codes`) each city's latest report up to that date (none for a
    per-year target without a figure for the year). `approved`: actuals.approved_reports_load,
    read once for every row."""
    latest = display.current(row)
    if latest is None:
        return []
    if row.source in ("report", "lowest_city"):
        return [latest.report_id] if latest.report_id is not None else []
    if row.source != "report_sum":
        return []
    reports = approved.get(row.target.code, [])
    series = actuals.report_series(reports, region_codes=codes, year=year)
    per_year = row.target.kind == Target.Kind.PER_YEAR
    ids = []
    for code in codes:
        known = [
            o
            for o in series.get(code, [])
            if o.at <= latest.at and (o.year == latest.year or not per_year)
        ]
        if known and known[-1].report_id is not None:
            ids.append(known[-1].report_id)
    return ids


def _report_evidence(report: Report) -> str:
    files = "、".join(e.original_name for e in report.evidence.all()) or "—"
    text = report.evidence_text or "—"
    return (
        f"#{report.pk} {report.region.name} {report.year}Q{report.quarter} = {report.value:g}"
        f"（{report.department or report.submitted_by.username}）"
        f"；文件 (files): {files}；说明 (description): {text}"
    )


def _computed_evidence(row: TargetRow, snapshot: CoverageSnapshot | None) -> str:
    figure = row.target.figure or {}
    if figure.get("source") == "recognition":
        return (
            f"认定记录：{figure.get('application_type', '')} 已认定数，截至 {row.year} 年 "
            f"(recognised applications up to {row.year})"
        )
    latest = row.latest
    if latest is None or latest.snapshot_id is None:
        return "尚无监测快照 (no coverage snapshot)"
    finished = ""
    if snapshot is not None and snapshot.pk == latest.snapshot_id and snapshot.finished_at:
        finished = timezone.localtime(snapshot.finished_at).strftime("%Y-%m-%d %H:%M")
    detail = ""
    if latest.denominator:
        detail = f"；{latest.numerator:g} / {latest.denominator:g}"
    return (
        f"监测快照 (coverage snapshot) #{latest.snapshot_id}，完成于 (finished) {finished}{detail}"
    )


def _evidence(
    rows: Sequence[TargetRow], *, year: int, snapshot: CoverageSnapshot | None
) -> dict[str, list[str]]:
    """Target code → evidence lines: computed targets name the snapshot, reported targets list
    their counted approved reports with evidence file names and descriptions."""
    codes = [city.code for city in selectors.cities()]
    approved = actuals.approved_reports_load(year=year)
    counted = {
        row.target.code: _counted_report_ids(row, year, codes=codes, approved=approved)
        for row in rows
    }
    ids = {pk for values in counted.values() for pk in values}
    reports = {
        r.pk: r
        for r in Report.objects.filter(pk__in=ids)
        .select_related("region", "submitted_by")
        .prefetch_related("evidence")
    }
    evidence = {}
    for row in rows:
        if row.target.is_computed:
            evidence[row.target.code] = [_computed_evidence(row, snapshot)]
        else:
            lines = [_report_evidence(reports[pk]) for pk in counted[row.target.code]]
            evidence[row.target.code] = lines or ["—"]
    return evidence


# --- sheets ------------------------------------------------------------------------------------


def _figure_name(target: Target) -> str:
    """What the actual is: the computed figure named, or 上报."""
    figure = target.figure or {}
    if not target.is_computed:
        return "上报 (reported)"
    if figure.get("source") == "recognition":
        return f"平台计算：认定 {figure.get('application_type', '')} (computed: recognitions)"
    definition = coverage_definition()
    try:
        metric = definition.metric(figure.get("metric", "")).name.get("zh", "")
    except KeyError:
        metric = figure.get("metric", "")
    populations = {p.code: p.name.get("zh", p.code) for p in definition.populations}
    population = populations.get(figure.get("population", ""), figure.get("population", ""))
    measure = "占比" if figure.get("measure") == "share" else "数量"
    return (
        f"平台计算：{population}·{metric}（{measure}） "
        f"(computed: {figure.get('population')}/{figure.get('metric')}, {figure.get('measure')})"
    )


PROGRESS_HEADER = (
    "任务 (task)",
    "编码 (code)",
    "目标名称 (target)",
    "单位 (unit)",
    "类型 (kind)",
    "约束 (bound)",
    "年度目标值 (target value)",
    "2027年目标值 (2027 value)",
    "实际值 (actual)",
    "截至日期 (as of)",
    "来源 (source)",
    "佐证 (evidence)",
    "完成进度 (completion)",
    "时序进度 (time elapsed)",
    "状态 (status)",
    "状态说明 (reason)",
    "预测值 (forecast)",
    "预测区间下限 (low)",
    "预测区间上限 (high)",
    "置信水平 (level)",
    "预测方法 (method)",
    "已核实 (verified)",
    "目标表述 (target as stated)",
)


def source_text(row: TargetRow) -> str:
    """Where the row's actual comes from: the computed figure named, or how it was reported."""
    if not row.target.is_computed:
        return SOURCE_LABELS.get(row.source, row.source)
    source = _figure_name(row.target)
    if row.source == "lowest_city":
        source += "；" + SOURCE_LABELS["lowest_city"]
    return source


def _reason(row: TargetRow) -> str:
    """The status reason in Chinese, then in English (the pack is bilingual)."""
    with translation.override("zh-hans"):
        chinese = reason_text(row)
    return f"{chinese}\n{row.progress.reason}"


def _progress_row(row: TargetRow, pack: EvaluationPack) -> list[Any]:
    target, result, latest = row.target, row.progress, display.current(row)
    outlook = result.forecast
    source = source_text(row)
    return [
        f"{target.task_id}. {target.task.title_zh}",
        target.code,
        target.name_zh,
        target.unit,
        f"{target.get_kind_display()} ({target.kind})",
        f"{target.get_bound_display()} ({target.bound})",
        row.value,
        target.value_2027,
        result.actual,
        latest.at if latest else None,
        source,
        "\n".join(pack.evidence.get(target.code, [])),
        result.completion,
        result.time_elapsed,
        status_label(result.status),
        _reason(row),
        outlook.value if outlook else None,
        outlook.low if outlook else None,
        outlook.high if outlook else None,
        outlook.level if outlook else None,
        METHOD_LABELS.get(outlook.method, outlook.method) if outlook else "",
        _yes_no(target.verified),
        display.goal(target, row.value),
    ]


def _write_progress(sheet: Worksheet, pack: EvaluationPack) -> None:
    formats = {6: NUMBER, 7: NUMBER, 8: NUMBER, 9: "yyyy-mm-dd", 12: PERCENT, 13: PERCENT}
    formats.update({16: NUMBER, 17: NUMBER, 18: NUMBER, 19: "0%"})
    _table(sheet, PROGRESS_HEADER, (_progress_row(r, pack) for r in pack.rows), formats)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=12, max_col=12):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in {"A": 28, "B": 30, "C": 30, "K": 36, "L": 60, "O": 16, "P": 50}.items():
        sheet.column_dimensions[column].width = width


CITY_HEADER = (
    "编码 (code)",
    "目标名称 (target)",
    "单位 (unit)",
    "设区市代码 (city code)",
    "设区市 (city)",
    "目标值 (target value)",
    "目标值来源 (origin)",
    "实际值 (actual)",
    "截至日期 (as of)",
    "完成进度 (completion)",
    "状态 (status)",
    "排名 (rank)",
)


def _city_rows(pack: EvaluationPack) -> Iterable[list[Any]]:
    for breakdown in pack.breakdowns:
        ranks = display.ranks(breakdown.cities, completion_only=True)
        for row, rank in zip(breakdown.cities, ranks, strict=True):
            figure = display.current(row)
            yield [
                row.target.code,
                row.target.name_zh,
                row.target.unit,
                row.region.code,
                row.region.name,
                row.value,
                ORIGIN_LABELS.get(row.value_origin, row.value_origin),
                row.progress.actual,
                figure.at if figure else None,
                row.progress.completion,
                status_label(row.progress.status),
                rank,
            ]


def _write_cities(sheet: Worksheet, pack: EvaluationPack) -> None:
    formats = {5: NUMBER, 7: NUMBER, 8: "yyyy-mm-dd", 9: PERCENT}
    _table(sheet, CITY_HEADER, _city_rows(pack), formats)
    for column, width in {"A": 30, "B": 30, "E": 12, "G": 22, "K": 16}.items():
        sheet.column_dimensions[column].width = width


TASK_HEADER = (
    "序号 (no.)",
    "篇章 (part)",
    "任务名称 (task)",
    "Task",
    "牵头部门 (lead)",
    "配合部门 (cooperating)",
    "量化目标数 (targets)",
    "达成 (achieved)",
    "正常推进 (on track)",
    "有风险 (at risk)",
    "滞后 (off track)",
    "暂无数据 (no data)",
    "状态 (status)",
)


def _write_tasks(sheet: Worksheet, pack: EvaluationPack) -> None:
    rows = []
    for summary in pack.tasks:
        task = summary.task
        counts = selectors.status_counts(summary.rows)
        rows.append(
            [
                task.number,
                task.part,
                task.title_zh,
                task.title_en,
                task.lead,
                "、".join(task.cooperating),
                len(summary.rows),
                counts[Status.ACHIEVED],
                counts[Status.ON_TRACK],
                counts[Status.AT_RISK],
                counts[Status.OFF_TRACK],
                counts[Status.NO_DATA],
                status_label(summary.status) if summary.rows else "无量化目标 (no target)",
            ]
        )
    _table(sheet, TASK_HEADER, rows)
    for column, width in {"C": 30, "D": 36, "E": 20, "F": 40, "M": 18}.items():
        sheet.column_dimensions[column].width = width


REVISION_HEADER = (
    "编码 (code)",
    "目标名称 (target)",
    "版本 (version)",
    "调整内容 (changes)",
    "调整理由 (reason)",
    "调整人 (by)",
    "调整时间 (at)",
)


def _changes_text(changes: dict[str, Any]) -> str:
    return "；".join(f"{field}: {before} → {after}" for field, (before, after) in changes.items())


def _write_revisions(sheet: Worksheet) -> None:
    revisions = TargetRevision.objects.select_related("target", "changed_by").order_by(
        "target__task", "target__position", "version"
    )
    rows = [
        [
            r.target_id,
            r.target.name_zh,
            r.version,
            _changes_text(r.changes),
            r.reason,
            r.changed_by.username,
            timezone.localtime(r.changed_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for r in revisions
    ]
    if not rows:
        rows = [["—", "尚无目标调整 (no target was adjusted)", None, "", "", "", ""]]
    _table(sheet, REVISION_HEADER, rows)
    for column, width in {"A": 30, "B": 30, "D": 50, "E": 50}.items():
        sheet.column_dimensions[column].width = width


@dataclass(frozen=True)
class Note:
    topic: str
    zh: str
    en: str


def method_notes(*, snapshot: CoverageSnapshot | None) -> list[Note]:
    """How the figures are made: the 说明 sheet and the printable page."""
    about, risk = f"{ABOUT_SHARE:.0%}", f"{AT_RISK_SHARE:.0%}"
    if snapshot is None:
        snap_zh, snap_en = "尚无监测快照", "No coverage snapshot yet."
    else:
        finished = timezone.localtime(snapshot.finished_at or snapshot.created_at)
        snap_zh = f"#{snapshot.pk}，完成于 {finished:%Y-%m-%d %H:%M}"
        snap_en = f"#{snapshot.pk}, finished {finished:%Y-%m-%d %H:%M}."
    return [
        Note(
            "完成进度 (completion)",
            "（实际值 − 基期值）/（目标值 − 基期值），无基期值时基期为 0；"
            "每年目标为 实际值 / 当年目标值。",
            "(actual − baseline) / (target − baseline), baseline 0 when the plan gives none; "
            "per-year targets: actual / the year's value.",
        ),
        Note(
            "时序进度 (time elapsed)",
            "目标期内已过天数 / 总天数；每年目标的目标期为当年，其余为 2025-01-01 至 2027-12-31。",
            "Days of the target's period gone by / days in the period (the calendar year for a "
            "per-year target, else 2025-01-01 to 2027-12-31).",
        ),
        Note(
            "状态 (status)",
            "依次判断：无目标值或无实际值为暂无数据；"
            f"实际值达到目标（约数目标达到 {about}）为达成；"
            "期末仍未达到为滞后；完成进度不低于时序进度或预测值达到目标为正常推进；"
            f"预测区间上限达到目标或完成进度不低于时序进度的 {risk} 为有风险；其余为滞后。"
            "重点任务的状态为其最差目标的状态。",
            f"The first that applies: no data; achieved (an 'about' target from {about}); the "
            "period is over → off track; completion ≥ time elapsed or the forecast meets the "
            f"target → on track; the interval's upper end meets it or completion ≥ {risk} of "
            "time elapsed → at risk; otherwise off track. A task takes its worst target's status.",
        ),
        Note(
            "预测 (forecast)",
            "按实际值的线性趋势外推到期末："
            "三个及以上观测用最小二乘直线和 Student t 预测区间（80%）；"
            "两个观测用两点连线，区间为预计增量的 ±50%；一个观测按起点以来的平均速度，区间 ±100%。"
            "不小于 0，占比类目标不超过 100。",
            "A linear trend to the deadline: least squares with an 80 % Student t prediction "
            "interval (three or more observations), the line through two points (± 50 % of the "
            "projected change), or one point's average rate since the start (± 100 %). Never "
            "below 0; shares are capped at 100.",
        ),
        Note(
            "数据来源 (sources)",
            "平台计算的目标取当前覆盖率监测快照（与监测看板同一数据）或认定记录；上报的目标取审核通过的"
            "上报（每季度最新一份），省级数未上报时为各市之和；每个设区市考核的目标，省级数为各市最低值。",
            "Computed targets: the current coverage snapshot (the dashboards' figures) or the "
            "recognitions. Reported targets: approved reports (per quarter the latest approved "
            "one); a province figure nobody reported is the cities' sum; an each-city target's "
            "province figure is the lowest city's.",
        ),
        Note("监测快照 (coverage snapshot)", snap_zh, snap_en),
    ]


def _write_method(sheet: Worksheet, pack: EvaluationPack) -> None:
    generated = pack.generated_at.strftime("%Y-%m-%d %H:%M:%S")
    facts = [
        ("年度 (year)", str(pack.year)),
        ("数据截至 (figures as of)", pack.as_of.isoformat()),
        ("生成时间 (generated at)", generated),
        ("目标数 (targets)", str(len(pack.rows))),
        *((note.topic, f"{note.zh}\n{note.en}") for note in pack.notes),
    ]
    for number, (label, value) in enumerate(facts, start=1):
        sheet.cell(row=number, column=1, value=_cell(label)).font = BOLD
        cell = sheet.cell(row=number, column=2, value=_cell(value))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 120
