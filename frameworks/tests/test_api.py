"""The frameworks JSON API: who sees which versions, the definition, and scoring (published
versions only; every problem answered as 422; nothing stored)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.tokens import api_token_create
from audit.models import AuditEvent
from conftest import World
from frameworks.api import ANSWERS_INVALID, DRAFT_CANNOT_SCORE
from frameworks.models import FrameworkVersion
from frameworks.selectors import FRAMEWORK_VERSION_NOT_FOUND
from frameworks.tests.factories import FULL_ANSWERS, make_definition, make_version

API = "/api/v1/frameworks"
ALL_ROLES = ["province", "city", "county", "enterprise", "expert", "provider", "admin"]


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _score(client: Client, body: dict[str, Any], path: str = "TEST-A/1") -> Any:
    return client.post(f"{API}/{path}/score", body, content_type="application/json")


@pytest.fixture
def published(world: World) -> FrameworkVersion:
    return make_version(status="published")


@pytest.mark.parametrize(
    ("method", "path"), [("get", ""), ("get", "/TEST-A/1"), ("post", "/TEST-A/1/score")]
)
def test_anonymous_callers_get_401(published: FrameworkVersion, method: str, path: str) -> None:
    assert getattr(Client(), method)(API + path).status_code == 401


@pytest.mark.parametrize(("role", "drafts"), [(r, r in ("province", "admin")) for r in ALL_ROLES])
def test_list_holds_drafts_only_for_province_and_admin(
    world: World, published: FrameworkVersion, role: str, drafts: bool
) -> None:
    make_version(version="2")
    response = _client(world, role).get(API)
    assert response.status_code == 200
    listed = [(item["label"], item["status"]) for item in response.json()]
    expected = [("TEST-A@1", "published")] + ([("TEST-A@2", "draft")] if drafts else [])
    assert listed == expected


def test_list_items_carry_the_metadata(world: World, published: FrameworkVersion) -> None:
    item = _client(world, "city").get(API).json()[0]
    assert item["code"] == "TEST-A"
    assert item["version"] == "1"
    assert item["title_zh"] == "测试模型"
    assert item["digest"] == published.digest
    assert "definition" not in item


def test_detail_returns_the_definition(world: World, published: FrameworkVersion) -> None:
    response = _client(world, "enterprise").get(f"{API}/TEST-A/1")
    assert response.status_code == 200
    assert response.json()["definition"] == published.definition
    assert response.json()["label"] == "TEST-A@1"


def test_a_draft_is_not_found_for_other_roles(world: World) -> None:
    make_version()
    response = _client(world, "city").get(f"{API}/TEST-A/1")
    assert response.status_code == 404
    assert response.json() == {"error": FRAMEWORK_VERSION_NOT_FOUND}
    assert _client(world, "province").get(f"{API}/TEST-A/1").status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_may_score_and_nothing_is_stored(
    world: World, published: FrameworkVersion, role: str
) -> None:
    response = _score(_client(world, role), {"answers": FULL_ANSWERS})
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["framework"], result["version"]) == ("TEST-A", "1")
    assert result["total"] == pytest.approx(100)
    assert result["level"] == "L2"
    assert FrameworkVersion.objects.count() == 1
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exists()


def test_scoring_explains_partial_answers(world: World, published: FrameworkVersion) -> None:
    answers = {"base.mes": "no", "base.network": "wired"}
    result = _score(_client(world, "enterprise"), {"answers": answers}).json()
    # base: MES 0 (share 1/3) and network 0.5 (share 2/3) → 1/3; ops.rate is not applicable
    # (no MES), so ops is N/A and its weight goes to base (renormalise): total 100/3
    assert result["total"] == pytest.approx(100 / 3)
    assert result["level"] is None
    assert result["questions"]["ops.rate"]["status"] == "not_applicable"


def test_scoring_answers_every_problem_with_422(world: World, published: FrameworkVersion) -> None:
    answers = {"base.network": "fibre", "ops.rate": 500, "unknown.q": 1}
    response = _score(_client(world, "city"), {"answers": answers})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == ANSWERS_INVALID
    codes = {p["code"] for p in body["problems"]}
    assert {"unknown_option", "unknown_question", "out_of_range"} <= codes
    assert all(p["message"] for p in body["problems"])


def test_scoring_refuses_an_unknown_variant(world: World, published: FrameworkVersion) -> None:
    response = _score(_client(world, "city"), {"answers": FULL_ANSWERS, "variant": "process"})
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["unknown_variant"]


def test_scoring_refuses_a_prerequisite_model_that_is_not_published(
    world: World, published: FrameworkVersion
) -> None:
    body = {"answers": FULL_ANSWERS, "prerequisites": {"NONE": {"level": "L1"}}}
    response = _score(_client(world, "city"), body)
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["unknown_prerequisite"]


def test_scoring_checks_a_prerequisite_level_against_that_model(
    world: World, published: FrameworkVersion
) -> None:
    make_version(code="BASE-M", status="published", definition=make_definition("BASE-M"))
    client = _client(world, "city")
    bad = _score(client, {"answers": FULL_ANSWERS, "prerequisites": {"BASE-M": {"level": "L9"}}})
    good = _score(client, {"answers": FULL_ANSWERS, "prerequisites": {"BASE-M": {"level": "L2"}}})
    assert [p["code"] for p in bad.json()["problems"]] == ["unknown_prerequisite_level"]
    assert good.status_code == 200


def test_prerequisite_rules_use_the_supplied_result(world: World) -> None:
    make_version(code="BASE-M", status="published", definition=make_definition("BASE-M"))
    gated = make_definition()
    gated["levels"][1]["rules"].append(
        {"id": "needs_base", "kind": "prerequisite", "framework": "BASE-M", "min_level": "L2"}
    )
    make_version(status="published", definition=gated)
    client = _client(world, "enterprise")
    missing = _score(client, {"answers": FULL_ANSWERS}).json()
    met = _score(
        client, {"answers": FULL_ANSWERS, "prerequisites": {"BASE-M": {"level": "L2"}}}
    ).json()
    assert (missing["level"], missing["pending"]) == ("L1", True)
    assert (met["level"], met["pending"]) == ("L2", False)


def test_a_draft_never_scores(world: World) -> None:
    make_version()
    response = _score(_client(world, "province"), {"answers": FULL_ANSWERS})
    assert response.status_code == 404
    assert response.json() == {"error": DRAFT_CANNOT_SCORE}
    assert _score(_client(world, "city"), {"answers": FULL_ANSWERS}).status_code == 404


def test_a_superseded_version_still_scores(world: World) -> None:
    make_version(status="superseded")
    assert _score(_client(world, "city"), {"answers": FULL_ANSWERS}).status_code == 200


def test_a_malformed_body_is_a_422_not_a_500(world: World, published: FrameworkVersion) -> None:
    response = _client(world, "city").post(
        f"{API}/TEST-A/1/score", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_scoring_works_with_a_bearer_token(world: World, published: FrameworkVersion) -> None:
    _token, key = api_token_create(user=world.users["provider"], name="t", days=1)
    response = Client().post(
        f"{API}/TEST-A/1/score",
        {"answers": FULL_ANSWERS},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
