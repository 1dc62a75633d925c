"""Target tracker JSON API under /api/v1/targets/: every target's progress for the province in a
year, and one target across the cities, ranked.

Officials (province, city, county) only, as the plan overview and the city breakdowns are
(targets.selectors: aggregate figures every official sees); other roles get 403 (audited as
access.denied), anonymous callers 401. An unknown target code answers 404, a year outside
2025–2027 422. Errors are {"error": "..."}. The rows are targets.selectors' rows, the same the
pages show.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from accounts.models import OFFICIAL_ROLES
from core.api_access import api_require_role
from frameworks.schemas import ErrorOut
from targets import display
from targets.selectors import (
    PLAN_YEARS,
    TargetRow,
    default_year,
    plan_rows,
    target_breakdown,
    target_get,
)

router = Router(tags=["targets"])
FORBIDDEN = "您的角色无权查看规划目标进展 (Your role may not read the plan's progress)"
SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # a target code (models.Target.code is a SlugField)


class YearQuery(Schema):
    year: int | None = Field(
        None,
        ge=PLAN_YEARS[0],
        le=PLAN_YEARS[-1],
        description="年度 (year), 2025–2027; default: this year",
    )


class ForecastOut(Schema):
    value: float
    low: float
    high: float
    level: float
    method: str


class ProgressRowOut(Schema):
    code: str
    task: int
    name: str
    name_en: str
    unit: str
    kind: str
    value: float | None = Field(description="the target value for the year")
    value_origin: str
    actual: float | None
    as_of: datetime.date | None = Field(description="the date the actual holds at")
    completion: float | None = Field(description="完成进度, 0–1 (may exceed 1)")
    time_elapsed: float = Field(description="时序进度, 0–1")
    status: str = Field(description="achieved / on_track / at_risk / off_track / no_data")
    reason: str
    forecast: ForecastOut | None
    source: str = Field(
        description="monitoring / recognition / report / report_sum / lowest_city / none"
    )
    verified: bool


class ProgressOut(Schema):
    year: int
    region_code: str
    rows: list[ProgressRowOut]


class CityRowOut(ProgressRowOut):
    rank: int | None = Field(
        description="by completion, then actual (equal figures share a rank); null without "
        "completion"
    )
    region_code: str
    region_name: str


class CitiesOut(Schema):
    year: int
    code: str
    province: ProgressRowOut
    allocated: float | None = Field(description="the cities' allocations added up")
    cities: list[CityRowOut]


def _row_out(row: TargetRow) -> dict[str, Any]:
    result, target, latest = row.progress, row.target, display.current(row)
    outlook = result.forecast
    return {
        "code": target.code,
        "task": target.task_id,
        "name": target.name_zh,
        "name_en": target.name_en,
        "unit": target.unit,
        "kind": target.kind,
        "value": row.value,
        "value_origin": row.value_origin,
        "actual": result.actual,
        "as_of": latest.at if latest else None,
        "completion": result.completion,
        "time_elapsed": result.time_elapsed,
        "status": str(result.status),
        "reason": result.reason,
        "forecast": None
        if outlook is None
        else {
            "value": outlook.value,
            "low": outlook.low,
            "high": outlook.high,
            "level": outlook.level,
            "method": outlook.method,
        },
        "source": row.source,
        "verified": target.verified,
    }


@router.get(
    "/targets/progress",
    response={200: ProgressOut, 403: ErrorOut, 422: ErrorOut},
    url_name="targets-progress",
    summary="Every target of the plan for the province in a year: actual, progress, forecast",
)
def progress(request: HttpRequest, query: Query[YearQuery]) -> Any:
    api_require_role(request, "targets-progress", OFFICIAL_ROLES, FORBIDDEN)
    year = query.year or default_year()
    rows = plan_rows(year=year)
    return {"year": year, "region_code": "32", "rows": [_row_out(row) for row in rows]}


@router.get(
    "/targets/{code}/cities",
    response={200: CitiesOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="targets-cities",
    summary="One target across the 13 cities, ranked by completion",
)
def cities(request: HttpRequest, code: str, query: Query[YearQuery]) -> Any:
    api_require_role(request, "targets-cities", OFFICIAL_ROLES, FORBIDDEN)
    year = query.year or default_year()
    if not SLUG.fullmatch(code):  # a NUL byte, which PostgreSQL refuses in a query
        raise Http404
    breakdown = target_breakdown(target=target_get(code=code), year=year)
    ranks = display.ranks(breakdown.cities, completion_only=True)
    ranked = [
        {
            **_row_out(row),
            "rank": rank,
            "region_code": row.region.code,
            "region_name": row.region.name,
        }
        for row, rank in zip(breakdown.cities, ranks, strict=True)
    ]
    return {
        "year": year,
        "code": code,
        "province": _row_out(breakdown.province),
        "allocated": breakdown.allocated,
        "cities": ranked,
    }
