"""The coverage definition (monitoring/data/coverage.yaml) as typed, read-only data: populations,
metrics with their counting rule, and the plan's targets with their source and `verified` mark.

No Django imports: the pure computation (monitoring/coverage.py) takes a CoverageDefinition.
`target_expected` turns a target into the value expected for one year (a straight line from zero
before the plan's first year up to a cumulative target; the value itself for a yearly target).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFINITION_FILE = Path(__file__).resolve().parent / "data" / "coverage.yaml"
FORMAT = "zhigai-coverage/1"
RULES = (
    "count",
    "assessed_in_year",
    "has_result",
    "level_at_least",
    "level_first_reached",
    "recognised",
)
HOLDS = ("all", "yearly", "from_year")
REGION_LEVELS = ("province", "city", "county", "zone")
GROUP_KINDS = ("all", "cluster", "chain")
TARGET_KINDS = ("share", "count")


class DefinitionError(ValueError):
    """The coverage definition file is not valid; the message lists every problem."""


@dataclass(frozen=True)
class Population:
    code: str
    name: Mapping[str, str]
    category: str | None
    holds: str
    note: str = ""


@dataclass(frozen=True)
class Target:
    population: str
    kind: str
    value: float
    by_year: int | None
    each_year: bool
    levels: tuple[str, ...]
    groups: tuple[str, ...]
    task: int
    quote: str
    verified: bool
    note: str = ""

    def applies(self, *, population: str, region_level: str, group_kind: str) -> bool:
        return (
            self.population == population
            and region_level in self.levels
            and group_kind in self.groups
        )


@dataclass(frozen=True)
class Metric:
    code: str
    name: Mapping[str, str]
    rule: str
    framework: str = ""
    level: str = ""
    application_type: str = ""
    note: str = ""
    targets: tuple[Target, ...] = ()

    def target_for(self, *, population: str, region_level: str, group_kind: str) -> Target | None:
        for target in self.targets:
            if target.applies(
                population=population, region_level=region_level, group_kind=group_kind
            ):
                return target
        return None


@dataclass(frozen=True)
class CoverageDefinition:
    version: str
    digest: str
    start_year: int
    end_year: int
    populations: tuple[Population, ...]
    metrics: tuple[Metric, ...]

    @property
    def population_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.populations)

    @property
    def metric_codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.metrics)

    def metric(self, code: str) -> Metric:
        for metric in self.metrics:
            if metric.code == code:
                return metric
        raise KeyError(code)

    def level_thresholds(self) -> tuple[tuple[str, str], ...]:
        """(framework, level) pairs the level rules need, in file order, without repeats."""
        pairs = [(m.framework, m.level) for m in self.metrics if m.level]
        return tuple(dict.fromkeys(pairs))


def target_expected(target: Target, *, year: int, start_year: int) -> float | None:
    """The value expected in `year`: a yearly target's value in every year from the plan's
    start; for a cumulative target reached by `by_year`, value · (year − start + 1) /
    (by_year − start + 1), i.e. a straight line from zero before the start year (platform rule,
    unverified), and the value itself from `by_year` on. None before the plan starts."""
    if year < start_year:
        return None
    if target.each_year or target.by_year is None:
        return target.value
    if year >= target.by_year:
        return target.value
    return target.value * (year - start_year + 1) / (target.by_year - start_year + 1)


# --- parsing ------------------------------------------------------------------------------------


def _text(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    return {"zh": str(raw), "en": str(raw)}


def _population(raw: Mapping[str, Any], problems: list[str]) -> Population:
    code = str(raw.get("code", ""))
    holds = str(raw.get("holds", ""))
    category = raw.get("category")
    if holds not in HOLDS:
        problems.append(f"population {code}: holds must be one of {HOLDS}")
    if (holds == "all") != (category is None):
        problems.append(f"population {code}: `all` has no category, the others have one")
    return Population(
        code=code,
        name=_text(raw.get("name", code)),
        category=str(category) if category is not None else None,
        holds=holds,
        note=str(raw.get("note", "")),
    )


def _target(raw: Mapping[str, Any], where: str, problems: list[str]) -> Target:
    source = raw.get("source") or {}
    target = Target(
        population=str(raw.get("population", "")),
        kind=str(raw.get("kind", "")),
        value=float(raw.get("value", 0)),
        by_year=int(raw["by_year"]) if raw.get("by_year") is not None else None,
        each_year=bool(raw.get("each_year", False)),
        levels=tuple(str(v) for v in raw.get("levels", REGION_LEVELS)),
        groups=tuple(str(v) for v in raw.get("groups", GROUP_KINDS)),
        task=int(source.get("task", 0)),
        quote=str(source.get("quote", "")),
        verified=bool(raw.get("verified", False)),
        note=str(raw.get("note", "")),
    )
    if target.kind not in TARGET_KINDS:
        problems.append(f"{where}: target kind must be one of {TARGET_KINDS}")
    if target.each_year == (target.by_year is not None):
        problems.append(f"{where}: a target has either by_year or each_year")
    if not set(target.levels) <= set(REGION_LEVELS) or not set(target.groups) <= set(GROUP_KINDS):
        problems.append(f"{where}: unknown region level or group kind")
    if not target.task or not target.quote:
        problems.append(f"{where}: a target needs its source (task and quote)")
    return target


def _metric(raw: Mapping[str, Any], problems: list[str]) -> Metric:
    code = str(raw.get("code", ""))
    rule = str(raw.get("rule", ""))
    metric = Metric(
        code=code,
        name=_text(raw.get("name", code)),
        rule=rule,
        framework=str(raw.get("framework") or ""),
        level=str(raw.get("level") or ""),
        application_type=str(raw.get("application_type") or ""),
        note=str(raw.get("note", "")),
        targets=tuple(_target(t, f"metric {code}", problems) for t in raw.get("targets", []) or []),
    )
    if rule not in RULES:
        problems.append(f"metric {code}: rule must be one of {RULES}")
    if rule in ("has_result", "level_at_least", "level_first_reached") and not metric.framework:
        problems.append(f"metric {code}: rule {rule} needs a framework")
    if rule in ("level_at_least", "level_first_reached") and not metric.level:
        problems.append(f"metric {code}: rule {rule} needs a level")
    if rule == "recognised" and not metric.application_type:
        problems.append(f"metric {code}: rule recognised needs an application_type")
    return metric


def definition_parse(raw: Mapping[str, Any], *, digest: str = "") -> CoverageDefinition:
    """Check and type a parsed coverage file; DefinitionError lists every problem."""
    problems: list[str] = []
    if raw.get("format") != FORMAT:
        problems.append(f"format must be {FORMAT}")
    plan = raw.get("plan") or {}
    populations = tuple(_population(p, problems) for p in raw.get("populations", []))
    metrics = tuple(_metric(m, problems) for m in raw.get("metrics", []))
    codes = [p.code for p in populations]
    metric_codes = [m.code for m in metrics]
    if len(set(codes)) != len(codes) or len(set(metric_codes)) != len(metric_codes):
        problems.append("population and metric codes must be unique")
    if "enterprises" not in metric_codes:
        problems.append("the metric `enterprises` (the denominator) is required")
    for metric in metrics:
        problems += [
            f"metric {metric.code}: unknown target population {t.population}"
            for t in metric.targets
            if t.population not in codes
        ]
    if problems:
        raise DefinitionError("; ".join(problems))
    return CoverageDefinition(
        version=str(raw.get("version", "")),
        digest=digest,
        start_year=int(plan.get("start_year", 2025)),
        end_year=int(plan.get("end_year", 2027)),
        populations=populations,
        metrics=metrics,
    )


def definition_raw() -> dict[str, Any]:
    """The coverage file as parsed YAML."""
    with DEFINITION_FILE.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


@functools.cache
def coverage_definition() -> CoverageDefinition:
    """The coverage definition, checked; read once per process."""
    digest = hashlib.sha256(DEFINITION_FILE.read_bytes()).hexdigest()
    return definition_parse(definition_raw(), digest=digest)
