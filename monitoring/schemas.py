"""Input and output schemas of the monitoring API (monitoring.api)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from frameworks.schemas import ErrorOut
from registry.schemas import REGION_CODE

__all__ = ["ErrorOut"]

MAX_ID = 2**63 - 1
CODE = r"^[a-z0-9_-]{1,40}$"

RegionLevel = Literal["province", "city", "county", "zone"]
GroupKind = Literal["all", "cluster", "chain"]


class CoverageQuery(Schema):
    """Which cells of GET /monitoring/coverage. Omitted: the current snapshot, its latest year,
    your own region level, all enterprises, every population."""

    year: int | None = Field(None, ge=1900, le=2100, description="年份 (year)")
    region_level: RegionLevel | None = Field(
        None, description="区域层级 (region level); default: your own (province, city, county)"
    )
    group_kind: GroupKind = Field("all", description="分组 (all enterprises, a cluster, a chain)")
    group_code: str | None = Field(
        None,
        pattern=CODE,
        description="集群或产业链代码 (cluster or chain code); omitted with a cluster or chain "
        "kind: every cluster or chain",
    )
    population: str | None = Field(
        None, pattern=CODE, description="企业群体 (population), e.g. above_scale; omitted: all"
    )
    parent: str | None = Field(
        None, pattern=REGION_CODE, description="only regions below this region (e.g. a city)"
    )
    snapshot: int | None = Field(
        None, ge=1, le=MAX_ID, description="快照编号 (snapshot id); default: the current one"
    )


class SnapshotOut(Schema):
    id: int
    status: str
    percent: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    years: list[int]
    stamp: dict[str, Any]
    error: str


class CoverageRowOut(Schema):
    metric: str
    name: str
    numerator: int
    denominator: int
    share: float | None
    target: float | None
    target_kind: str | None
    target_year: int | None
    expected: float | None
    gap: float | None
    on_track: bool | None
    verified: bool | None
    task: int | None
    quote: str


class CoverageCellOut(Schema):
    region_level: str
    region_code: str
    region_name: str
    group_kind: str
    group_code: str
    populations: dict[str, list[CoverageRowOut]]


class CoverageOut(Schema):
    snapshot: SnapshotOut | None
    year: int | None
    region_level: str
    group_kind: str
    group_code: str | None
    cells: list[CoverageCellOut]
