"""Monitoring JSON API under /api/v1/monitoring/: the coverage cells of a snapshot with shares and
the gap to the plan's targets, and the province's list of snapshots.

Function level: coverage is for officials (province, city, county), the snapshot list for the
province; other roles get 403 (audited as access.denied). Object level: the cells are those
monitoring.selectors.coverage_cells returns for the caller (a city official never receives another
city's cells), and of the snapshot's stamp only the province sees the province-wide counts; an
unknown or unfinished snapshot id answers 404. Errors are {"error": "..."}.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from accounts.models import Role
from core.api_access import api_require_role
from monitoring.access import COVERAGE_READERS, SNAPSHOT_MANAGERS
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.schemas import CoverageOut, CoverageQuery, ErrorOut, SnapshotOut
from monitoring.selectors import (
    coverage_cells,
    coverage_metric_definitions,
    coverage_rows,
    snapshot_current,
    snapshot_list,
)
from registry.models import Region

FORBIDDEN = "您的角色无权查看监测数据 (Your role may not read monitoring data)"
SNAPSHOTS_FORBIDDEN = "只有省级管理员可以查看监测快照 (Only province officials may list snapshots)"
SNAPSHOT_NOT_FOUND = "未找到已完成的监测快照 (No finished snapshot with this id)"
UNKNOWN_POPULATION = "未知的企业群体：{code} (Unknown population: {code})"
OWN_LEVEL = {Role.PROVINCE: "province", Role.CITY: "city", Role.COUNTY: "county"}
SNAPSHOT_LIST_SIZE = 50
# The part of a snapshot's stamp city and county officials receive: which definition and data.
STAMP_FOR_EVERY_OFFICIAL = ("definition_version", "definition_sha256", "facts_sha256")

router = Router(tags=["monitoring"])


def _snapshot_out(snapshot: CoverageSnapshot, *, whole_stamp: bool = True) -> dict[str, Any]:
    """whole_stamp False: only the stamp's definition and data hashes (its counts are the whole
    province's enterprises, results and recognitions, for province officials only)."""
    stamp = snapshot.stamp or {}
    if not whole_stamp:
        stamp = {key: stamp[key] for key in STAMP_FOR_EVERY_OFFICIAL if key in stamp}
    return {
        "id": snapshot.pk,
        "status": snapshot.status,
        "percent": snapshot.percent,
        "created_at": snapshot.created_at,
        "started_at": snapshot.started_at,
        "finished_at": snapshot.finished_at,
        "years": snapshot.years or [],
        "stamp": stamp,
        "error": snapshot.error,
    }


def _snapshot(snapshot_id: int | None) -> CoverageSnapshot | None:
    if snapshot_id is None:
        return snapshot_current()
    found = CoverageSnapshot.objects.filter(
        pk=snapshot_id, status=CoverageSnapshot.Status.DONE
    ).first()
    if found is None:
        raise HttpError(404, SNAPSHOT_NOT_FOUND)
    return found


def _cell_out(cell: CoverageCell, names: dict[str, str], populations: list[str]) -> dict[str, Any]:
    return {
        "region_level": cell.region_level,
        "region_code": cell.region_code,
        "region_name": names.get(cell.region_code, cell.region_code),
        "group_kind": cell.group_kind,
        "group_code": cell.group_code,
        "populations": {p: coverage_rows(cell, p) for p in populations if p in cell.figures},
    }


@router.get(
    "/monitoring/coverage",
    response={200: CoverageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="monitoring-coverage",
    summary="Coverage cells in your jurisdiction, with shares and the plan's targets",
)
def coverage(request: HttpRequest, query: Query[CoverageQuery]) -> Any:
    user = api_require_role(request, "monitoring-coverage", COVERAGE_READERS, FORBIDDEN)
    codes = list(coverage_metric_definitions().population_codes)
    if query.population is not None and query.population not in codes:
        raise HttpError(422, UNKNOWN_POPULATION.format(code=query.population))
    populations = [query.population] if query.population else codes
    snapshot = _snapshot(query.snapshot)
    years = (snapshot.years or []) if snapshot else []
    year = query.year if query.year is not None else (max(years) if years else None)
    level = query.region_level or OWN_LEVEL[user.role]
    group_code = query.group_code if query.group_kind != "all" else ""
    cells = list(
        coverage_cells(
            user=user,
            snapshot=snapshot,
            year=year or 0,
            region_level=level,
            group_kind=query.group_kind,
            group_code=group_code,
            parent=query.parent,
        )
    )
    names = dict(
        Region.objects.filter(code__in={c.region_code for c in cells}).values_list("code", "name")
    )
    return {
        "snapshot": (
            _snapshot_out(snapshot, whole_stamp=user.role == Role.PROVINCE) if snapshot else None
        ),
        "year": year,
        "region_level": level,
        "group_kind": query.group_kind,
        "group_code": group_code,
        "cells": [_cell_out(cell, names, populations) for cell in cells],
    }


@router.get(
    "/monitoring/snapshots",
    response={200: list[SnapshotOut], 403: ErrorOut},
    url_name="monitoring-snapshots",
    summary="Coverage snapshots, newest first (province officials)",
)
def snapshots(request: HttpRequest) -> Any:
    api_require_role(request, "monitoring-snapshots", SNAPSHOT_MANAGERS, SNAPSHOTS_FORBIDDEN)
    return [_snapshot_out(s) for s in snapshot_list()[:SNAPSHOT_LIST_SIZE]]
