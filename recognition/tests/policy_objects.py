"""Objects of the recognition app for the authorization matrix (tests/test_policy.py): for each
world enterprise an application at expert review (the world's expert assigned to e1's only) and a
recognised application (for the certificate page)."""

from __future__ import annotations

from typing import Any

from conftest import World
from recognition.models import Application
from recognition.tests.factories import make_application

OBJECT_KEYS: dict[str, list[str]] = {
    "application": ["e1", "e2", "e3"],
    "recognised_application": ["e1", "e2", "e3"],
}


def build(world: World) -> dict[str, dict[str, Any]]:
    enterprises = {"e1": world.e1, "e2": world.e2, "e3": world.e3}
    by = world.users["enterprise"]
    applications = {
        key: make_application(enterprise=e, by=by, status=Application.Status.EXPERT_REVIEW)
        for key, e in enterprises.items()
    }
    applications["e1"].expert_assignments.create(
        expert=world.users["expert"], assigned_by=world.users["province"]
    )
    recognised = {
        key: make_application(
            enterprise=e,
            by=by,
            type="smart_workshop",
            status=Application.Status.RECOGNISED,
            certificate_no=f"TEST-{key}",
            certificate_year=2025,
        )
        for key, e in enterprises.items()
    }
    return {"application": applications, "recognised_application": recognised}
