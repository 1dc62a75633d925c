"""The index definition as data (devindex/data/*.yaml, format ``zhigai-devindex/1``): validation,
the indicator tree for the index engine, the engine configuration per unit level and the inputs of
the uncertainty analysis. Pure: no Django, so the bench and the run share it.

A definition is a mapping: ``code``, ``version``, ``title``, ``provisional``, ``source``,
``units``, ``index`` (the top node), ``dimensions`` (each with ``indicators``), ``method`` (one
choice per construction step, each with its reason) and ``uncertainty``. ``definition_problems``
lists every problem at once (structure, the tree through ``scoring.index.read_meta``, the
pipeline configuration through ``scoring.index.config.validate_config``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from scoring.index import IndexMetaError, IndexTree, read_meta
from scoring.index.config import validate_config

FORMAT = "zhigai-devindex/1"
UNIT_LEVELS = ("city", "county", "cluster", "chain")
DATA_KINDS = ("snapshot_share", "result_mean", "result_level", "result_rate")
NORMALISE_SHORTHANDS = ("goalposts", "minmax")
UNIT_COLUMN = "uCode"
GROUP_COLUMN = "group"
DEFAULT_SCALE = (1.0, 100.0)
TIER_METHODS = ("rank_thirds",)
# The peer groups the computation has (devindex.compute.unit_groups): unit level → group.
IMPUTE_GROUPS = {"county": "city", "chain": "cluster"}


class DefinitionError(ValueError):
    """The definition is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class IndicatorData:
    """Where an indicator's raw value comes from (see the data file's header)."""

    kind: str
    population: str = ""
    metric: str = ""
    model: str = ""
    node: str = ""
    per_population: str = ""
    per_metric: str = ""
    scale: float = 1.0


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    parent: str
    direction: int
    weight: float
    goalposts: tuple[float, float]
    data: IndicatorData


# --- validation ----------------------------------------------------------------------------------


def definition_problems(
    content: Any,
    *,
    populations: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
) -> list[str]:
    """Every problem of a definition (empty when it can be loaded and computed).

    ``populations`` and ``metrics``, when given, are the codes the monitoring snapshot holds;
    snapshot indicators naming others are problems.
    """
    if not isinstance(content, Mapping):
        return ["the definition must be a mapping"]
    problems = _header_problems(content)
    if not isinstance(content.get("dimensions"), list) or not content["dimensions"]:
        return [*problems, "dimensions: expected a non-empty list"]
    problems += _node_problems(content, populations, metrics)
    if problems:
        return problems
    try:
        tree = definition_tree(content)
    except IndexMetaError as exc:
        return [f"tree: {p}" for p in exc.problems]
    for level in content.get("units") or UNIT_LEVELS:
        problems += [f"method ({level}): {p}" for p in validate_config(_config(content, level))]
    problems += _uncertainty_problems(content, tree)
    problems += _tier_problems(content)
    problems += _method_problems(content, populations, metrics)
    return sorted(set(problems), key=problems.index)


def _header_problems(content: Mapping[str, Any]) -> list[str]:
    problems = []
    if content.get("format") != FORMAT:
        problems.append(f"format: expected {FORMAT!r}")
    for key in ("code", "version"):
        if not isinstance(content.get(key), str) or not content[key].strip():
            problems.append(f"{key}: expected a non-empty string")
    title = content.get("title")
    if not isinstance(title, Mapping) or not title.get("zh"):
        problems.append("title: expected {zh: ..., en: ...}")
    if not isinstance(content.get("provisional", False), bool):
        problems.append("provisional: expected true or false")
    units = content.get("units", list(UNIT_LEVELS))
    if not isinstance(units, list) or not units or any(u not in UNIT_LEVELS for u in units):
        problems.append(f"units: expected a list of {', '.join(UNIT_LEVELS)}")
    index = content.get("index")
    if not isinstance(index, Mapping) or not index.get("code"):
        problems.append("index: expected {code: ..., name: ...}")
    if not isinstance(content.get("method"), Mapping):
        problems.append("method: expected a mapping")
    if not isinstance(content.get("uncertainty"), Mapping):
        problems.append("uncertainty: expected a mapping")
    return problems


def _node_problems(
    content: Mapping[str, Any], populations: Sequence[str] | None, metrics: Sequence[str] | None
) -> list[str]:
    problems: list[str] = []
    for n, dimension in enumerate(content["dimensions"], start=1):
        where = (
            f"dimensions[{n}] ({dimension.get('code') if isinstance(dimension, Mapping) else '?'})"
        )
        if not isinstance(dimension, Mapping):
            problems.append(f"{where}: expected a mapping")
            continue
        problems += _name_problems(dimension, where)
        if not _is_number(dimension.get("weight")) or dimension["weight"] < 0:
            problems.append(f"{where}: weight must be a number >= 0")
        indicators = dimension.get("indicators")
        if not isinstance(indicators, list) or not indicators:
            problems.append(f"{where}: expected a non-empty list of indicators")
            continue
        for indicator in indicators:
            problems += _indicator_problems(indicator, populations, metrics)
    return problems


def _name_problems(node: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    if not isinstance(node.get("code"), str) or not node["code"].strip():
        problems.append(f"{where}: missing code")
    elif node["code"] in (UNIT_COLUMN, GROUP_COLUMN):
        problems.append(f"{where}: the code {node['code']!r} is reserved")
    name = node.get("name")
    if not isinstance(name, Mapping) or not name.get("zh"):
        problems.append(f"{where}: name needs zh")
    return problems


def _indicator_problems(
    indicator: Any, populations: Sequence[str] | None, metrics: Sequence[str] | None
) -> list[str]:
    if not isinstance(indicator, Mapping):
        return ["indicator: expected a mapping"]
    where = f"indicator {indicator.get('code', '?')}"
    problems = _name_problems(indicator, where)
    direction = indicator.get("direction", 1)
    if direction not in (1, -1):
        problems.append(f"{where}: direction must be 1 or -1")
    if not _is_number(indicator.get("weight", 1)) or indicator.get("weight", 1) < 0:
        problems.append(f"{where}: weight must be a number >= 0")
    posts = indicator.get("goalposts")
    if (
        not isinstance(posts, list)
        or len(posts) != 2
        or not all(_is_number(p) for p in posts)
        or posts[0] == posts[1]
    ):
        problems.append(f"{where}: goalposts must be [worst, best], two different numbers")
    elif (posts[1] - posts[0]) * (1 if direction == -1 else -1) > 0:
        problems.append(f"{where}: goalposts [worst, best] contradict the direction")
    if not isinstance(indicator.get("provisional", False), bool):
        problems.append(f"{where}: provisional must be true or false")
    source = indicator.get("source")
    if not isinstance(source, Mapping) or not isinstance(source.get("how"), Mapping):
        problems.append(f"{where}: source needs `how` (zh/en: how it is computed)")
    return problems + _data_problems(indicator.get("data"), where, populations, metrics)


def _data_problems(
    data: Any, where: str, populations: Sequence[str] | None, metrics: Sequence[str] | None
) -> list[str]:
    if not isinstance(data, Mapping) or data.get("kind") not in DATA_KINDS:
        return [f"{where}: data.kind must be one of {', '.join(DATA_KINDS)}"]
    kind, problems = data["kind"], []
    needed = {
        "snapshot_share": ("population", "metric"),
        "result_mean": ("model", "node"),
        "result_level": ("model",),
        "result_rate": ("model", "per"),
    }[kind]
    problems += [f"{where}: data.{key} is missing" for key in needed if not data.get(key)]
    pairs = []
    if kind == "snapshot_share":
        pairs.append((data.get("population"), data.get("metric")))
    if kind == "result_rate":
        per = data.get("per")
        if not isinstance(per, Mapping) or not per.get("population") or not per.get("metric"):
            problems.append(f"{where}: data.per needs population and metric")
        else:
            pairs.append((per["population"], per["metric"]))
    for population, metric in pairs:
        if populations is not None and population not in populations:
            problems.append(f"{where}: unknown snapshot population {population!r}")
        if metrics is not None and metric not in metrics:
            problems.append(f"{where}: unknown snapshot metric {metric!r}")
    if "scale" in data and (not _is_number(data["scale"]) or data["scale"] <= 0):
        problems.append(f"{where}: data.scale must be a number > 0")
    return problems


def _uncertainty_problems(content: Mapping[str, Any], tree: IndexTree) -> list[str]:
    ua = content["uncertainty"]
    problems = []
    n = ua.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        problems.append("uncertainty.n: expected a whole number >= 2")
    if not isinstance(ua.get("seed", 0), int):
        problems.append("uncertainty.seed: expected a whole number")
    inputs = ua.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        return [*problems, "uncertainty.inputs: expected a non-empty list"]
    names = [i.get("name") for i in inputs if isinstance(i, Mapping)]
    if len(names) != len(inputs) or len(set(names)) != len(names) or not all(names):
        problems.append("uncertainty.inputs: every input needs a unique name")
    for spec in inputs:
        if isinstance(spec, Mapping):
            problems += _input_problems(content, spec)
    return problems


def _input_problems(content: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    where = f"uncertainty input {spec.get('name')}"
    alternatives = spec.get("alternatives") or []
    noise = spec.get("weight_noise")
    if not alternatives and noise is None:
        return [f"{where}: give alternatives or weight_noise"]
    problems = []
    if noise is not None and (not _is_number(noise) or not 0 < noise < 1):
        problems.append(f"{where}: weight_noise must be in (0, 1)")
    if alternatives and (not isinstance(alternatives, list) or len(alternatives) < 2):
        problems.append(f"{where}: alternatives must list at least two choices")
        return problems
    for alternative in alternatives:
        if not isinstance(alternative, Mapping):
            problems.append(f"{where}: each alternative must be a mapping")
            continue
        override = _expand(content, alternative)
        problems += [f"{where}: {p}" for p in validate_config(override)]
    return problems


def _tier_problems(content: Mapping[str, Any]) -> list[str]:
    tiers = content["method"].get("tiers") or {}
    if tiers.get("method", "rank_thirds") not in TIER_METHODS:
        return [f"method.tiers.method: use one of {', '.join(TIER_METHODS)}"]
    return []


def _method_problems(
    content: Mapping[str, Any], populations: Sequence[str] | None, metrics: Sequence[str] | None
) -> list[str]:
    """Choices the computation would not follow: an imputation group other than a county's city
    or a chain's cluster, a unit rule on a population or metric the snapshot does not hold."""
    method = content["method"]
    problems = []
    by = (method.get("impute") or {}).get("by") or {}
    allowed = ", ".join(f"{k}: {v}" for k, v in IMPUTE_GROUPS.items())
    if not isinstance(by, Mapping) or any(IMPUTE_GROUPS.get(k) != v for k, v in by.items()):
        problems.append(f"method.impute.by: the groups computed are {allowed}")
    units = method.get("units") or {}
    population, metric = units.get("population", "all"), units.get("metric", "enterprises")
    if populations is not None and population not in populations:
        problems.append(f"method.units: unknown snapshot population {population!r}")
    if metrics is not None and metric not in metrics:
        problems.append(f"method.units: unknown snapshot metric {metric!r}")
    return problems


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


# --- reading a valid definition ------------------------------------------------------------------


def definition_check(content: Any, **known: Sequence[str] | None) -> None:
    """Raise ``DefinitionError`` listing every problem (see ``definition_problems``)."""
    problems = definition_problems(content, **known)
    if problems:
        raise DefinitionError(problems)


def imeta_table(content: Mapping[str, Any]) -> pl.DataFrame:
    """The tree as a COINr-style iMeta table: index (level 3), dimensions (2), indicators (1)."""
    index = content["index"]
    rows: list[dict[str, Any]] = [_meta_row(index, 3, "Aggregate", None, 1.0)]
    for dimension in content["dimensions"]:
        rows.append(_meta_row(dimension, 2, "Aggregate", index["code"], float(dimension["weight"])))
        for indicator in dimension["indicators"]:
            row = _meta_row(
                indicator, 1, "Indicator", dimension["code"], float(indicator.get("weight", 1))
            )
            row["Direction"] = int(indicator.get("direction", 1))
            row["Unit"] = str(indicator.get("unit", ""))
            rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def _meta_row(
    node: Mapping[str, Any], level: int, kind: str, parent: str | None, weight: float
) -> dict[str, Any]:
    return {
        "Level": level,
        "iCode": str(node["code"]),
        "iName": str((node.get("name") or {}).get("zh", node["code"])),
        "Direction": 1,
        "Weight": weight,
        "Unit": "",
        "Parent": parent,
        "Type": kind,
    }


def definition_tree(content: Mapping[str, Any]) -> IndexTree:
    """The validated indicator tree (raises ``IndexMetaError`` listing every problem)."""
    return read_meta(imeta_table(content))


def indicator_specs(content: Mapping[str, Any]) -> tuple[IndicatorSpec, ...]:
    """Every indicator with its data source, in definition order."""
    specs = []
    for dimension in content["dimensions"]:
        for raw in dimension["indicators"]:
            data = raw["data"]
            per = data.get("per") or {}
            specs.append(
                IndicatorSpec(
                    code=raw["code"],
                    parent=dimension["code"],
                    direction=int(raw.get("direction", 1)),
                    weight=float(raw.get("weight", 1)),
                    goalposts=(float(raw["goalposts"][0]), float(raw["goalposts"][1])),
                    data=IndicatorData(
                        kind=data["kind"],
                        population=data.get("population", ""),
                        metric=data.get("metric", ""),
                        model=data.get("model", ""),
                        node=data.get("node", ""),
                        per_population=per.get("population", ""),
                        per_metric=per.get("metric", ""),
                        scale=float(data.get("scale", 1)),
                    ),
                )
            )
    return tuple(specs)


def definition_nodes(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every node, top down: code, name (zh), name_en, parent, level (3 index, 2 dimension,
    1 indicator), weight, provisional, plus unit, direction, goalposts, data and source for
    indicators."""
    index, provisional = content["index"], bool(content.get("provisional", False))
    nodes = [_node(index, None, 3, 1.0, provisional)]
    for dimension in content["dimensions"]:
        nodes.append(_node(dimension, index["code"], 2, float(dimension["weight"]), provisional))
        for raw in dimension["indicators"]:
            node = _node(raw, dimension["code"], 1, float(raw.get("weight", 1)), provisional)
            node |= {
                "unit": raw.get("unit", ""),
                "direction": int(raw.get("direction", 1)),
                "goalposts": list(raw["goalposts"]),
                "data": dict(raw["data"]),
                "source": dict(raw.get("source") or {}),
                "provisional": bool(raw.get("provisional", provisional)),
            }
            nodes.append(node)
    return nodes


def _node(
    raw: Mapping[str, Any], parent: str | None, level: int, weight: float, provisional: bool
) -> dict[str, Any]:
    name = raw.get("name") or {}
    return {
        "code": raw["code"],
        "name": name.get("zh", raw["code"]),
        "name_en": name.get("en", ""),
        "parent": parent,
        "level": level,
        "weight": weight,
        "provisional": bool(raw.get("provisional", provisional)),
        "plan": raw.get("plan", ""),
    }


# --- engine configuration ------------------------------------------------------------------------


def pipeline_config(content: Mapping[str, Any], unit_level: str) -> dict[str, Any]:
    """The index engine's configuration for one unit level (``scoring.index.run_pipeline``)."""
    return _config(content, unit_level)


def _config(content: Mapping[str, Any], unit_level: str) -> dict[str, Any]:
    method = content.get("method") or {}
    impute = dict(method.get("impute") or {"method": "none"})
    by = impute.get("by") or {}
    treat = method.get("treat")
    aggregate = method.get("aggregate") or {}
    return {
        "unit": UNIT_COLUMN,
        "denominate": False,
        "impute": {
            "method": impute.get("method", "mean"),
            "by": GROUP_COLUMN if isinstance(by, Mapping) and by.get(unit_level) else None,
        },
        "screen": None,
        "treat": _treat(treat) if treat and treat.get("apply", True) else None,
        "normalise": _normalise(content, (method.get("normalise") or {}).get("method")),
        "aggregate": _plain(aggregate, ("method", "dat_thresh")),
        "rank_decimals": method.get("rank_decimals"),
    }


def _plain(section: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The engine's keys of a method section (the definition adds `why`)."""
    return {key: section[key] for key in keys if key in section}


def _treat(section: Mapping[str, Any]) -> dict[str, Any]:
    return _plain(section, ("winmax", "skew", "kurt"))


def normalise_scale(content: Mapping[str, Any]) -> tuple[float, float]:
    scale = ((content.get("method") or {}).get("normalise") or {}).get("scale")
    return (float(scale[0]), float(scale[1])) if scale else DEFAULT_SCALE


def _normalise(content: Mapping[str, Any], method: str | None) -> dict[str, Any]:
    """``goalposts``: each indicator's [worst, best] mapped onto the scale [lo, hi] (worst → lo,
    best and beyond → hi); ``minmax``: per-year min-max onto [lo, hi]."""
    lo, hi = normalise_scale(content)
    if method == "minmax":
        return {"method": "minmax", "lower": lo, "upper": hi}
    posts = {}
    for spec in indicator_specs(content):
        worst, best = spec.goalposts
        # score = hi · clip((x − w′)/(b − w′)) equals lo at x = w when w′ = w − lo·(b − w)/(hi − lo)
        shifted = worst - lo * (best - worst) / (hi - lo)
        posts[spec.code] = (shifted, best)
    return {"method": "goalposts", "posts": posts, "upper": hi}


def _expand(content: Mapping[str, Any], alternative: Mapping[str, Any]) -> dict[str, Any]:
    """An uncertainty alternative as an engine configuration override: ``{normalise:
    goalposts | minmax}`` expands to the definition's goalposts or its min-max scale, ``{treat:
    jrc}`` to the JRC rule with the parameters of ``method.treat``."""
    out = dict(alternative)
    if out.get("treat") == "jrc":
        out["treat"] = _treat(method_section(content, "treat"))
    choice = out.get("normalise")
    if isinstance(choice, str):
        out["normalise"] = _normalise(content, choice if choice in NORMALISE_SHORTHANDS else None)
    return out


@dataclass(frozen=True)
class UncertaintySpec:
    name: str
    alternatives: tuple[dict[str, Any], ...]
    weight_noise: float | None


def uncertainty_specs(content: Mapping[str, Any]) -> tuple[UncertaintySpec, ...]:
    """The uncertain inputs, alternatives expanded to engine configuration overrides."""
    return tuple(
        UncertaintySpec(
            name=str(spec["name"]),
            alternatives=tuple(_expand(content, a) for a in spec.get("alternatives") or ()),
            weight_noise=float(spec["weight_noise"]) if spec.get("weight_noise") else None,
        )
        for spec in content["uncertainty"]["inputs"]
    )


def uncertainty_settings(content: Mapping[str, Any]) -> dict[str, Any]:
    ua = content["uncertainty"]
    return {
        "n": int(ua["n"]),
        "seed": int(ua.get("seed", 0)),
        "sensitivity": bool(ua.get("sensitivity", False)),
    }


def method_section(content: Mapping[str, Any], key: str) -> dict[str, Any]:
    return dict((content.get("method") or {}).get(key) or {})
