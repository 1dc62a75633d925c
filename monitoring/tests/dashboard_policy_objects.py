"""Objects of the monitoring dashboards for the authorization matrix (tests/test_policy.py): the
city and the county of each world enterprise (URL kwargs), and a finished snapshot with cells for
them, so the matrix requests the dashboards with data rather than their empty state."""

from __future__ import annotations

from typing import Any

from conftest import World
from monitoring.tests.dashboard_factories import make_cell, make_snapshot

OBJECT_KEYS: dict[str, list[str]] = {
    "dashboard_city": ["e1", "e2", "e3"],
    "dashboard_county": ["e1", "e2", "e3"],
}


def build(world: World) -> dict[str, dict[str, Any]]:
    enterprises = {"e1": world.e1, "e2": world.e2, "e3": world.e3}
    snapshot = make_snapshot(years=[2026])
    for code, level in (("32", "province"), ("3201", "city"), ("3205", "city")):
        make_cell(snapshot, year=2026, level=level, code=code)
    for enterprise in enterprises.values():
        make_cell(snapshot, year=2026, level="county", code=enterprise.county_id)
    return {
        "dashboard_city": {key: {"code": e.city_id} for key, e in enterprises.items()},
        "dashboard_county": {key: {"code": e.county_id} for key, e in enterprises.items()},
    }
