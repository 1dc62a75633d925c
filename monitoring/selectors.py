"""Reads of coverage monitoring, scoped to the user's jurisdiction (accounts.scoping): the current
snapshot, the regions a user may see, the cells of a snapshot, the coverage definition, and a
cell's figures as rows with shares and the gap to the plan's targets.

Who sees which cells: a province official every region; a city official the city, its counties
and its zones (also zones under its counties); a county official the county and zones under it;
every other role nothing (views answer 404, the API 403 by role). A cell covers the enterprises of
one region, so a city official never reads another city's figures through a cell.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import get_language

from accounts.models import OFFICIAL_ROLES
from accounts.scoping import jurisdiction_of, region_q
from monitoring.definitions import CoverageDefinition, coverage_definition, target_expected
from monitoring.models import CoverageCell, CoverageSnapshot
from registry.models import Region

SNAPSHOT_NONE = "尚无覆盖率快照 (No coverage snapshot has been computed yet)"


def snapshot_current() -> CoverageSnapshot | None:
    """The latest finished DONE snapshot (older ones are kept: index runs cite them). By finish
    time, not creation: a snapshot queued earlier but computed later holds the newer data."""
    return (
        CoverageSnapshot.objects.filter(status=CoverageSnapshot.Status.DONE)
        .order_by(F("finished_at").desc(nulls_last=True), "-pk")
        .first()
    )


def snapshot_list() -> QuerySet[CoverageSnapshot]:
    """Every snapshot, newest first (the province's snapshot page and API)."""
    return CoverageSnapshot.objects.select_related("created_by").order_by("-created_at", "-pk")


def coverage_regions_for_user(*, user: Any) -> list[str]:
    """Codes of the regions whose cells `user` may read (empty: none, the views answer 404)."""
    if getattr(user, "role", None) not in OFFICIAL_ROLES:
        return []
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.is_empty:
        return []
    regions = Region.objects.all()
    q = region_q(jurisdiction)
    if q is not None:
        regions = regions.filter(q)
    return list(regions.order_by("code").values_list("code", flat=True))


def coverage_cells(
    *,
    user: Any,
    snapshot: CoverageSnapshot | None,
    year: int,
    region_level: str,
    group_kind: str = "all",
    group_code: str | None = "",
    parent: str | None = None,
) -> QuerySet[CoverageCell]:
    """The cells of `snapshot` for one year and region level that `user` may read, ordered by
    region and group. group_code None: every group of `group_kind` (e.g. every chain); `parent`:
    only regions below that region (a city's counties, or its zones, directly or through a
    county). Empty when the user may read no region or there is no snapshot."""
    regions = coverage_regions_for_user(user=user)
    if snapshot is None or not regions:
        return CoverageCell.objects.none()
    cells = CoverageCell.objects.filter(
        snapshot=snapshot, year=year, region_level=region_level, group_kind=group_kind
    )
    if group_code is not None:
        cells = cells.filter(group_code=group_code)
    if not jurisdiction_of(user).everything:
        cells = cells.filter(region_code__in=regions)
    if parent is not None:
        below = Region.objects.filter(Q(parent_id=parent) | Q(parent__parent_id=parent))
        cells = cells.filter(region_code__in=below.values("code"))
    return cells.order_by("region_code", "group_code")


def coverage_metric_definitions() -> CoverageDefinition:
    """The coverage definition (monitoring/data/coverage.yaml), checked and typed; read once per
    process."""
    return coverage_definition()


def _name(text: Any) -> str:
    language = (get_language() or "zh-hans").lower()
    return str(text.get("en" if language.startswith("en") else "zh") or text.get("zh", ""))


def coverage_rows(cell: CoverageCell, population: str) -> list[dict[str, Any]]:
    """One row per metric of the definition for `population` in `cell`:
    metric, name, numerator, denominator, share (None without denominator), and the plan's
    target for this population, region level and group kind when there is one — target (a share
    0–1 or a count), target_kind, target_year (the deadline; the cell's year for yearly
    targets), expected (the value expected this year), gap (how much is missing to the target:
    share points or enterprises, never negative), on_track (actual ≥ expected), verified, task
    and quote (the source). A population absent from the cell has no enterprises there."""
    definition = coverage_definition()
    figures = (cell.figures or {}).get(population, {})
    rows = []
    for metric in definition.metrics:
        numerator, denominator = figures.get(metric.code, [0, 0])
        share = numerator / denominator if denominator else None
        target = metric.target_for(
            population=population, region_level=cell.region_level, group_kind=cell.group_kind
        )
        row: dict[str, Any] = {
            "metric": metric.code,
            "name": _name(metric.name),
            "numerator": numerator,
            "denominator": denominator,
            "share": share,
            "target": None,
            "target_kind": None,
            "target_year": None,
            "expected": None,
            "gap": None,
            "on_track": None,
            "verified": None,
            "task": None,
            "quote": "",
        }
        if target is not None:
            actual = share if target.kind == "share" else numerator
            expected = target_expected(target, year=cell.year, start_year=definition.start_year)
            row.update(
                target=target.value,
                target_kind=target.kind,
                target_year=cell.year if target.each_year else target.by_year,
                expected=expected,
                gap=None if actual is None else max(0.0, target.value - actual),
                on_track=None if actual is None or expected is None else actual >= expected,
                verified=target.verified,
                task=target.task,
                quote=target.quote,
            )
        rows.append(row)
    return rows
