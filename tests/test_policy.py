"""The authorization matrix, generated from config/policy.yaml.

Every route × method × role × object listed in the policy is requested, and the outcome (allowed,
403, 404, or sent to log in) must be the one the policy states. A meta-test fails when the URLconf
has a route the policy does not list, or the policy lists a route that no longer exists.
The expected jurisdictions are written out here from the shared world (conftest.py), independently
of accounts/scoping.py, so a scoping bug cannot hide behind itself.
"""

from __future__ import annotations

import csv
import fnmatch
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken
from assessments.tests import policy_objects as assessment_objects
from catalog.tests import policy_objects as catalog_objects
from conftest import World
from devindex.tests import policy_objects as devindex_objects
from frameworks.models import Framework, FrameworkVersion
from monitoring.tests import dashboard_policy_objects as dashboard_objects
from recognition.tests import policy_objects as recognition_objects
from registry.models import ImportJob
from targets.tests import page_policy_objects as target_page_objects
from targets.tests import report_policy_objects as target_report_objects


def _load_policy() -> dict[str, Any]:
    """config/policy.yaml plus the route tables of the apps it includes (each app lists its own
    routes next to its code); a route listed twice is an error."""
    base = Path(settings.BASE_DIR)
    policy = yaml.safe_load((base / "config" / "policy.yaml").read_text())
    for name in policy.get("include", []):
        extra = yaml.safe_load((base / name).read_text())
        twice = policy["routes"].keys() & extra["routes"].keys()
        assert not twice, f"{name} lists routes already listed: {sorted(twice)}"
        policy["routes"].update(extra["routes"])
    return policy


POLICY = _load_policy()
ROLES: list[str] = POLICY["roles"]

# Which of the world's enterprises each role may see (the policy's jurisdiction rules).
VISIBLE_ENTERPRISES = {
    "province": {"e1", "e2", "e3"},
    "city": {"e1", "e2"},
    "county": {"e1"},
    "enterprise": {"e1"},
}
OBJECTS = {
    "enterprise": ["e1", "e2", "e3"],
    "import_job": ["province", "city"],
    "api_token": ["province", "city"],
    "framework_version": ["published", "draft"],
    "framework": ["published", "draft"],
}
# Apps with their own routes contribute object kinds: <app>/tests/policy_objects.py has
# OBJECT_KEYS (kind → keys) and build(world) → {kind: {key: object or URL kwargs}}. Enterprise
# data is keyed e1/e2/e3 (scope: VISIBLE_ENTERPRISES); `assigned` objects are allowed for the key
# "e1" only (the world's provider and expert are assigned to E1's objects).
OBJECT_BUILDERS = [
    assessment_objects,
    recognition_objects,
    dashboard_objects,
    devindex_objects,
    target_page_objects,
    target_report_objects,
    catalog_objects,
]
for _module in OBJECT_BUILDERS:
    OBJECTS.update(_module.OBJECT_KEYS)


@dataclass(frozen=True)
class Cell:
    route: str
    method: str
    role: str
    condition: str
    obj: str | None
    kwarg: str

    def __str__(self) -> str:
        return f"{self.route} {self.method} {self.role}" + (f" {self.obj}" if self.obj else "")


def _cells() -> list[Cell]:
    cells = []
    for route, entry in POLICY["routes"].items():
        if "*" in route:
            continue
        for method in entry["methods"]:
            for role in ROLES:
                condition = entry.get(role, entry["default"])
                for obj in OBJECTS.get(entry.get("object", ""), [None]):
                    cells.append(
                        Cell(route, method, role, condition, obj, entry.get("kwarg", "pk"))
                    )
    return cells


def _expected(cell: Cell) -> str:
    if cell.condition == "scope":
        return "allow" if cell.obj in VISIBLE_ENTERPRISES.get(cell.role, set()) else "hidden"
    if cell.condition == "own":
        return "allow" if cell.obj == cell.role else "hidden"
    if cell.condition == "published":
        return "allow" if cell.obj == "published" else "hidden"
    if cell.condition == "owner":
        return "allow" if cell.obj in {"published", "own"} else "hidden"
    if cell.condition == "assigned":
        return "allow" if cell.obj == "e1" else "hidden"
    return cell.condition


def _outcome(response: Any) -> str:
    code = response.status_code
    if code == 401 or (300 <= code < 400 and "login" in response.get("Location", "")):
        return "login"
    return {403: "deny", 404: "hidden", 405: "method not allowed"}.get(
        code, "server error" if code >= 500 else "allow"
    )


@pytest.fixture
def objects(world: World, tmp_path, settings) -> dict[str, dict[str, Any]]:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    jobs, tokens = {}, {}
    for role in ("province", "city"):
        user = world.users[role]
        report = f"report-{role}.xlsx"
        (tmp_path / "imports" / report).write_bytes(b"PK\x03\x04 test report")
        jobs[role] = ImportJob.objects.create(
            created_by=user,
            original_name="x.xlsx",
            stored_name=f"{role}.xlsx",
            status=ImportJob.Status.DONE,
            report_name=report,
        )
        tokens[role] = ApiToken.objects.create(
            user=user,
            name="t",
            prefix="zg_x",
            key_hash=f"{role:0<64}",
            expires_at=timezone.now() + timedelta(days=1),
        )
    enterprises = {"e1": world.e1, "e2": world.e2, "e3": world.e3}
    versions = {
        state: _framework_version(code, status)
        for state, code, status in (("published", "PUB", "published"), ("draft", "DRA", "draft"))
    }
    objects: dict[str, dict[str, Any]] = {
        "enterprise": enterprises,
        "import_job": jobs,
        "api_token": tokens,
        "framework_version": versions,
        "framework": {state: {"code": kw["code"]} for state, kw in versions.items()},
    }
    for module in OBJECT_BUILDERS:
        objects.update(module.build(world))
    return objects


def _framework_version(code: str, status: str) -> dict[str, str]:
    """A one-question model version, written directly; URLs name it by code and version."""
    definition = {
        "format": "zhigai-framework/1",
        "framework": {"code": code, "version": "1", "title": {"zh": "测试"}, "score_scale": 100},
        "levels": [{"code": "L1", "name": {"zh": "一级"}}],
        "nodes": [{"code": "q", "title": {"zh": "题"}, "question": {"type": "yes_no"}}],
    }
    FrameworkVersion.objects.create(
        framework=Framework.objects.create(code=code),
        version="1",
        status=status,
        title_zh="测试",
        definition=definition,
        digest=code.ljust(64, "0"),
        imported_at=timezone.now(),
    )
    return {"code": code, "version": "1"}


def _client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("cell", _cells(), ids=str)
def test_policy_matrix(cell: Cell, world: World, objects) -> None:
    kwargs = {}
    if cell.obj is not None:
        target = objects[POLICY["routes"][cell.route]["object"]][cell.obj]
        # Objects named by several URL parts (framework code and version) are given as a dict.
        kwargs = dict(target) if isinstance(target, dict) else {cell.kwarg: target.pk}
    url = reverse(cell.route, kwargs=kwargs)
    client = _client_for(world, cell.role)
    if cell.method == "GET":
        response = client.get(url)
    elif cell.route.startswith("api:"):  # the API reads JSON bodies (POST, PUT)
        response = client.generic(cell.method, url, "{}", content_type="application/json")
    else:
        response = client.post(url, {})
    assert _outcome(response) == _expected(cell), f"{cell}: {response.status_code}"


@pytest.mark.parametrize(
    ("route", "role"),
    [(route, role) for route in POLICY["admin_samples"] for role in ROLES],
)
def test_admin_samples(route: str, role: str, world: World) -> None:
    expected = POLICY["admin_samples"][route].get(role, POLICY["routes"]["admin:*"]["default"])
    response = _client_for(world, role).get(reverse(route))
    assert _outcome(response) == expected, f"{route} {role}: {response.status_code}"


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {pattern.pattern}>"
            names.add(f"{namespace}:{name}" if namespace else name)
    return names


def test_every_route_is_in_the_policy() -> None:
    listed = POLICY["routes"].keys()
    missing = {
        name
        for name in _url_names(get_resolver().url_patterns)
        if not any(fnmatch.fnmatchcase(name, entry) for entry in listed)
    }
    assert missing == set()


def test_the_policy_lists_no_route_that_does_not_exist() -> None:
    names = _url_names(get_resolver().url_patterns)
    stale = {route for route in POLICY["routes"] if "*" not in route and route not in names}
    assert stale == set()


# Collections: the rows a list, search or export returns are exactly the rows in scope.


@pytest.mark.parametrize("role", ["province", "city", "county", "enterprise"])
def test_enterprise_list_page_shows_exactly_the_jurisdiction(role: str, world: World) -> None:
    response = _client_for(world, role).get(reverse("registry:enterprise-list"))
    shown = {key for key in ("e1", "e2", "e3") if getattr(world, key).uscc in response.text}
    assert shown == VISIBLE_ENTERPRISES[role]


@pytest.mark.parametrize("role", ["province", "city", "county"])
def test_enterprise_export_holds_exactly_the_jurisdiction(role: str, world: World) -> None:
    response = _client_for(world, role).get(reverse("registry:enterprise-export") + "?format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    exported = {row[0] for row in list(csv.reader(io.StringIO(body)))[1:]}
    expected = {getattr(world, key).uscc for key in VISIBLE_ENTERPRISES[role]}
    assert exported == expected


@pytest.mark.parametrize("role", ["province", "city", "county"])
def test_home_page_counts_only_the_jurisdiction(role: str, world: World) -> None:
    response = _client_for(world, role).get(reverse("core:home"))
    assert response.context["enterprise_total"] == len(VISIBLE_ENTERPRISES[role])
