"""The pipeline configuration: defaults, partial overrides and validation.

A configuration is a plain mapping (it usually comes from YAML). Every key is optional; a
missing key takes its default and ``None`` (or ``False``) for a stage skips it::

    unit: uCode                                   # unit id column
    denominate: true
    impute: {method: mean, by: null}              # none / mean / median
    screen: {threshold: 0.0}                      # share of indicators present
    treat: {winmax: 5, skew: 2.0, kurt: 3.5}
    normalise: {method: minmax, lower: 0, upper: 100}
    weights: meta                                 # meta / equal / pca / entropy / {code: w}
    aggregate: {method: arithmetic, dat_thresh: null}
    rank_decimals: null                           # round scores before ranking

``validate_config`` lists every problem at once (unknown keys at any depth, unknown methods,
values of the wrong type), so a file with three mistakes is fixed in one round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scoring.index.aggregate import METHODS as AGGREGATE_METHODS
from scoring.index.impute import METHODS as IMPUTE_METHODS
from scoring.index.normalise import METHODS as NORMALISE_METHODS
from scoring.index.weights import spec_problems as weights_problems

STAGES = (
    "unit",
    "rank_decimals",
    "denominate",
    "impute",
    "screen",
    "treat",
    "normalise",
    "weights",
    "aggregate",
)
DEFAULTS: dict[str, Any] = {
    "unit": "uCode",
    "denominate": True,
    "screen": {"threshold": 0.0},
    "impute": {"method": "mean", "by": None},
    "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5},
    "normalise": {"method": "minmax"},
    "weights": None,
    "aggregate": {"method": "arithmetic", "dat_thresh": None},
    "rank_decimals": None,
}
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "impute": ("method", "by"),
    "screen": ("threshold",),
    "treat": ("winmax", "skew", "kurt"),
    "normalise": ("method", "lower", "upper", "mean", "sd", "targets", "posts", "cap"),
    "aggregate": ("method", "dat_thresh"),
}
SECTION_METHODS: dict[str, tuple[str, ...]] = {
    "impute": IMPUTE_METHODS,
    "normalise": NORMALISE_METHODS,
    "aggregate": AGGREGATE_METHODS,
}
NUMBERS: dict[str, tuple[str, ...]] = {
    "screen": ("threshold",),
    "treat": ("winmax", "skew", "kurt"),
    "normalise": ("lower", "upper", "mean", "sd"),
    "aggregate": ("dat_thresh",),
}
NULLABLE = (("aggregate", "dat_thresh"),)  # null = no threshold; other numbers need a value


class IndexConfigError(ValueError):
    """The configuration is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings are merged key by key (except ``weights``, replaced whole), anything
    else in ``override`` replaces.

    ``merge({"treat": {"winmax": 5, "skew": 2}}, {"treat": {"winmax": 1}})`` keeps
    ``skew``; an override of ``None`` switches a stage off.
    """
    out = dict(base)
    for key, value in override.items():
        old = out.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping) and key != "weights":
            out[key] = merge(old, value)
        else:
            out[key] = value
    return out


def full_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults overridden by ``config`` after validation (raises ``IndexConfigError``)."""
    problems = validate_config(config or {})
    if problems:
        raise IndexConfigError(problems)
    return {**DEFAULTS, **(config or {})}


def validate_config(config: Mapping[str, Any]) -> list[str]:
    """Every problem of a configuration, as short English sentences (empty when valid)."""
    unknown = sorted(str(k) for k in config if k not in STAGES)
    problems = [f"unknown pipeline stages: {', '.join(unknown)}"] if unknown else []
    for name in SECTION_KEYS:
        section = config.get(name)
        if section not in (None, False):
            problems += _section_problems(name, section)
    problems += weights_problems(config.get("weights"))
    problems += _scalar_problems(config)
    return problems


def _section_problems(name: str, section: Any) -> list[str]:
    if not isinstance(section, Mapping):
        return [f"{name}: expected a mapping of settings or null"]
    problems = [
        f"{name}: unknown setting {key!r}" for key in section if key not in SECTION_KEYS[name]
    ]
    method = section.get("method")
    if name in SECTION_METHODS and method is not None and method not in SECTION_METHODS[name]:
        problems.append(f"{name}: unknown method {method!r}; use one of {SECTION_METHODS[name]}")
    for key in NUMBERS.get(name, ()):
        value = section.get(key)
        if key not in section or (value is None and (name, key) in NULLABLE):
            continue
        if not _is_number(value):
            problems.append(f"{name}.{key}: expected a number, got {value!r}")
    if name == "impute" and not isinstance(section.get("by") or "", str):
        problems.append("impute.by: expected a column name or null")
    if name == "normalise":
        problems += _parameter_problems(section)
        lower, upper = section.get("lower", 0.0), section.get("upper", 100.0)
        if _is_number(lower) and _is_number(upper) and lower >= upper:
            problems.append(f"normalise: lower ({lower}) must be below upper ({upper})")
    return problems


def _parameter_problems(section: Mapping[str, Any]) -> list[str]:
    targets, posts = section.get("targets"), section.get("posts")
    problems = []
    if targets is not None and not (
        isinstance(targets, Mapping) and all(_is_number(v) for v in targets.values())
    ):
        problems.append("normalise.targets: expected a mapping of indicator code to number")
    if posts is not None and not (
        isinstance(posts, Mapping) and all(_is_pair(v) for v in posts.values())
    ):
        problems.append("normalise.posts: expected a mapping of indicator code to [worst, best]")
    return problems


def _is_pair(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2 and all(map(_is_number, value))


def _scalar_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    if not isinstance(config.get("unit", "uCode"), str):
        problems.append("unit: expected a column name")
    decimals = config.get("rank_decimals")
    if decimals is not None and (
        isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0
    ):
        problems.append("rank_decimals: expected a whole number >= 0 or null")
    if not isinstance(config.get("denominate", True), bool):
        problems.append("denominate: expected true or false")
    return problems


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
