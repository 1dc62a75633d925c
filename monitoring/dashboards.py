"""Data assembly for the monitoring dashboards (province, city, county).

One function, `dashboard_build`, turns the current coverage snapshot (and the latest published
index run, when there is one) into ECharts-ready chart payloads; the page, its HTMX refresh, the
JSON view and the XLSX export all call it, so they always show the same numbers. Every payload
carries its own table (`columns`, `rows`): the page shows it as an accessible <table> next to the
chart and the export writes it as a sheet.

Nothing is computed from enterprise rows here: coverage comes from snapshot cells, index values
from published runs (devindex.selectors). The cells of all the dashboard's years and units are
read in one query, restricted to the regions monitoring.selectors.coverage_regions_for_user
allows (the same scoping as monitoring.selectors.coverage_cells). Scoping: a
province official sees every dashboard, a city official its city's and its counties', a county
official its county's; anything else answers 404 (`dashboard_scope_get_for_user`).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.http import Http404, QueryDict
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import jurisdiction_of
from audit.models import AuditEvent
from audit.services import audit_record
from devindex import selectors as index_selectors
from devindex.display import tier_label
from devindex.models import IndexRun, IndexValue
from monitoring import selectors as coverage
from monitoring.definitions import CoverageDefinition, Target, target_expected
from monitoring.models import CoverageCell, CoverageSnapshot
from registry.models import Chain, Cluster, Region
from registry.schemas import REGION_CODE
from registry.selectors import ACTION_OUT_OF_SCOPE

DASHBOARD_NOT_FOUND = (
    "看板不存在或不在您的管辖范围内 (Dashboard not found or outside your jurisdiction)"
)
_REGION_CODE = re.compile(REGION_CODE)

# Who may open the dashboards (function level; which ones is decided by the scope below).
DASHBOARD_READERS = (Role.PROVINCE, Role.CITY, Role.COUNTY)
PROVINCE_DASHBOARD_READERS = (Role.PROVINCE,)
CHILD_LEVEL = {"province": "city", "city": "county", "county": None}
DEFAULT_POPULATION = "above_scale"
DEFAULT_METRIC = "sf_ge_BASIC"
SF_METRICS = ("sf_ge_WORKSHOP", "sf_ge_BASIC", "sf_ge_ADVANCED", "sf_ge_EXCELLENT", "sf_ge_LEADING")
SME_REQUIRED = "sme_required"  # the three SME populations, each at its required level, pooled
PARTICIPATION = "assessed"
INDEX = "index"
TOP_NODES = 3
CHARTS = ("map", "targets", "ranking", "trend", "pushes", "index", "strengths")


# --- Scope ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The unit a dashboard shows and the units below it (drawn on its map)."""

    level: str  # province | city | county
    code: str
    name: str
    parent_code: str | None
    parent_name: str | None
    child_level: str | None
    children: tuple[tuple[str, str], ...]  # (code, name) of the cities or counties below

    @property
    def map_code(self) -> str:
        """Which vendored map the dashboard draws: the province's, or the city's (its own for a
        city, its parent's for a county)."""
        if self.level == "province":
            return "jiangsu"
        return "jiangsu-" + (self.code if self.level == "city" else str(self.parent_code))


def dashboard_scope_get_for_user(*, user: Any, level: str, code: str = "32") -> Scope:
    """The dashboard scope `user` asks for; Http404 when it is outside their jurisdiction (written
    to the audit trail, as registry.selectors does for enterprises) or there is no such region
    at that level (a malformed code is not looked up: PostgreSQL refuses NUL in text)."""
    if not _REGION_CODE.fullmatch(code):
        raise Http404(DASHBOARD_NOT_FOUND)
    region = Region.objects.filter(code=code, level=level).select_related("parent").first()
    if region is None:
        raise Http404(DASHBOARD_NOT_FOUND)
    if not _may_see(user, region):
        audit_record(
            action=ACTION_OUT_OF_SCOPE,
            object_type="registry.region",
            object_id=region.code,
            result=AuditEvent.Result.DENIED,
            note=f"{level} dashboard",
        )
        raise Http404(DASHBOARD_NOT_FOUND)
    child_level = CHILD_LEVEL[level]
    children = (
        tuple(
            Region.objects.filter(parent=region, level=child_level)
            .order_by("code")
            .values_list("code", "name")
        )
        if child_level
        else ()
    )
    parent = region.parent if level != "province" else None
    return Scope(
        level=level,
        code=region.code,
        name=region.name,
        parent_code=parent.code if parent else None,
        parent_name=parent.name if parent else None,
        child_level=child_level,
        children=children,
    )


def _may_see(user: Any, region: Region) -> bool:
    jurisdiction = jurisdiction_of(user)
    if getattr(user, "role", None) not in DASHBOARD_READERS:
        return False
    if jurisdiction.everything:
        return True
    if jurisdiction.city_code:
        return region.code == jurisdiction.city_code or region.parent_id == jurisdiction.city_code
    return bool(jurisdiction.county_code) and region.code == jurisdiction.county_code


def home_scope_for_user(user: Any) -> tuple[str, str] | None:
    """(level, code) of the dashboard an official lands on: the province's, their city's or
    their county's. None for other roles."""
    jurisdiction = jurisdiction_of(user)
    if getattr(user, "role", None) == Role.PROVINCE:
        return ("province", "32")
    if getattr(user, "role", None) == Role.CITY and jurisdiction.city_code:
        return ("city", jurisdiction.city_code)
    if getattr(user, "role", None) == Role.COUNTY and jurisdiction.county_code:
        return ("county", jurisdiction.county_code)
    return None


def dashboard_url(level: str, code: str, suffix: str = "") -> str:
    """The URL of a dashboard page (suffix "", "-data" or "-export")."""
    if level == "province":
        return reverse(f"monitoring:dashboard{suffix}")
    return reverse(f"monitoring:{level}-dashboard{suffix}", kwargs={"code": code})


# --- Filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    year: int
    group_kind: str = "all"
    group_code: str = ""
    population: str = DEFAULT_POPULATION
    metric: str = DEFAULT_METRIC

    @property
    def group(self) -> str:
        return "" if self.group_kind == "all" else f"{self.group_kind}:{self.group_code}"

    def query(self) -> str:
        """The filters as the query string the filter form sends (export links, JSON view)."""
        query = QueryDict(mutable=True)
        query.update(
            {
                "year": str(self.year),
                "group": self.group,
                "population": self.population,
                "metric": self.metric,
            }
        )
        return query.urlencode()


@dataclass(frozen=True)
class FilterChoices:
    years: list[int]
    groups: list[tuple[str, str]]  # ("cluster:<code>", name), ("chain:<code>", name)
    populations: list[tuple[str, str]]
    metrics: list[tuple[str, str]]


def filter_choices(*, snapshot: CoverageSnapshot, index_run: IndexRun | None) -> FilterChoices:
    """The values the filter form offers: the snapshot's years, clusters and chains, the
    populations and the metrics of the coverage definitions (plus the index when published)."""
    definition = coverage.coverage_metric_definitions()
    names = _population_names(definition)
    groups = [(f"cluster:{c.code}", _("集群") + "·" + c.name) for c in Cluster.objects.all()]
    groups += [(f"chain:{c.code}", _("产业链") + "·" + c.name) for c in Chain.objects.all()]
    metrics = [(code, _metric_name(definition, code)) for code in SF_METRICS]
    metrics += [(PARTICIPATION, _("自评估参与率")), (SME_REQUIRED, _("中小企业达到要求等级"))]
    if index_run is not None:
        metrics.append((INDEX, _("发展指数得分")))
    return FilterChoices(
        years=sorted(snapshot.years or [], reverse=True),
        groups=groups,
        populations=[(code, names.get(code, code)) for code in _population_codes(definition)],
        metrics=metrics,
    )


def filters_from_query(query: Mapping[str, str], *, choices: FilterChoices) -> Filters:
    """Filters from a query string; unknown or missing values fall back to the defaults (the
    latest year, all enterprises, 规上, ≥ 基础级)."""
    years = choices.years
    year = _int(query.get("year"))
    group = query.get("group", "")
    kind, _sep, code = group.partition(":")
    known_groups = {g for g, _name in choices.groups}
    population = query.get("population", DEFAULT_POPULATION)
    metric = query.get("metric", DEFAULT_METRIC)
    return Filters(
        year=year if year in years else (years[0] if years else 0),
        group_kind=kind if group in known_groups else "all",
        group_code=code if group in known_groups else "",
        population=population
        if population in {p for p, _n in choices.populations}
        else DEFAULT_POPULATION,
        metric=metric if metric in {m for m, _n in choices.metrics} else DEFAULT_METRIC,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Coverage definitions (monitoring/data/coverage.yaml through monitoring.selectors) ---------


def _population_codes(definition: CoverageDefinition) -> list[str]:
    return list(definition.population_codes)


def _population_names(definition: CoverageDefinition) -> dict[str, str]:
    return {p.code: p.name.get("zh", p.code) for p in definition.populations}


def _metric_name(definition: CoverageDefinition, code: str) -> str:
    try:
        return definition.metric(code).name.get("zh", code)
    except KeyError:
        return code


def _share_target(
    definition: CoverageDefinition, *, metric: str, population: str, level: str, group_kind: str
) -> Target | None:
    """The plan's share target for a metric and population at a region level, or None."""
    try:
        target = definition.metric(metric).target_for(
            population=population, region_level=level, group_kind=group_kind
        )
    except KeyError:
        return None
    return target if target is not None and target.kind == "share" else None


def _expected(target: Target | None, year: int, definition: CoverageDefinition) -> float | None:
    """The target's value expected in `year`, in percent for shares (monitoring.definitions:
    yearly targets hold every year, cumulative ones follow a straight line to their year)."""
    if target is None:
        return None
    value = target_expected(target, year=year, start_year=definition.start_year)
    if value is None:
        return None
    return round(100 * value, 2) if target.kind == "share" else round(value, 2)


def _sme_pairs(definition: CoverageDefinition) -> list[tuple[str, str]]:
    """(population, metric) of the SME coverage targets: each SME category at its required level
    (创新型 → 初始级, 专精特新 → 规范级, 小巨人 → 集成级), read from the definition."""
    return [
        (target.population, metric.code)
        for metric in definition.metrics
        if metric.code.startswith("sme_ge_")
        for target in metric.targets
        if target.kind == "share"
    ]


# --- Reading cells ----------------------------------------------------------------------------


@dataclass
class Cells:
    """Snapshot cells of one group, by (region code, year)."""

    by_key: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def figures(self, code: str, year: int) -> dict[str, Any] | None:
        return self.by_key.get((code, year))

    def has(self, code: str) -> bool:
        return any(key[0] == code for key in self.by_key)


def _read_cells(*, snapshot: CoverageSnapshot, filters: Filters, codes: Iterable[str]) -> Cells:
    rows = CoverageCell.objects.filter(
        snapshot=snapshot,
        region_code__in=list(codes),
        group_kind=filters.group_kind,
        group_code=filters.group_code,
    ).values_list("region_code", "year", "figures")
    return Cells({(code, year): figures for code, year, figures in rows})


def _fraction(
    figures: Mapping[str, Any] | None, pairs: Iterable[tuple[str, str]]
) -> tuple[int, int] | None:
    """Summed numerator and denominator of (population, metric) pairs; None without data."""
    if not figures:
        return None
    num = den = 0
    found = False
    for population, metric in pairs:
        value = figures.get(population, {}).get(metric)
        if value is not None:
            found = True
            num, den = num + int(value[0]), den + int(value[1])
    return (num, den) if found else None


def _percent(fraction: tuple[int, int] | None) -> float | None:
    if fraction is None or fraction[1] == 0:
        return None
    return round(100 * fraction[0] / fraction[1], 2)


# --- The dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricView:
    """What the map, ranking and trend show: a coverage share, or the index score."""

    code: str
    label: str
    unit: str
    pairs: tuple[tuple[str, str], ...]  # (population, metric) summed for the share
    target: Target | None


def _metric_view(definitions: CoverageDefinition, filters: Filters, level: str) -> MetricView:
    population_names = _population_names(definitions)
    if filters.metric == INDEX:
        return MetricView(INDEX, _("发展指数得分"), "", (), None)
    if filters.metric == SME_REQUIRED:
        pairs = tuple(_sme_pairs(definitions))
        if filters.population in {p for p, _m in pairs}:
            pairs = tuple(p for p in pairs if p[0] == filters.population)
        target = None
        for population, metric in pairs:
            target = target or _share_target(
                definitions,
                metric=metric,
                population=population,
                level=level,
                group_kind=filters.group_kind,
            )
        return MetricView(SME_REQUIRED, _("中小企业达到要求等级的比例"), "%", pairs, target)
    population = filters.population
    label = _metric_name(definitions, filters.metric)
    if filters.metric == PARTICIPATION:
        label = _("自评估参与率")
    return MetricView(
        filters.metric,
        f"{population_names.get(population, population)} · {label}",
        "%",
        ((population, filters.metric),),
        _share_target(
            definitions,
            metric=filters.metric,
            population=population,
            level=level,
            group_kind=filters.group_kind,
        ),
    )


@dataclass
class Dashboard:
    scope: Scope
    snapshot: CoverageSnapshot | None
    filters: Filters | None
    choices: FilterChoices | None
    index_run: IndexRun | None
    charts: dict[str, dict[str, Any]]

    @property
    def empty(self) -> bool:
        return self.snapshot is None


def dashboard_build(*, user: Any, scope: Scope, query: Mapping[str, str]) -> Dashboard:
    """Every chart of the dashboard of `scope` under the filters in `query`. Reads the current
    snapshot only; without one the dashboard is empty (the page says a snapshot must be
    computed)."""
    snapshot = coverage.snapshot_current()
    if snapshot is None:
        return Dashboard(scope, None, None, None, None, {})
    index_run = _index_run()
    choices = filter_choices(snapshot=snapshot, index_run=index_run)
    filters = filters_from_query(query, choices=choices)
    definitions = coverage.coverage_metric_definitions()
    view = _metric_view(definitions, filters, scope.child_level or scope.level)
    child_codes = [code for code, _name in scope.children]
    codes = {scope.code, *child_codes, *([scope.parent_code] if scope.parent_code else [])}
    # The parent's line (a city's trend next to the province's) only for those who may read it.
    codes &= set(coverage.coverage_regions_for_user(user=user))
    cells = _read_cells(snapshot=snapshot, filters=filters, codes=codes)
    index = _index_values(index_run, scope)
    context = _Context(scope, filters, definitions, view, cells, index, sorted(snapshot.years))
    charts = {"map": _map_chart(context), "targets": _targets_chart(context)}
    if view.code != INDEX:  # one index run: no series over the years
        charts["trend"] = _trend_chart(context)
    if scope.children:
        charts["ranking"] = _ranking_chart(context)
    if scope.level == "province":
        charts["pushes"] = _pushes_chart(context)
    if index_run is not None:
        charts["index"] = _index_chart(context, index_run)
        charts["strengths"] = _strengths_chart(context, index_run)
    ordered = {name: charts[name] for name in CHARTS if name in charts}
    return Dashboard(scope, snapshot, filters, choices, index_run, ordered)


@dataclass
class _Context:
    scope: Scope
    filters: Filters
    definitions: CoverageDefinition
    view: MetricView
    cells: Cells
    index: _IndexData
    years: list[int]

    def value(self, code: str, year: int | None = None) -> float | None:
        """The metric view's value of a region (percent, or the index score)."""
        if self.view.code == INDEX:
            return self.index.score(code)
        return _percent(self.fraction(code, year))

    def fraction(self, code: str, year: int | None = None) -> tuple[int, int] | None:
        figures = self.cells.figures(code, year or self.filters.year)
        return _fraction(figures, self.view.pairs)

    def target(self, year: int | None = None) -> float | None:
        return _expected(self.view.target, year or self.filters.year, self.definitions)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"columns": columns, "rows": rows}


def _map_chart(c: _Context) -> dict[str, Any]:
    """The choropleth: the units below the scope (the county itself on a county dashboard)."""
    scope = c.scope
    if scope.level == "county":
        units = [(scope.code, scope.name)]
        level = "county"
    else:
        units = list(scope.children)
        level = str(scope.child_level)
    target = c.target()
    regions = []
    for code, name in units:
        fraction = None if c.view.code == INDEX else c.fraction(code)
        regions.append(
            {
                "name": code,
                "label": name,
                "value": c.value(code),
                "num": fraction[0] if fraction else None,
                "den": fraction[1] if fraction else None,
                "drill": dashboard_url("city", code, "-data") if level == "city" else None,
                "url": dashboard_url(level, code),
            }
        )
    rows = [[r["name"], r["label"], r["value"], r["num"], r["den"], target] for r in regions]
    return {
        "title": _("分布图") + " · " + c.view.label,
        "map": scope.map_code,
        "url": static(f"vendor/maps/{scope.map_code}.json"),
        "level": level,
        "metric": c.view.code,
        "label": c.view.label,
        "unit": c.view.unit,
        "target": target,
        "regions": regions,
        "highlight": scope.code if scope.level == "county" else None,
        "table": _table(
            [
                _("代码"),
                _("地区"),
                _("数值") + _unit(c.view.unit),
                _("分子"),
                _("分母"),
                _("当年目标") + _unit(c.view.unit),
            ],
            rows,
        ),
    }


def _unit(unit: str) -> str:
    return f"（{unit}）" if unit else ""


def _targets_chart(c: _Context) -> dict[str, Any]:
    """Coverage vs the plan's share targets for the scope unit itself: ≥ 基础/先进/卓越/领航 among
    规上, SME required levels, participation; bars with target markers."""
    definitions, scope, year = c.definitions, c.scope, c.filters.year
    figures = c.cells.figures(scope.code, year)
    names = _population_names(definitions)
    categories, actual, final, expected, rows = [], [], [], [], []
    for metric in definitions.metrics:
        for target in metric.targets:
            if target.kind != "share" or scope.level not in target.levels:
                continue
            if c.filters.group_kind not in target.groups:
                continue
            population = target.population
            fraction = _fraction(figures, [(population, metric.code)])
            label = f"{names.get(population, population)} · {metric.name.get('zh', metric.code)}"
            value, goal = _percent(fraction), round(100 * target.value, 2)
            now = _expected(target, year, definitions)
            categories.append(label)
            actual.append(value)
            final.append(goal)
            expected.append(now)
            rows.append(
                [
                    label,
                    value,
                    fraction[0] if fraction else None,
                    fraction[1] if fraction else None,
                    now,
                    goal,
                    target.by_year or _("每年"),
                    _("已核实") if target.verified else _("未核实"),
                ]
            )
    return {
        "title": _("覆盖率与规划目标") + f" · {scope.name} · {year}",
        "categories": categories,
        "unit": "%",
        "series": [
            {"name": _("实际"), "data": actual},
            {"name": _("当年进度目标"), "data": expected, "marker": True},
            {"name": _("规划目标"), "data": final, "marker": True},
        ],
        "table": _table(
            [
                _("指标"),
                _("实际（%）"),
                _("分子"),
                _("分母"),
                _("当年进度目标（%）"),
                _("规划目标（%）"),
                _("目标年"),
                _("核实"),
            ],
            rows,
        ),
    }


def _ranking_chart(c: _Context) -> dict[str, Any]:
    """The units below the scope sorted by the metric view, with the target as a line."""
    values = [(name, code, c.value(code)) for code, name in c.scope.children]
    ranked = sorted(values, key=lambda item: (item[2] is None, -(item[2] or 0), item[1]))
    target = c.target()
    rows = [
        [
            position,
            name,
            value,
            target,
            None if value is None or target is None else ("✓" if value >= target else "✗"),
        ]
        for position, (name, _code, value) in enumerate(ranked, start=1)
    ]
    return {
        "title": _("排名") + " · " + c.view.label,
        "categories": [name for name, _code, _value in ranked],
        "series": [{"name": c.view.label, "data": [value for _n, _c, value in ranked]}],
        "unit": c.view.unit,
        "target": target,
        "table": _table(
            [
                _("名次"),
                _("地区"),
                _("数值") + _unit(c.view.unit),
                _("当年目标") + _unit(c.view.unit),
                _("达到目标"),
            ],
            rows,
        ),
    }


def _trend_chart(c: _Context) -> dict[str, Any]:
    """The metric view over the snapshot's years, for the scope unit and its parent."""
    scope, years = c.scope, c.years
    lines = [(scope.name, scope.code)]
    if scope.parent_code and c.view.code != INDEX and c.cells.has(scope.parent_code):
        lines.append((str(scope.parent_name), scope.parent_code))
    series: list[dict[str, Any]] = [
        {"name": name, "data": [None if c.view.code == INDEX else c.value(code, y) for y in years]}
        for name, code in lines
    ]
    targets = [c.target(y) for y in years]
    if any(t is not None for t in targets):
        series.append({"name": _("进度目标"), "data": targets, "dashed": True})
    rows = [[y, *[s["data"][i] for s in series]] for i, y in enumerate(years)]
    return {
        "title": _("历年趋势") + " · " + c.view.label,
        "categories": [str(y) for y in years],
        "series": series,
        "unit": c.view.unit,
        "table": _table([_("年份"), *[s["name"] for s in series]], rows),
    }


def _pushes_chart(c: _Context) -> dict[str, Any]:
    """The province's yearly counts vs the plan's per-year pushes (10,000 / 2,000 / 1,000 …),
    drawn as the share of each year's target reached (the counts differ by orders of magnitude);
    the table has the counts."""
    definitions, year = c.definitions, c.filters.year
    figures = c.cells.figures(c.scope.code, year)
    names = _population_names(definitions)
    categories, reached, full, rows = [], [], [], []
    for metric in definitions.metrics:
        for target in metric.targets:
            if target.kind != "count" or not target.each_year:
                continue
            if "province" not in target.levels or c.filters.group_kind not in target.groups:
                continue
            fraction = _fraction(figures, [(target.population, metric.code)])
            label = f"{names.get(target.population, target.population)} · {metric.name.get('zh')}"
            count, goal = (fraction[0] if fraction else None), round(target.value)
            share = None if count is None or not goal else round(100 * count / goal, 2)
            categories.append(label)
            reached.append(share)
            full.append(100.0)
            verified = _("已核实") if target.verified else _("未核实")
            rows.append([label, count, goal, share, verified])
    return {
        "title": _("年度推进数量与年度目标") + f" · {year}",
        "categories": categories,
        "unit": "%",
        "series": [
            {"name": _("完成年度目标"), "data": reached},
            {"name": _("年度目标"), "data": full, "marker": True},
        ],
        "table": _table([_("指标"), _("当年数量"), _("年度目标"), _("完成（%）"), _("核实")], rows),
    }


# --- Index ------------------------------------------------------------------------------------


@dataclass
class _IndexData:
    """The published run's values for the dashboard's units."""

    root: str = ""
    names: dict[str, str] = field(default_factory=dict)  # node code → name
    level: str = ""
    rows: dict[str, dict[str, IndexValue]] = field(default_factory=dict)  # unit → node → value
    units: int = 0

    def score(self, code: str) -> float | None:
        value = self.rows.get(code, {}).get(self.root)
        return None if value is None or value.score is None else round(value.score, 2)


def _index_run() -> IndexRun | None:
    """The latest published run of the development index (None: the index is not shown)."""
    return index_selectors.run_latest_published()


def _index_values(run: IndexRun | None, scope: Scope) -> _IndexData:
    """All units of the dashboard's unit level in the run (ranks and medians need them all)."""
    if run is None:
        return _IndexData()
    level = "city" if scope.level == "province" else "county"
    nodes = index_selectors.definition_nodes(run.definition)
    names = {n["code"]: n["name"] for n in nodes}
    root = next(n["code"] for n in nodes if not n["parent"])
    rows: dict[str, dict[str, IndexValue]] = {}
    for value in index_selectors.index_values(run=run, unit_level=level):
        rows.setdefault(value.unit_code, {})[value.node] = value
    return _IndexData(root, names, level, rows, len(rows))


def _index_units(c: _Context) -> list[tuple[str, str]]:
    """The units whose index values the dashboard shows: the cities, the city's counties, or
    the county itself."""
    if c.scope.level == "county":
        return [(c.scope.code, c.scope.name)]
    return list(c.scope.children)


def _tier_name(tier: int | None) -> str:
    return tier_label(tier)


def _index_chart(c: _Context, run: IndexRun) -> dict[str, Any]:
    """Index scores, ranks and the 5–95 % rank interval of the uncertainty analysis, by tier."""
    root, data = c.index.root, c.index
    items = []
    for code, name in _index_units(c):
        value = data.rows.get(code, {}).get(root)
        if value is not None:
            items.append((name, code, value))
    items.sort(key=lambda item: (item[2].rank is None, item[2].rank or 0, item[1]))
    rows = [
        [
            v.rank,
            name,
            _round(v.score),
            v.tier,
            _tier_name(v.tier),
            _round(v.rank_median),
            _round(v.rank_p05),
            _round(v.rank_p95),
        ]
        for name, _code, v in items
    ]
    return {
        "title": _("发展指数排名与不确定性区间") + f" · {run.definition.title} · {run.year}",
        "run": {
            "id": run.pk,
            "year": run.year,
            "definition": str(run.definition),
            "provisional": run.definition.provisional,
        },
        "units": data.units,
        "categories": [name for name, _code, _v in items],
        "score": [_round(v.score) for _n, _c, v in items],
        "rank": [v.rank for _n, _c, v in items],
        "median": [_round(v.rank_median) for _n, _c, v in items],
        "p05": [_round(v.rank_p05) for _n, _c, v in items],
        "p95": [_round(v.rank_p95) for _n, _c, v in items],
        "tier": [v.tier for _n, _c, v in items],
        "table": _table(
            [
                _("名次"),
                _("地区"),
                _("得分"),
                _("梯队编号"),
                _("梯队"),
                _("排名中位数"),
                _("排名5%分位"),
                _("排名95%分位"),
            ],
            rows,
        ),
    }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _node_scores(data: _IndexData) -> dict[str, dict[str, float]]:
    """{unit: {node: score}} of every node below the index that has a score."""
    return {
        unit: {n: v.score for n, v in nodes.items() if n != data.root and v.score is not None}
        for unit, nodes in data.rows.items()
    }


def _strengths_chart(c: _Context, run: IndexRun) -> dict[str, Any]:
    """Per unit, its best and worst index nodes compared with the median of all units of its
    level in the run (COINr get_str_weak): score − median, largest first / smallest first."""
    data = c.index
    scores = _node_scores(data)
    columns: dict[str, list[float]] = {}
    for unit_scores in scores.values():
        for node, score in unit_scores.items():
            columns.setdefault(node, []).append(score)
    medians = {node: float(statistics.median(values)) for node, values in columns.items()}
    units, rows = [], []
    for code, name in _index_units(c):
        diffs = sorted(
            ((n, round(s - medians[n], 2), round(s, 2)) for n, s in scores.get(code, {}).items()),
            key=lambda item: (-item[1], item[0]),
        )
        if not diffs:
            continue
        strong = diffs[:TOP_NODES]
        weak = [d for d in reversed(diffs) if d not in strong][:TOP_NODES]
        units.append(
            {
                "code": code,
                "name": name,
                "strengths": [_node_item(data, d, medians) for d in strong],
                "weaknesses": [_node_item(data, d, medians) for d in weak],
            }
        )
        for kind, items in ((_("优势"), strong), (_("短板"), weak)):
            rows += [[name, kind, data.names[n], s, round(medians[n], 2), d] for n, d, s in items]
    return {
        "title": _("优势与短板（相对全省中位数）") + f" · {run.year}",
        "units": units,
        "table": _table(
            [_("地区"), _("类型"), _("指标"), _("得分"), _("全省中位数"), _("差值")], rows
        ),
    }


def _node_item(
    data: _IndexData, item: tuple[str, float, float], medians: Mapping[str, float]
) -> dict[str, Any]:
    node, diff, score = item
    return {
        "node": node,
        "name": data.names[node],
        "score": score,
        "median": round(medians[node], 2),
        "diff": diff,
    }


# --- Payloads for the JSON view -----------------------------------------------------------------


def dashboard_payload(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as JSON: scope, snapshot, filters and every chart's ECharts-ready data."""
    scope = dashboard.scope
    payload: dict[str, Any] = {
        "scope": {
            "level": scope.level,
            "code": scope.code,
            "name": scope.name,
            "url": dashboard_url(scope.level, scope.code),
        },
        "empty": dashboard.empty,
        "snapshot": None,
        "filters": None,
        "charts": dashboard.charts,
    }
    if dashboard.snapshot is not None and dashboard.filters is not None:
        snapshot = dashboard.snapshot
        payload["snapshot"] = {
            "id": snapshot.pk,
            "finished_at": snapshot.finished_at.isoformat() if snapshot.finished_at else None,
            "years": snapshot.years,
        }
        payload["filters"] = asdict(dashboard.filters)
    return payload
