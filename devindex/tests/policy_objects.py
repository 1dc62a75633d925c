"""Objects of the devindex app for the authorization matrix (tests/test_policy.py): a published
and an unpublished ("draft") finished run of the tiny definition on a constructed snapshot
(written directly, not computed: the matrix builds them for every cell), the same runs' CSV
download, and their definition."""

from __future__ import annotations

from typing import Any

from conftest import World
from devindex.tests.factories import load_definition, make_stored_run, make_tiny_snapshot

OBJECT_KEYS: dict[str, list[str]] = {
    "index_run": ["published", "draft"],
    "index_run_file": ["published", "draft"],
    "index_definition": ["published"],
}


def build(world: World) -> dict[str, dict[str, Any]]:
    snapshot = make_tiny_snapshot(world)
    definition = load_definition()
    runs = {
        "published": make_stored_run(definition=definition, snapshot=snapshot, published=True),
        "draft": make_stored_run(definition=definition, snapshot=snapshot),
    }
    return {
        "index_run": runs,
        "index_run_file": {key: {"pk": run.pk, "fmt": "csv"} for key, run in runs.items()},
        "index_definition": {"published": {"code": definition.code, "version": definition.version}},
    }
