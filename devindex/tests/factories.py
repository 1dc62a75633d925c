"""Plain factories for development-index tests: a tiny definition worked by hand, snapshots whose
cells are written directly, GEN-JS results with node fractions, and runs computed through the
real services."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from accounts.models import User
from assessments.models import Assessment
from devindex.models import IndexDefinition, IndexRun
from devindex.services import (
    index_definition_load,
    index_run_create,
    index_run_execute,
    index_run_publish,
)
from monitoring.models import CoverageSnapshot
from monitoring.selectors import snapshot_current
from monitoring.tests.factories import freeze_facts, make_snapshot, make_version
from registry.models import Enterprise, Region

YEAR = 2025
JSDI_FILE = Path(__file__).resolve().parents[1] / "data" / "jsdi-2025.yaml"

# The tiny index: D1 (weight 2) = {A: ≥ basic share of 规上 (goalposts 0–50 %), B: self-assessed
# share of 规上 (0–10 %)}, D2 (weight 1) = {C: mean score rate of GEN-JS data_ai.platform
# (0–100 %)}; goalposts on the scale 1–100, arithmetic means, ranks on 2 decimals.
TINY: dict[str, Any] = {
    "format": "zhigai-devindex/1",
    "code": "TINY",
    "version": "1",
    "title": {"zh": "测试指数", "en": "Test index"},
    "provisional": True,
    "units": ["city", "county"],
    "index": {"code": "IDX", "name": {"zh": "指数"}},
    "dimensions": [
        {
            "code": "D1",
            "name": {"zh": "智能工厂"},
            "weight": 2,
            "indicators": [
                {
                    "code": "A",
                    "name": {"zh": "基础级覆盖率"},
                    "unit": "%",
                    "goalposts": [0, 50],
                    "provisional": True,
                    "data": {
                        "kind": "snapshot_share",
                        "population": "above_scale",
                        "metric": "sf_ge_BASIC",
                        "scale": 100,
                    },
                    "source": {"task": 1, "how": {"zh": "规上企业基础级及以上占比"}},
                },
                {
                    "code": "B",
                    "name": {"zh": "自评估参与率"},
                    "unit": "%",
                    "goalposts": [0, 10],
                    "provisional": True,
                    "data": {
                        "kind": "snapshot_share",
                        "population": "above_scale",
                        "metric": "assessed",
                        "scale": 100,
                    },
                    "source": {"task": 20, "how": {"zh": "规上企业当年自评估占比"}},
                },
            ],
        },
        {
            "code": "D2",
            "name": {"zh": "平台"},
            "weight": 1,
            "indicators": [
                {
                    "code": "C",
                    "name": {"zh": "平台应用率"},
                    "unit": "%",
                    "goalposts": [0, 100],
                    "provisional": True,
                    "data": {
                        "kind": "result_mean",
                        "model": "GEN-JS",
                        "node": "data_ai.platform",
                        "scale": 100,
                    },
                    "source": {"task": 10, "how": {"zh": "通用自评测平台题得分率"}},
                }
            ],
        },
    ],
    "method": {
        "indicators": {"min_denominator": 1, "min_results": 1},
        "units": {"population": "above_scale", "metric": "enterprises", "min": 1},
        "impute": {"method": "mean", "by": {"county": "city"}},
        "treat": {"apply": False, "winmax": 5, "skew": 2.0, "kurt": 3.5},
        "normalise": {"method": "goalposts", "scale": [1, 100]},
        "aggregate": {"method": "arithmetic"},
        "rank_decimals": 2,
        "tiers": {"method": "rank_thirds", "names": ["第一梯队", "第二梯队", "第三梯队"]},
    },
    "uncertainty": {
        "n": 16,
        "seed": 7,
        "sensitivity": True,
        "inputs": [
            {
                "name": "normalisation",
                "alternatives": [
                    {"normalise": "goalposts"},
                    {"normalise": "minmax", "treat": "jrc"},
                ],
            },
            {"name": "weights", "weight_noise": 0.2},
        ],
    },
}


def tiny(**changes: Any) -> dict[str, Any]:
    """A deep copy of TINY with top-level keys replaced."""
    content = copy.deepcopy(TINY)
    content.update(changes)
    return content


def jsdi() -> dict[str, Any]:
    return yaml.safe_load(JSDI_FILE.read_text(encoding="utf-8"))


def figures(*, enterprises: int, basic: int, assessed: int) -> dict[str, Any]:
    """Cell figures of the 规上 population (numerator, denominator)."""
    return {
        "above_scale": {
            "enterprises": [enterprises, enterprises],
            "sf_ge_BASIC": [basic, enterprises],
            "assessed": [assessed, enterprises],
        }
    }


def city_cell(code: str, **counts: int) -> dict[str, Any]:
    return {"year": YEAR, "region_level": "city", "region_code": code, "figures": figures(**counts)}


def county_cell(code: str, **counts: int) -> dict[str, Any]:
    return {
        "year": YEAR,
        "region_level": "county",
        "region_code": code,
        "figures": figures(**counts),
    }


def make_tiny_snapshot(world: Any) -> CoverageSnapshot:
    """Cities P (3201), Q (3205) and R (3202, created here) and the counties X, Y (in P), Z (in Q):

    | unit | 规上 | ≥ basic | assessed | A (%) | B (%) |
    | P    | 10   | 5       | 1        | 50    | 10    |
    | Q    | 20   | 5       | 0        | 25    | 0     |
    | R    | 4    | 0       | 2        | 0     | 50    |
    | X    | 4    | 2       | 1        | 50    | 25    |
    | Y    | 6    | 3       | 0        | 50    | 0     |
    | Z    | 20   | 5       | 0        | 25    | 0     |
    """
    Region.objects.get_or_create(
        code="3202",
        defaults={
            "name": "无锡市",
            "level": "city",
            "kind": "prefecture_city",
            "parent": world.province,
        },
    )
    return make_snapshot(
        cells=[
            city_cell("3201", enterprises=10, basic=5, assessed=1),
            city_cell("3205", enterprises=20, basic=5, assessed=0),
            city_cell("3202", enterprises=4, basic=0, assessed=2),
            county_cell("320102", enterprises=4, basic=2, assessed=1),
            county_cell("320104", enterprises=6, basic=3, assessed=0),
            county_cell("320583", enterprises=20, basic=5, assessed=0),
        ]
    )


def make_gen_result(
    *,
    enterprise: Enterprise,
    by: User,
    fraction: float | None,
    year: int = YEAR,
    at: datetime | None = None,
) -> Assessment:
    """A submitted GEN-JS result whose node data_ai.platform has `fraction` (written directly)."""
    from frameworks.models import FrameworkVersion

    version = FrameworkVersion.objects.filter(framework__code="GEN-JS").first() or make_version(
        "GEN-JS", ["PASS"]
    )
    return Assessment.objects.create(
        enterprise=enterprise,
        framework=version.framework,
        framework_version=version,
        status="submitted",
        year=year,
        created_by=by,
        submitted_by=by,
        submitted_at=at or datetime(year, 6, 1, tzinfo=UTC),
        result={"nodes": {"data_ai.platform": {"fraction": fraction, "points": None}}},
        total=50.0,
        max_total=100.0,
        level_rank=1,
    )


def load_definition(content: dict[str, Any] | None = None) -> IndexDefinition:
    definition, _ = index_definition_load(content=content or tiny(), source_file="test.yaml")
    return definition


def make_run(
    *, definition: IndexDefinition | None = None, publish: bool = False, by: User | None = None
) -> IndexRun:
    """A run of `definition` (default: TINY) on the current snapshot, computed by the services.
    A snapshot made by make_snapshot (cells written by hand) stands for the database as the test
    has built it by now: its facts are frozen again first. Computed snapshots keep theirs."""
    current = snapshot_current()
    if current is not None and current.stamp.get("constructed"):
        freeze_facts(current)
    run = index_run_create(definition=definition or load_definition(), year=YEAR, by=by)
    index_run_execute(run=run)
    assert run.status == IndexRun.Status.DONE, run.error
    if publish:
        index_run_publish(run=run, by=by)
    return run


def make_stored_run(
    *,
    definition: IndexDefinition,
    snapshot: CoverageSnapshot,
    published: bool = False,
    values: list[dict[str, Any]] | None = None,
) -> IndexRun:
    """A finished run written directly (no computation): cities 3201 and 3205 with the index and
    one indicator each unless `values` are given; published with its values' hash."""
    from django.utils import timezone

    from devindex.exports import values_digest
    from devindex.models import IndexValue

    run = IndexRun.objects.create(
        definition=definition,
        snapshot=snapshot,
        year=YEAR,
        status=IndexRun.Status.DONE,
        finished_at=timezone.now(),
        summary={"levels": {}, "counts": {"values": 0, "units": {}}},
        method_stamp={"engine": {"package": "zhigai"}},
    )
    rows = values or [
        {"unit_level": "city", "unit_code": "3201", "node": "IDX", "raw": None, "score": 70.5,
         "rank": 1, "rank_median": 1.0, "rank_p05": 1.0, "rank_p95": 2.0, "tier": 1},
        {"unit_level": "city", "unit_code": "3205", "node": "IDX", "raw": None, "score": 40.25,
         "rank": 2, "rank_median": 2.0, "rank_p05": 1.0, "rank_p95": 2.0, "tier": 2},
        {"unit_level": "city", "unit_code": "3201", "node": "A", "raw": 12.5, "score": 25.75,
         "rank": 1},
        {"unit_level": "city", "unit_code": "3205", "node": "A", "raw": None, "score": 13.375,
         "rank": 2, "imputed": True},
    ]  # fmt: skip
    IndexValue.objects.bulk_create(IndexValue(run=run, **row) for row in rows)
    if published:
        IndexRun.objects.filter(pk=run.pk).update(
            published=True, published_at=timezone.now(), values_sha256=values_digest(run)
        )
        run.refresh_from_db()
    return run
