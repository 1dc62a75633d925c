"""Reads of the development index. Published runs and their values are public (anonymous users
too); unpublished runs (queued, running, failed or done but not published) are seen by province
officials only and answer 404 to everyone else. Definitions are public reference data.

Other apps (the monitoring dashboards) read index values through these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import F, QuerySet
from django.http import Http404

from accounts.models import Role
from devindex import definition as definition_data
from devindex.exports import unit_names
from devindex.models import IndexDefinition, IndexRun, IndexValue
from scoring.index.timeseries import rebase
from scoring.index.weights import effective_weights, renormalise

NOT_FOUND = "没有这个指数结果 (No such index run)"
DEFINITION_NOT_FOUND = "没有这个指数定义 (No such index definition)"
UNIT_LEVELS = tuple(IndexValue.UnitLevel.values)
CODE_LENGTH = IndexDefinition._meta.get_field("code").max_length or 0
VERSION_LENGTH = IndexDefinition._meta.get_field("version").max_length or 0


def can_see_unpublished(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role == Role.PROVINCE


def run_latest_published(*, definition_code: str | None = None) -> IndexRun | None:
    """The published run of the latest year (then the latest published), of any definition or
    of ``definition_code``."""
    runs = IndexRun.objects.filter(published=True).select_related("definition", "snapshot")
    if definition_code is not None:
        runs = runs.filter(definition__code=definition_code)
    return runs.order_by("-year", "-published_at", "-pk").first()


def run_list_for_user(*, user: Any) -> QuerySet[IndexRun]:
    """Published runs for everyone; every run for province officials. Newest first."""
    runs = IndexRun.objects.select_related("definition", "snapshot", "created_by")
    if not can_see_unpublished(user):
        runs = runs.filter(published=True)
    return runs.order_by("-created_at", "-pk")


def run_get_for_user(*, user: Any, pk: int) -> IndexRun:
    """A run the user may see; Http404 otherwise (an unpublished run for anyone but the
    province, or no such run)."""
    run = run_list_for_user(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404(NOT_FOUND)
    return run


def index_values(
    *, run: IndexRun, unit_level: str, node: str | None = None
) -> QuerySet[IndexValue]:
    """The values of one unit level (and node), best rank first (unranked last), then by code."""
    values = IndexValue.objects.filter(run=run, unit_level=unit_level)
    if node is not None:
        values = values.filter(node=node)
    return values.order_by(F("rank").asc(nulls_last=True), "unit_code", "node")


def index_values_for_units(
    *, run: IndexRun, unit_level: str, unit_codes: Sequence[str]
) -> QuerySet[IndexValue]:
    """Every node's value of the given units (a city's counties, one chain, …)."""
    return IndexValue.objects.filter(
        run=run, unit_level=unit_level, unit_code__in=list(unit_codes)
    ).order_by("unit_code", "node")


def definition_nodes(definition: IndexDefinition | Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every node of a definition, top down: code, name, name_en, parent, level (3 index,
    2 dimension, 1 indicator), weight, provisional (indicators also: unit, direction,
    goalposts, data, source)."""
    content = definition.content if isinstance(definition, IndexDefinition) else definition
    return definition_data.definition_nodes(content)


def definition_get(*, code: str, version: str) -> IndexDefinition:
    """A loaded definition; Http404 otherwise. Text no code or version can be (NUL, which
    PostgreSQL refuses, or longer than the columns) is not looked up."""
    if "\x00" in code + version or len(code) > CODE_LENGTH or len(version) > VERSION_LENGTH:
        raise Http404(DEFINITION_NOT_FOUND)
    found = IndexDefinition.objects.filter(code=code, version=version).first()
    if found is None:
        raise Http404(DEFINITION_NOT_FOUND)
    return found


def definition_list() -> QuerySet[IndexDefinition]:
    return IndexDefinition.objects.order_by("code", "-loaded_at")


@dataclass(frozen=True)
class RankingRow:
    unit_code: str
    unit_name: str
    score: float | None
    rank: int | None
    rank_median: float | None
    rank_p05: float | None
    rank_p95: float | None
    tier: int | None
    dimensions: dict[str, float | None]


def ranking(*, run: IndexRun, unit_level: str) -> list[RankingRow]:
    """The ranking table of one unit level: the index node's score, rank, band and tier, and the
    dimension scores of each unit (two queries)."""
    content = run.definition.content
    index_code = content["index"]["code"]
    dimensions = [d["code"] for d in content["dimensions"]]
    top = list(index_values(run=run, unit_level=unit_level, node=index_code))
    scores: dict[str, dict[str, float | None]] = {}
    for code, node, score in IndexValue.objects.filter(
        run=run, unit_level=unit_level, node__in=dimensions
    ).values_list("unit_code", "node", "score"):
        scores.setdefault(code, {})[node] = score
    names = unit_names(unit_level, [v.unit_code for v in top])
    return [
        RankingRow(
            unit_code=v.unit_code,
            unit_name=names.get(v.unit_code, v.unit_code),
            score=v.score,
            rank=v.rank,
            rank_median=v.rank_median,
            rank_p05=v.rank_p05,
            rank_p95=v.rank_p95,
            tier=v.tier,
            dimensions={d: scores.get(v.unit_code, {}).get(d) for d in dimensions},
        )
        for v in top
    ]


METHOD_STEPS = (
    "indicators",
    "units",
    "impute",
    "treat",
    "normalise",
    "weights",
    "aggregate",
    "tiers",
)


@dataclass(frozen=True)
class Methodology:
    """What the methodology page shows, all read from the definition: the nodes with their
    share among siblings and effective weight, each method step's settings and reason, and the
    uncertainty design."""

    definition: IndexDefinition
    nodes: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    uncertainty: dict[str, Any]
    provisional_count: int


def methodology(definition: IndexDefinition) -> Methodology:
    content = definition.content
    tree = definition_data.definition_tree(content)
    share = renormalise(tree, tree.weights())
    effective = effective_weights(tree, tree.weights())
    nodes = [
        n | {"share": share.get(n["code"], 1.0), "effective": effective.get(n["code"], 1.0)}
        for n in definition_nodes(content)
    ]
    method = content.get("method") or {}
    steps = []
    for key in METHOD_STEPS:
        section = dict(method.get(key) or {})
        why = section.pop("why", {}) or {}
        steps.append(
            {"key": key, "settings": section, "why": why.get("zh", ""), "why_en": why.get("en", "")}
        )
    ua = dict(content.get("uncertainty") or {})
    why = ua.pop("why", {}) or {}
    ua |= {"why": why.get("zh", ""), "why_en": why.get("en", "")}
    provisional = sum(1 for n in nodes if n["level"] == 1 and n["provisional"])
    return Methodology(definition, nodes, steps, ua, provisional)


@dataclass(frozen=True)
class BaseYearSeries:
    """The index of one unit level over the published years of a definition, rescaled so that
    the mean of the units in the base year is 100 (the 基期 = 100 style of Jiangsu's index
    reports). ``values[unit][i]`` belongs to ``years[i]``; None where the unit had no score."""

    base_year: int
    years: list[int]
    values: dict[str, list[float | None]]

    def at(self, unit_code: str, year: int) -> float | None:
        series = self.values.get(unit_code)
        return None if series is None else series[self.years.index(year)]


def base_year_series(*, run: IndexRun, unit_level: str) -> BaseYearSeries | None:
    """Base year = 100 series for ``run``'s unit level: the published runs of the same definition
    version up to ``run.year`` (the latest published run of each year), base year = the earliest.
    Comparable across years because the definition fixes its goalposts; None with fewer than two
    years. Reads one query of index values; the rescaling is scoring.index.timeseries.rebase."""
    runs: dict[int, int] = {}
    published = IndexRun.objects.filter(
        definition=run.definition, published=True, year__lte=run.year
    ).order_by("year", "published_at", "pk")
    for year, pk in published.values_list("year", "pk"):
        runs[year] = pk  # the latest published run of each year wins
    if run.published:
        runs[run.year] = run.pk
    if len(runs) < 2:
        return None
    node = run.definition.content["index"]["code"]
    rows = IndexValue.objects.filter(
        run_id__in=runs.values(), unit_level=unit_level, node=node
    ).values_list("run__year", "unit_code", "score")
    frame = pl.DataFrame(
        list(rows), schema={"Time": pl.Int64, "uCode": pl.String, "Index": pl.Float64}, orient="row"
    )
    base_year = min(runs)
    if frame.filter(pl.col("Time") == base_year)["Index"].drop_nulls().is_empty():
        return None
    rebased = rebase(frame, columns=["Index"], base_year=base_year, reference="mean")
    years = sorted(runs)
    values: dict[str, list[float | None]] = {}
    for year, unit, value in rebased.select("Time", "uCode", "Index").iter_rows():
        values.setdefault(unit, [None] * len(years))[years.index(year)] = value
    return BaseYearSeries(base_year=base_year, years=years, values=values)
