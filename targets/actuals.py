"""The actuals of the plan's targets, as dated observations per region.

Computed targets read the platform's own figures: a monitoring figure (metric × population,
count or share) from the cells of the current coverage snapshot (monitoring.selectors.
snapshot_current) — the same numbers the monitoring dashboards show — or, for a recognition
figure, the recognised applications of a type (cumulative by certificate year). Reported targets
read the approved reports (the latest approved report of each quarter counts).

Each observation is dated: a year's value holds at the year's end, or at the snapshot's finish
time for the snapshot's own (still running) year; a report at its quarter's end.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from monitoring.models import CoverageCell, CoverageSnapshot
from recognition.models import Application
from targets.models import Report, Target

PLAN_START = datetime.date(2025, 1, 1)


@dataclass(frozen=True)
class Observation:
    """One value of a target's actual for one region."""

    year: int
    at: datetime.date
    value: float
    source: str  # "monitoring" | "recognition" | "report"
    numerator: float | None = None
    denominator: float | None = None
    report_id: int | None = None
    snapshot_id: int | None = None


Series = dict[str, list[Observation]]  # region code → observations, oldest first


def _observed_at(year: int, snapshot: CoverageSnapshot) -> datetime.date | None:
    """When a snapshot's figure for `year` holds: the year's end, or the snapshot's date during
    that year; None for a year the snapshot had not reached. The date is Jiangsu's (the local
    date, as the snapshot's years are): a UTC date would drop a snapshot's new-year figures
    during the first hours of 1 January."""
    finished = timezone.localdate(snapshot.finished_at or snapshot.created_at)
    if year < finished.year:
        return datetime.date(year, 12, 31)
    if year == finished.year:
        return finished
    return None


Cells = dict[str, list[tuple[int, dict[str, Any]]]]  # region code → [(year, figures)], by year


def cells_load(*, snapshot: CoverageSnapshot | None, year: int) -> Cells:
    """The snapshot's cells of every region (group: all enterprises) up to `year`, in one read."""
    cells: Cells = defaultdict(list)
    if snapshot is None:
        return cells
    rows = (
        CoverageCell.objects.filter(
            snapshot=snapshot, group_kind=CoverageCell.GroupKind.ALL, year__lte=year
        )
        .order_by("year")
        .values_list("region_code", "year", "figures")
    )
    for code, cell_year, figures in rows:
        cells[code].append((cell_year, figures or {}))
    return cells


def monitoring_series(
    target: Target,
    *,
    snapshot: CoverageSnapshot | None,
    cells: Cells,
    region_codes: Iterable[str],
    year: int,
) -> Series:
    """Observations of a computed monitoring target for each region up to `year`, from the
    snapshot's cells (`cells_load`)."""
    figure = target.figure or {}
    series: Series = defaultdict(list)
    if snapshot is None or figure.get("source") != "monitoring":
        return series
    metric, population = figure["metric"], figure["population"]
    for code in region_codes:
        for cell_year, figures in cells.get(code, []):
            at = _observed_at(cell_year, snapshot)
            if cell_year > year or at is None:
                continue
            numerator, denominator = figures.get(population, {}).get(metric, [0, 0])
            if figure["measure"] == "share":
                if not denominator:
                    continue
                value = 100.0 * numerator / denominator
            else:
                value = float(numerator)
            series[code].append(
                Observation(
                    year=cell_year,
                    at=at,
                    value=value,
                    source="monitoring",
                    numerator=float(numerator),
                    denominator=float(denominator),
                    snapshot_id=snapshot.pk,
                )
            )
    return series


def recognition_series(
    target: Target,
    *,
    region_codes: Iterable[str],
    level: str,
    year: int,
    today: datetime.date,
) -> Series:
    """Observations of a recognition target: recognised applications of the figure's type,
    cumulative by certificate year, per region (`level`: province, city or county)."""
    figure = target.figure or {}
    codes = list(region_codes)
    series: Series = defaultdict(list)
    if figure.get("source") != "recognition":
        return series
    key = {"province": None, "city": "enterprise__city_id", "county": "enterprise__county_id"}[
        level
    ]
    rows = Application.objects.filter(
        type=figure["application_type"],
        status=Application.Status.RECOGNISED,
        certificate_year__lte=year,
    )
    fields = ["certificate_year"] + ([key] if key else [])
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows.values(*fields).annotate(n=Count("id")):
        code = row[key] if key else codes[0]
        counts[code][row["certificate_year"]] += row["n"]
    last = min(year, today.year)
    for code in codes:
        by_year = counts.get(code, {})
        total = sum(n for y, n in by_year.items() if y < PLAN_START.year)
        for y in range(PLAN_START.year, last + 1):
            total += by_year.get(y, 0)
            at = datetime.date(y, 12, 31) if y < today.year else today
            series[code].append(
                Observation(year=y, at=at, value=float(total), source="recognition")
            )
    return series


def approved_reports_load(*, year: int) -> dict[str, list[Report]]:
    """Approved reports up to `year` by target code, in one read (oldest review first)."""
    reports = (
        Report.objects.filter(status=Report.Status.APPROVED, year__lte=year)
        .order_by("year", "quarter", "reviewed_at", "pk")
        .only("target_id", "region_id", "year", "quarter", "value", "pk")
    )
    by_target: dict[str, list[Report]] = defaultdict(list)
    for report in reports:
        by_target[report.target_id].append(report)
    return by_target


def report_series(reports: Iterable[Report], *, region_codes: Iterable[str], year: int) -> Series:
    """Approved `reports` of one target (`approved_reports_load`) for each region up to
    `year`: per quarter the latest approved one."""
    codes = set(region_codes)
    latest: dict[tuple[str, int, int], Report] = {}
    for report in reports:
        if report.region_id in codes and report.year <= year:
            latest[(report.region_id, report.year, report.quarter)] = report
    series: Series = defaultdict(list)
    for (code, _, _), report in sorted(latest.items()):
        series[code].append(
            Observation(
                year=report.year,
                at=report.period_end,
                value=report.value,
                source="report",
                report_id=report.pk,
            )
        )
    return series


def summed(series: Series, codes: Iterable[str], *, per_year: bool) -> list[Observation]:
    """The sum over `codes` of reported values at every period any of them reported, each
    region's latest value carried forward (a city that reported in Q1 counts with that value in
    Q2 until it reports again; for a per-year target only within the same year). Used for a
    province figure made of the cities' reports."""
    codes = list(codes)
    periods = sorted({(o.year, o.at) for code in codes for o in series.get(code, [])})
    out = []
    for year, at in periods:
        values = []
        for code in codes:
            known = [
                o for o in series.get(code, []) if o.at <= at and (o.year == year or not per_year)
            ]
            if known:
                values.append(known[-1].value)
        if values:
            out.append(Observation(year=year, at=at, value=float(sum(values)), source="report"))
    return out
