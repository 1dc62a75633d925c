"""Reads of the target tracker: every target's actual, target value, progress, status and
forecast for a region and year; a target's breakdown over the cities (ranked); the tasks'
status at a glance; reports, work plans and revisions a user may see.

Actuals (targets.actuals): computed targets from the current coverage snapshot or recognitions,
reported targets from approved reports. A region's target value: the province's own value; for a
city its allocation (目标分解) or, for an each-city target, the target itself; for a county its
allocation. The province figure of an each-city target is the lowest city's (every city must
reach it); the province figure of a reported additive target that the province did not report
itself is the sum of the cities' reports.

Who sees what: every official (province, city, county) sees the plan overview and the city
breakdowns (aggregate figures, like the published index); a city scorecard is seen by the
province and the city's own officials (city and its counties); reports and their evidence by the
province and the reporting city's officials; work plans by the province and the city.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import OFFICIAL_ROLES, Role
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.selectors import snapshot_current
from registry.models import Region
from targets import actuals
from targets.actuals import Observation, Series
from targets.models import Allocation, PlanTask, Report, Target, TargetRevision, WorkPlan
from targets.progress import Point, Progress, Status, progress

PROVINCE = "32"
PLAN_YEARS = (2025, 2026, 2027)
STATUS_ORDER = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.ACHIEVED, Status.NO_DATA]
ADDITIVE_KINDS = (Target.Kind.CUMULATIVE, Target.Kind.PER_YEAR, Target.Kind.COUNT)


@dataclass(frozen=True)
class TargetRow:
    """One target for one region and year: what it asks, what was reached, how it is going."""

    target: Target
    region: Region
    year: int
    value: float | None  # the target value for this region and year
    value_origin: str  # plan | allocation | each_city | none
    observations: list[Observation]
    progress: Progress
    source: str  # monitoring | recognition | report | report_sum | lowest_city | none
    pending: int = 0
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.progress.status)

    @property
    def latest(self) -> Observation | None:
        return self.observations[-1] if self.observations else None


@dataclass
class Context:
    """What one page's rows are computed from. Each table is read once, on first use, for all
    targets and regions of the page (cells of the snapshot, approved reports, allocations,
    pending reports), so a page costs a fixed number of queries however many targets and cities
    it shows."""

    year: int
    as_of: datetime.date
    snapshot: CoverageSnapshot | None
    today: datetime.date

    @cached_property
    def province(self) -> Region:
        return Region.objects.get(code=PROVINCE)

    @cached_property
    def cities(self) -> list[Region]:
        return cities()

    @cached_property
    def cells(self) -> actuals.Cells:
        return actuals.cells_load(snapshot=self.snapshot, year=self.year)

    @cached_property
    def approved(self) -> dict[str, list[Report]]:
        return actuals.approved_reports_load(year=self.year)

    @cached_property
    def allocations(self) -> dict[tuple[str, str, int], float]:
        return {
            (target, region, year): value
            for target, region, year, value in Allocation.objects.values_list(
                "target_id", "region_id", "year", "value"
            )
        }

    @cached_property
    def pending(self) -> Counter[tuple[str, str]]:
        rows = Report.objects.filter(status=Report.Status.SUBMITTED, year=self.year)
        return Counter(rows.values_list("target_id", "region_id"))


def default_year(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return min(max(today.year, PLAN_YEARS[0]), PLAN_YEARS[-1])


def context_for(year: int, *, today: datetime.date | None = None) -> Context:
    """`as_of` is today, or the end of `year` for a past year (the year's final figures)."""
    today = today or timezone.localdate()
    as_of = min(today, datetime.date(year, 12, 31))
    return Context(year=year, as_of=as_of, snapshot=snapshot_current(), today=today)


def cities() -> list[Region]:
    return list(Region.objects.filter(level=Region.Level.CITY).order_by("code"))


def province() -> Region:
    return Region.objects.get(code=PROVINCE)


def _points(observations: Sequence[Observation]) -> list[Point]:
    return [Point(at=o.at, value=o.value) for o in observations]


def _value(
    target: Target, region: Region, year: int, allocations: dict[tuple[str, str, int], float]
) -> tuple[float | None, str]:
    if region.level == Region.Level.PROVINCE:
        value = target.value_for(year)
        return value, "plan" if value is not None else "none"
    if target.scope == Target.Scope.EACH_CITY and region.level == Region.Level.CITY:
        value = target.value_for(year)
        return value, "each_city" if value is not None else "none"
    key_year = year if target.kind == Target.Kind.PER_YEAR else 0
    value = allocations.get((target.code, region.code, key_year))
    return value, "allocation" if value is not None else "none"


def _series(target: Target, regions: Sequence[Region], ctx: Context) -> tuple[Series, str]:
    """Observations per region code and the source they came from."""
    codes = [r.code for r in regions]
    figure = target.figure or {}
    if target.is_computed and figure.get("source") == "monitoring":
        return actuals.monitoring_series(
            target, snapshot=ctx.snapshot, cells=ctx.cells, region_codes=codes, year=ctx.year
        ), "monitoring"
    if target.is_computed:
        level = regions[0].level if regions else "province"
        return actuals.recognition_series(
            target, region_codes=codes, level=level, year=ctx.year, today=ctx.today
        ), "recognition"
    reports = ctx.approved.get(target.code, [])
    return actuals.report_series(reports, region_codes=codes, year=ctx.year), "report"


def _row(
    target: Target,
    region: Region,
    observations: list[Observation],
    source: str,
    ctx: Context,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> TargetRow:
    value, origin = _value(target, region, ctx.year, ctx.allocations)
    baseline = target.baseline if region.level == Region.Level.PROVINCE else None
    if target.is_share:
        baseline = target.baseline
    # The year's own value of a cumulative or share target is due at the year's end.
    milestone = (
        origin in ("plan", "each_city")
        and target.progress_kind != Target.Kind.PER_YEAR
        and target.values.get(str(ctx.year)) is not None
    )
    result = progress(
        kind=target.progress_kind,
        percent=target.is_share,
        bound=target.bound,
        target=value,
        baseline=baseline,
        points=_points(observations),
        year=ctx.year,
        as_of=ctx.as_of,
        value_max=target.value_max,
        deadline=datetime.date(ctx.year, 12, 31) if milestone else None,
    )
    return TargetRow(
        target=target,
        region=region,
        year=ctx.year,
        value=value,
        value_origin=origin,
        observations=[o for o in observations if o.at <= ctx.as_of],
        progress=result,
        source=source if observations else "none",
        pending=ctx.pending[(target.code, region.code)],
        note=note,
        details=details or {},
    )


def _province_row(target: Target, ctx: Context, city_rows: list[TargetRow] | None) -> TargetRow:
    """The province's row: its own series; for an each-city target the lowest city's latest
    value; for a reported additive target without a province report, the cities' sum."""
    top = ctx.province
    if target.scope == Target.Scope.EACH_CITY:
        return _lowest_city_row(target, ctx, city_rows)
    series, source = _series(target, [top], ctx)
    own = series.get(top.code, [])
    # A per-year figure is the province's own only when it reported in this year.
    if target.kind == Target.Kind.PER_YEAR:
        reported = any(o.year == ctx.year for o in own)
    else:
        reported = bool(own)
    if reported or target.is_computed or target.kind not in ADDITIVE_KINDS or target.is_share:
        return _row(target, top, own, source, ctx)
    city_codes = [c.code for c in ctx.cities]
    reports = ctx.approved.get(target.code, [])
    city_series = actuals.report_series(reports, region_codes=city_codes, year=ctx.year)
    summed = actuals.summed(city_series, city_codes, per_year=target.kind == Target.Kind.PER_YEAR)
    reporting = sum(1 for code in city_codes if city_series.get(code))
    note = f"{reporting}|{len(city_codes)}" if summed else ""
    return _row(target, top, summed, "report_sum" if summed else "none", ctx, note)


def _current(row: TargetRow) -> Observation | None:
    """A city's latest observation that counts for the row's year (a per-year target's value
    from an earlier year does not)."""
    latest = row.latest
    per_year = row.target.progress_kind == Target.Kind.PER_YEAR
    if latest is None or (per_year and latest.year != row.year):
        return None
    return latest


def _lowest_city_row(target: Target, ctx: Context, city_rows: list[TargetRow] | None) -> TargetRow:
    """The province row of an each-city target: the lowest city's series (every city must reach
    the target). While a city has no figure for the year the province has none either (status
    no data, the reason names how many cities lack one): it cannot be achieved or on track on
    the cities that reported alone."""
    top = ctx.province
    rows = city_rows if city_rows is not None else _city_rows(target, ctx)
    current = [(r, obs) for r in rows if (obs := _current(r)) is not None]
    missing = [r.region.name for r in rows if _current(r) is None]
    reached = sum(1 for r in rows if r.progress.status == Status.ACHIEVED)
    details: dict[str, Any] = {"reached": reached, "cities": len(rows), "missing": missing}
    if not current:
        return _row(target, top, [], "none", ctx, details=details)
    lowest, _ = min(current, key=lambda pair: pair[1].value)
    note = f"{lowest.region.name}|{reached}|{len(rows)}"
    details["lowest_city"] = lowest.region.name
    if missing:
        row = _row(target, top, [], "lowest_city", ctx, note, details)
        reason = (
            f"{len(missing)} of {len(rows)} cities have no figure for {ctx.year} yet "
            f"({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}); the province figure "
            "is the lowest city's once every city has one."
        )
        return replace(row, progress=replace(row.progress, reason=reason))
    return _row(target, top, lowest.observations, "lowest_city", ctx, note, details)


def _city_rows(
    target: Target, ctx: Context, regions: Sequence[Region] | None = None
) -> list[TargetRow]:
    regions = list(regions) if regions is not None else ctx.cities
    series, source = _series(target, regions, ctx)
    return [_row(target, r, series.get(r.code, []), source, ctx) for r in regions]


def _targets() -> list[Target]:
    return list(Target.objects.select_related("task").order_by("task", "position"))


def plan_rows(
    *,
    year: int,
    region: Region | None = None,
    today: datetime.date | None = None,
    ctx: Context | None = None,
) -> list[TargetRow]:
    """Every target's row for `region` (default the province) in `year`, in plan order. `ctx`:
    share the reads with other rows of the same page."""
    ctx = ctx or context_for(year, today=today)
    region = region or ctx.province
    rows = []
    for target in _targets():
        if region.level == Region.Level.PROVINCE:
            rows.append(_province_row(target, ctx, None))
        else:
            series, source = _series(target, [region], ctx)
            rows.append(_row(target, region, series.get(region.code, []), source, ctx))
    return rows


@dataclass(frozen=True)
class Breakdown:
    """A target across the cities: the province row, one row per city ranked, and the
    allocations' sum against the province value."""

    province: TargetRow
    cities: list[TargetRow]
    allocated: float | None


def _rank_key(row: TargetRow) -> tuple[int, float, float]:
    """Completion first (regions without one last), then the actual that counts for the year."""
    completion = row.progress.completion
    current = _current(row)
    actual = current.value if current else -1.0
    return (0 if completion is not None else 1, -(completion or 0.0), -actual)


def _breakdown(target: Target, ctx: Context) -> Breakdown:
    city_rows = _city_rows(target, ctx)
    province_row = _province_row(target, ctx, city_rows)
    values = [r.value for r in city_rows if r.value is not None and r.value_origin == "allocation"]
    allocated = sum(values) if values and not target.is_share else None
    return Breakdown(province_row, sorted(city_rows, key=_rank_key), allocated)


def target_breakdown(*, target: Target, year: int, today: datetime.date | None = None) -> Breakdown:
    """The target's province row and its cities ranked by completion (then by actual)."""
    return _breakdown(target, context_for(year, today=today))


def target_breakdowns(*, year: int, today: datetime.date | None = None) -> list[Breakdown]:
    """Every target's breakdown, in plan order, from one set of reads (a city scorecard, the
    evaluation pack)."""
    ctx = context_for(year, today=today)
    return [_breakdown(target, ctx) for target in _targets()]


def county_rows(
    *, target: Target, city: Region, year: int, today: datetime.date | None = None
) -> list[TargetRow]:
    """The target across one city's counties (county targets, where the city split its own)."""
    ctx = context_for(year, today=today)
    counties = list(Region.objects.filter(parent=city, level=Region.Level.COUNTY).order_by("code"))
    return sorted(_city_rows(target, ctx, counties), key=_rank_key)


@dataclass(frozen=True)
class TaskSummary:
    task: PlanTask
    rows: list[TargetRow]
    counts: dict[str, int]

    @property
    def status(self) -> str:
        """The task's status: its worst target's (no data only when no target has data)."""
        for status in STATUS_ORDER:
            if self.counts.get(str(status)):
                return str(status)
        return str(Status.NO_DATA)


def task_summaries(rows: Sequence[TargetRow]) -> list[TaskSummary]:
    """The 20 tasks with their targets' rows and status counts (tasks without a quantified
    target have no rows)."""
    by_task: dict[int, list[TargetRow]] = defaultdict(list)
    for row in rows:
        by_task[row.target.task_id].append(row)
    summaries = []
    for task in PlanTask.objects.order_by("number"):
        task_rows = by_task.get(task.number, [])
        counts = Counter(r.status for r in task_rows)
        with_data = {k: v for k, v in counts.items() if k != Status.NO_DATA}
        summaries.append(TaskSummary(task, task_rows, dict(with_data or counts)))
    return summaries


def status_counts(rows: Sequence[TargetRow]) -> dict[str, int]:
    counts = Counter(r.status for r in rows)
    return {str(s): counts.get(str(s), 0) for s in STATUS_ORDER}


# --- access-checked reads --------------------------------------------------------------------


def _official(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and getattr(user, "role", "") in OFFICIAL_ROLES
    )


def may_view_plan(user: Any) -> bool:
    return _official(user)


def city_get_for_user(*, user: Any, code: str) -> Region:
    """A city whose scorecard `user` may see; 404 otherwise (other cities are not revealed)."""
    city = Region.objects.filter(code=code, level=Region.Level.CITY).first()
    if city is None or not _official(user):
        raise Http404
    if user.role == Role.PROVINCE:
        return city
    own = user.region_id if user.role == Role.CITY else getattr(user.region, "parent_id", None)
    if own != city.code:
        raise Http404
    return city


def target_get(*, code: str) -> Target:
    target = Target.objects.select_related("task").filter(code=code).first()
    if target is None:
        raise Http404
    return target


def task_get(*, number: int) -> PlanTask:
    task = PlanTask.objects.filter(number=number).first()
    if task is None:
        raise Http404
    return task


def reports_for_user(*, user: Any) -> QuerySet[Report]:
    """Reports `user` may see: the province every one; a city official the city's; nobody else."""
    reports = Report.objects.select_related("target__task", "region", "submitted_by", "reviewed_by")
    if not _official(user):
        return reports.none()
    if user.role == Role.PROVINCE:
        return reports
    if user.role == Role.CITY:
        return reports.filter(region_id=user.region_id)
    return reports.none()


def report_get_for_user(*, user: Any, pk: int) -> Report:
    report = reports_for_user(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def review_queue_for_user(*, user: Any) -> QuerySet[Report]:
    """Submitted reports `user` may approve (targets.access.may_review), oldest first."""
    from targets import access

    if getattr(user, "role", "") != Role.PROVINCE:
        return Report.objects.none()
    department = access.department_of(user)
    pending = (
        reports_for_user(user=user)
        .filter(status=Report.Status.SUBMITTED)
        .exclude(submitted_by=user)
    )
    if department != access.coordinating_department():
        pending = pending.filter(target__task__lead=department)
    return pending.order_by("submitted_at", "pk")


def work_plans_for_user(*, user: Any) -> QuerySet[WorkPlan]:
    plans = WorkPlan.objects.select_related("region", "created_by").prefetch_related(
        "commitments__target"
    )
    if not _official(user):
        return plans.none()
    if user.role == Role.PROVINCE:
        return plans.filter(status=WorkPlan.Status.SUBMITTED)
    if user.role == Role.CITY:
        return plans.filter(region_id=user.region_id)
    return plans.none()


def revisions(*, target: Target) -> QuerySet[TargetRevision]:
    return target.revisions.select_related("changed_by").order_by("-version")


def above_scale_base(*, level: str = "city", parent: str | None = None) -> dict[str, int]:
    """Above-scale enterprises per region (the default split's weights), from the latest year of
    the current coverage snapshot; empty without a snapshot."""
    snapshot = snapshot_current()
    if snapshot is None:
        return {}
    cells = CoverageCell.objects.filter(
        snapshot=snapshot, region_level=level, group_kind=CoverageCell.GroupKind.ALL
    )
    if parent is not None:
        cells = cells.filter(region_code__in=Region.objects.filter(parent_id=parent).values("code"))
    latest = cells.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return {}
    base = {}
    for cell in cells.filter(year=latest):
        count = (cell.figures or {}).get("above_scale", {}).get("enterprises", [0, 0])[0]
        base[cell.region_code] = int(count)
    return base


def home_summary(*, user: Any, today: datetime.date | None = None) -> dict[str, Any] | None:
    """What an official finds about the plan's targets on the home page: the status counts of
    their region's targets this year (the province's, or their city's; a county official's city),
    reports waiting for their review, their returned reports not yet corrected, and (a city) the
    state of this year's work plan. None for other roles."""
    role = getattr(user, "role", "")
    if role not in OFFICIAL_ROLES or not getattr(user, "region_id", None):
        return None
    year = default_year(today)
    ctx = context_for(year, today=today)
    if role == Role.PROVINCE:
        region = ctx.province
    elif role == Role.CITY:
        region = user.region
    else:
        region = user.region.parent
    if region is None or region.level not in (Region.Level.PROVINCE, Region.Level.CITY):
        return None
    rows = plan_rows(year=year, region=region, ctx=ctx)
    summary: dict[str, Any] = {"year": year, "region": region, "counts": status_counts(rows)}
    summary["reviews"] = review_queue_for_user(user=user).count()
    summary["returned"] = _returned_open(user)
    if role == Role.CITY:
        summary["work_plan"] = WorkPlan.objects.filter(region=region, year=year).first()
    return summary


def _returned_open(user: Any) -> int:
    """`user`'s returned reports whose period has no newer report (nothing resubmitted yet)."""
    returned = Report.objects.filter(submitted_by=user, status=Report.Status.REJECTED)
    periods = set(returned.values_list("target_id", "region_id", "year", "quarter"))
    if not periods:
        return 0
    answered = set(
        Report.objects.filter(
            target_id__in={p[0] for p in periods},
            status__in=[Report.Status.SUBMITTED, Report.Status.APPROVED],
        ).values_list("target_id", "region_id", "year", "quarter")
    )
    return len(periods - answered)
