"""Prerequisite rules name other models ("CMMM ≥ L2"); their level order comes from the published
version of that model, so a level code is compared by rank, never by spelling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from frameworks.models import FrameworkVersion
from scoring.maturity import PrerequisiteResult
from scoring.maturity.batch import prerequisite_codes
from scoring.maturity.types import Framework


def level_orders(codes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Level codes, lowest first, of the published version of each model code (absent: unknown)."""
    orders: dict[str, tuple[str, ...]] = {}
    published = FrameworkVersion.objects.filter(
        framework__code__in=list(codes), status=FrameworkVersion.Status.PUBLISHED
    ).select_related("framework")
    for version in published:
        orders[version.framework.code] = tuple(
            str(level["code"]) for level in version.definition.get("levels", [])
        )
    return orders


def prerequisite_level_orders(framework: Framework) -> dict[str, tuple[str, ...]]:
    return level_orders(prerequisite_codes(framework))


def prerequisite_results(raw: Mapping[str, Any]) -> dict[str, PrerequisiteResult]:
    """`{"CMMM": {"level": "L2", "total": 2.1}}` → PrerequisiteResult per model code."""
    orders = level_orders(raw)
    results = {}
    for code, value in raw.items():
        value = value if isinstance(value, Mapping) else {}
        level, total = value.get("level"), value.get("total")
        results[code] = PrerequisiteResult(
            level=str(level) if level not in (None, "", "none") else None,
            total=float(total) if isinstance(total, int | float) else None,
            level_order=orders.get(code, ()),
        )
    return results
