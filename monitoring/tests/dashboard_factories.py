"""Rows for the dashboard tests, written directly (no coverage or index computation): a finished
snapshot with cells, the development index definition of devindex/data and a run with values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils import timezone

from devindex.definition import definition_nodes
from devindex.models import IndexDefinition, IndexRun, IndexValue
from monitoring.models import CoverageCell, CoverageSnapshot

DEFINITION_FILE = Path(settings.BASE_DIR) / "devindex" / "data" / "jsdi-2025.yaml"


def make_snapshot(*, years: list[int] | None = None, status: str = "done") -> CoverageSnapshot:
    done = status == CoverageSnapshot.Status.DONE
    return CoverageSnapshot.objects.create(
        status=status,
        years=years or [2025, 2026],
        started_at=timezone.now(),
        finished_at=timezone.now() if done else None,
        progress_done=1 if done else 0,
        progress_total=1,
    )


def make_figures(
    *,
    enterprises: int = 100,
    assessed: int = 12,
    levels: tuple[int, int, int, int, int] = (60, 40, 8, 3, 1),
    sme: tuple[tuple[int, int], tuple[int, int], tuple[int, int]] = ((10, 8), (5, 3), (2, 1)),
    new: tuple[int, int, int, int] = (30, 6, 2, 1),
) -> dict[str, dict[str, list[int]]]:
    """Figures of one cell: 规上 with `enterprises`, `assessed` self-assessed and `levels` at ≥
    车间/基础/先进/卓越/领航; the SME populations (size, at their required level); new counts."""
    workshop, basic, advanced, excellent, leading = levels
    above = {
        "enterprises": [enterprises, enterprises],
        "assessed": [assessed, enterprises],
        "sf_assessed": [workshop, enterprises],
        "sf_ge_WORKSHOP": [workshop, enterprises],
        "sf_ge_BASIC": [basic, enterprises],
        "sf_ge_ADVANCED": [advanced, enterprises],
        "sf_ge_EXCELLENT": [excellent, enterprises],
        "sf_ge_LEADING": [leading, enterprises],
    }
    total = enterprises + sum(size for size, _n in sme)
    everyone = {
        "enterprises": [total, total],
        "sf_new_ge_BASIC": [new[0], total],
        "sf_new_ge_ADVANCED": [new[1], total],
        "sf_new_ge_EXCELLENT": [new[2], total],
        "sf_new_ge_LEADING": [new[3], total],
    }
    figures = {"above_scale": above, "all": everyone}
    for (population, metric), (size, reached) in zip(
        [
            ("innovative_sme", "sme_ge_L1"),
            ("specialised_sme", "sme_ge_L2"),
            ("little_giant", "sme_ge_L3"),
        ],
        sme,
        strict=True,
    ):
        figures[population] = {"enterprises": [size, size], metric: [reached, size]}
    return figures


def make_cell(
    snapshot: CoverageSnapshot,
    *,
    year: int,
    level: str,
    code: str,
    group_kind: str = "all",
    group_code: str = "",
    **figures: Any,
) -> CoverageCell:
    return CoverageCell.objects.create(
        snapshot=snapshot,
        year=year,
        region_level=level,
        region_code=code,
        group_kind=group_kind,
        group_code=group_code,
        figures=make_figures(**figures),
    )


def make_definition() -> IndexDefinition:
    content = yaml.safe_load(DEFINITION_FILE.read_text(encoding="utf-8"))
    return IndexDefinition.objects.create(
        code=content["code"],
        version=str(content["version"]),
        title=content["title"]["zh"],
        provisional=bool(content.get("provisional", True)),
        content=content,
        sha256="0" * 64,
        source_file=DEFINITION_FILE.name,
    )


def make_index_run(
    snapshot: CoverageSnapshot,
    *,
    year: int = 2026,
    published: bool = True,
    values: dict[str, dict[str, float]] | None = None,
    offsets: dict[tuple[str, str], float] | None = None,
) -> IndexRun:
    """A finished run with `values` ({unit level: {unit code: index score}}, see
    make_index_values), then published (values can only be written before: a DB trigger)."""
    run = IndexRun.objects.create(
        definition=IndexDefinition.objects.first() or make_definition(),
        snapshot=snapshot,
        year=year,
        status=IndexRun.Status.DONE,
        finished_at=timezone.now(),
    )
    for unit_level, units in (values or {}).items():
        make_index_values(run, unit_level=unit_level, units=units, offsets=offsets)
    if published:
        run.published, run.published_at = True, timezone.now()
        run.save(update_fields=["published", "published_at"])
    return run


def make_index_values(
    run: IndexRun,
    *,
    unit_level: str,
    units: dict[str, float],
    offsets: dict[tuple[str, str], float] | None = None,
) -> None:
    """Values of every node for each unit: the index node gets `units[code]` with its rank
    among `units`, a 5–95 % band of ±1 rank and a tier (thirds); every other node gets the
    index score plus offsets[(unit, node)] (default 0)."""
    offsets = offsets or {}
    nodes = definition_nodes(run.definition.content)
    root = nodes[0]["code"]
    ranked = sorted(units, key=lambda code: -units[code])
    count = len(ranked)
    for position, code in enumerate(ranked, start=1):
        score = units[code]
        IndexValue.objects.create(
            run=run,
            unit_level=unit_level,
            unit_code=code,
            node=root,
            score=score,
            rank=position,
            rank_median=position,
            rank_p05=max(1, position - 1),
            rank_p95=min(count, position + 1),
            tier=1 + (3 * (position - 1)) // count,
        )
        for node in nodes[1:]:
            IndexValue.objects.create(
                run=run,
                unit_level=unit_level,
                unit_code=code,
                node=node["code"],
                score=score + offsets.get((code, node["code"]), 0.0),
            )
