"""Read-side data of the resource pool's public pages (catalog/views.py): names for the codes an
entry holds, the search form's choices, the scenario map's matrix and the model nodes a scenario
maps to. Public data only: the published pool and reference tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from catalog.models import Entry, Scenario, Stage, Status
from catalog.selectors import entry_list_for_user
from registry.models import Chain, Cluster, Industry, Region

ALL_INDUSTRIES = "*"  # the scenario map's row of entries for every industry


def _names(model: Any, codes: Iterable[str]) -> list[tuple[str, str]]:
    codes = [str(c) for c in codes]
    found = dict(model.objects.filter(pk__in=codes).values_list("pk", "name"))
    return [(code, found.get(code, "")) for code in codes]


def industry_names(codes: Iterable[str]) -> list[tuple[str, str]]:
    return _names(Industry, codes)


def region_names(codes: Iterable[str]) -> list[tuple[str, str]]:
    return _names(Region, codes)


def cluster_names(codes: Iterable[str]) -> list[tuple[str, str]]:
    return _names(Cluster, codes)


def chain_names(codes: Iterable[str]) -> list[tuple[str, str]]:
    return _names(Chain, codes)


def industry_choices() -> list[tuple[str, str]]:
    """The GB/T 4754 divisions (大类) of manufacturing."""
    return list(Industry.objects.filter(level="division").values_list("code", "name"))


def region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Cities, each with its counties and zones: [(city label, [(code, name), ...]), ...]."""
    regions = list(Region.objects.filter(level__in=["city", "county", "zone"]).order_by("code"))
    cities = [r for r in regions if r.level == "city"]
    below = defaultdict(list)
    for region in regions:
        if region.level != "city" and region.parent_id:
            below[region.parent_id].append((region.code, f"· {region.name}"))
    return [(city.name, [(city.code, city.name), *below[city.code]]) for city in cities]


def scenario_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Scenarios grouped by stage, in the stages' order."""
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, stage, name in Scenario.objects.values_list("code", "stage", "name_zh"):
        grouped[stage].append((code, name))
    return [(str(label), grouped[value]) for value, label in Stage.choices if grouped[value]]


def scenario_nodes(scenario: Scenario) -> list[dict[str, str]]:
    """The model nodes of `scenario` with their names where the model is loaded (published)."""
    from frameworks.models import FrameworkVersion

    wanted = {str(n).split(":", 1)[0] for n in scenario.nodes or [] if ":" in str(n)}
    titles: dict[str, dict[str, str]] = {}
    versions = FrameworkVersion.objects.filter(framework__code__in=wanted, status="published")
    for code, title, definition in versions.values_list(
        "framework__code", "title_zh", "definition"
    ):
        titles[code] = {"": title, **dict(_node_titles(definition.get("nodes") or []))}
    rows = []
    for node in scenario.nodes or []:
        framework, _, path = str(node).partition(":")
        names = titles.get(framework, {})
        rows.append({"node": str(node), "framework": framework, "model": names.get("", ""),
                     "name": names.get(path, "")})  # fmt: skip
    return rows


def _node_titles(nodes: Iterable[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    for node in nodes:
        title = node.get("title") or {}
        yield (
            str(node.get("code", "")),
            str(title.get("zh", "") if isinstance(title, dict) else title),
        )
        yield from _node_titles(node.get("children") or [])


@dataclass(frozen=True)
class ScenarioMap:
    industries: list[tuple[str, str]]  # (division code or ALL_INDUSTRIES, name), rows
    scenarios: list[tuple[str, str, str]]  # (code, name, stage label), columns by stage
    cells: list[tuple[int, int, int]]  # (column, row, published entries)
    totals: dict[str, int]  # scenario code → published entries (each once)

    def chart_data(self, *, search_url: str, all_label: str) -> dict[str, Any]:
        return {
            "industries": [{"code": c, "name": n or all_label} for c, n in self.industries],
            "scenarios": [{"code": c, "name": n, "stage": s} for c, n, s in self.scenarios],
            "cells": [list(cell) for cell in self.cells],
            "search_url": search_url,
            "all": ALL_INDUSTRIES,
        }


def scenario_map() -> ScenarioMap:
    """Published entries per (industry division, scenario). An entry tagged with several codes of
    one division counts once there; an entry with no industries is in the "every industry" row.
    Divisions without entries are left out; every scenario is a column."""
    links: dict[int, list[str]] = defaultdict(list)
    public = entry_list_for_user(user=None)  # published, of a published provider or none
    through = Entry.scenarios.through.objects.filter(entry__in=public)
    for entry_id, code in through.values_list("entry_id", "scenario_id").iterator():
        links[entry_id].append(code)
    counts: Counter[tuple[str, str]] = Counter()
    published = Entry.objects.filter(status=Status.PUBLISHED, pk__in=list(links))
    for entry_id, industries in published.values_list("pk", "industries").iterator():
        divisions = {str(c)[:2] for c in industries or [] if str(c)[:2].isdigit()}
        for division in divisions or {ALL_INDUSTRIES}:
            for code in links[entry_id]:
                counts[(division, code)] += 1
    stages = dict(Stage.choices)
    order = {value: n for n, value in enumerate(stages)}
    scenarios = sorted(Scenario.objects.all(), key=lambda s: (order.get(s.stage, 99), s.rank))
    columns = [(s.code, s.name_zh, str(stages.get(s.stage, s.stage))) for s in scenarios]
    used = sorted({d for d, _ in counts} - {ALL_INDUSTRIES})
    names = dict(Industry.objects.filter(pk__in=used).values_list("pk", "name"))
    rows = [(d, names.get(d, d)) for d in used]
    if any(d == ALL_INDUSTRIES for d, _ in counts):
        rows.append((ALL_INDUSTRIES, ""))
    row_of = {code: n for n, (code, _) in enumerate(rows)}
    column_of = {code: n for n, (code, _, _) in enumerate(columns)}
    cells = [(column_of[s], row_of[d], n) for (d, s), n in sorted(counts.items()) if s in column_of]
    totals = Counter(code for codes in links.values() for code in codes)
    return ScenarioMap(rows, columns, cells, dict(totals))


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def attribute_rows(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value as text) of an entry's kind-specific attributes, empty values left out."""
    return [(str(k), _text(v)) for k, v in attributes.items() if _text(v)]


def qualification_rows(qualifications: list[Any]) -> list[str]:
    """A provider's qualifications as lines of text (strings, or objects of named fields)."""
    return [line for line in (_text(q) for q in qualifications) if line]


def scenario_totals(found: ScenarioMap) -> list[tuple[str, list[tuple[str, str, int]]]]:
    """Per stage, its scenarios with their numbers of published entries."""
    grouped: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for code, name, stage in found.scenarios:
        grouped[stage].append((code, name, found.totals.get(code, 0)))
    return list(grouped.items())
