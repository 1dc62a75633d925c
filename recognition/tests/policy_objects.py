"""Objects of the recognition app for the authorization matrix (tests/test_policy.py)."""

from __future__ import annotations

from typing import Any

from conftest import World

OBJECT_KEYS: dict[str, list[str]] = {}


def build(world: World) -> dict[str, dict[str, Any]]:
    return {}
