"""The recognition JSON API under /api/v1/: 401/403/404 and scoping by set equality per role
(experts: only their assignments and never contact data), the detail's content per role, create,
edit (stale revision, not editable), workflow steps (conflict, refused, role never allowed), the
experts' sheets, the whole way from the enterprise to the certificate, the public notices,
malformed bodies, OpenAPI and bearer tokens."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import Role, User
from accounts.tokens import api_token_create
from audit.models import AuditEvent
from conftest import World, make_user
from core.api_errors import UNAUTHENTICATED
from recognition import api as recognition_api
from recognition import selectors, services, workflow
from recognition.api import (
    ACTION_REQUIRED,
    FORBIDDEN,
    FORBIDDEN_ACT,
    FORBIDDEN_CREATE,
    FORBIDDEN_EDIT,
    FORBIDDEN_SHEET,
    OPINION_REQUIRED,
    REVISION_REQUIRED,
    TYPE_REQUIRED,
    UNKNOWN_ACTION,
    router,
)
from recognition.models import Application, ExpertAssignment, Transition
from recognition.selectors import NOT_FOUND
from recognition.services import (
    ALREADY_APPLIED,
    NOT_AN_EXPERT,
    NOT_EDITABLE,
    REASON_REQUIRED,
    SHEET_DONE,
)
from recognition.tests.factories import (
    CONTACT,
    make_application,
    make_eligible_results,
    make_result,
)
from recognition.workflow import CONFLICT, LOCKED, ROLE_NOT_ALLOWED, TRANSITIONS, WRONG_STATUS

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

API = "/api/v1"
S = Application.Status
YEAR = timezone.localdate().year
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
FULL_SCORES = {
    "maturity": 16,
    "infrastructure": 12,
    "technology": 15,
    "demonstration": 11,
    "benefits": 15,
    "plan": 8,
}
FLAG = {"code": "jump", "severity": "medium", "message": "总分较上年提高 30.0 分"}
ALL_ENDPOINTS = [
    ("get", "/applications"),
    ("post", "/applications"),
    ("get", "/applications/{pk}"),
    ("patch", "/applications/{pk}"),
    ("post", "/applications/{pk}/transitions"),
    ("post", "/applications/{pk}/expert-sheet"),
]


@dataclass
class Scene:
    """a1: E1's at county review (overdue, citing a flagged result); d1: E1's draft; x1: E1's at
    expert review, the world's expert assigned; a2: E2's at city review; a3: E3's at province
    review."""

    a1: Application
    d1: Application
    x1: Application
    a2: Application
    a3: Application


VISIBLE = {
    "province": {"a1", "x1", "a2", "a3"},
    "city": {"a1", "x1", "a2"},
    "county": {"a1", "x1"},
    "enterprise": {"a1", "d1", "x1"},
    "expert": {"x1"},
}


@pytest.fixture
def scene(world: World) -> Scene:
    def app(enterprise: Any, status: str, type: str = "advanced_factory", **kw: Any) -> Any:
        by = world.users["enterprise"]
        return make_application(enterprise=enterprise, by=by, status=status, type=type, **kw)

    flagged = make_result(
        enterprise=world.e1, code="GEN-JS", total=81.5, flags=[FLAG], risk_score=2
    )
    late = timezone.localdate() - dt.timedelta(days=2)
    a1 = app(world.e1, S.COUNTY_REVIEW, results=[flagged], step_due=late)
    d1 = app(world.e1, S.DRAFT, type="zero_carbon")
    x1 = app(world.e1, S.EXPERT_REVIEW, type="smart_workshop", results=[flagged])
    x1.expert_assignments.create(expert=world.users["expert"], assigned_by=world.users["province"])
    a2 = app(world.e2, S.CITY_REVIEW, year=YEAR - 1)
    a3 = app(world.e3, S.PROVINCE_REVIEW)
    return Scene(a1, d1, x1, a2, a3)


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _ids(scene: Scene, names: set[str]) -> set[int]:
    return {getattr(scene, name).pk for name in names}


def _listed(response: _MonkeyPatchedWSGIResponse) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _post(client: Client, path: str, body: Any, **kw: Any) -> _MonkeyPatchedWSGIResponse:
    return client.post(f"{API}{path}", body, content_type="application/json", **kw)


def _act(client: Client, app: Application, body: dict[str, Any], **kw: Any) -> Any:
    return _post(client, f"/applications/{app.pk}/transitions", body, **kw)


def _state(app: Application) -> tuple[str, int, int]:
    """Status, revision and number of steps, as stored."""
    app.refresh_from_db()
    return app.status, app.revision, Transition.objects.filter(application=app).count()


# --- authentication and roles ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ALL_ENDPOINTS)
def test_anonymous_gets_401_on_every_application_endpoint(
    scene: Scene, client: Client, method: str, path: str
) -> None:
    url = API + path.format(pk=scene.a1.pk)
    body = {"action": "county_approve", "revision": scene.a1.revision}
    response = getattr(client, method)(url, body, content_type="application/json")
    assert (response.status_code, response.json()) == (401, {"error": UNAUTHENTICATED})
    assert _state(scene.a1) == (S.COUNTY_REVIEW, 1, 0)


@pytest.mark.parametrize("role", ["provider", "admin"])
@pytest.mark.parametrize("path", ["/applications", "/applications/{pk}"])
def test_providers_and_admins_get_403_on_reads_and_it_is_audited(
    scene: Scene, world: World, role: str, path: str
) -> None:
    response = _client(world, role).get(API + path.format(pk=scene.a1.pk))
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN})
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor_username, event.result) == (world.users[role].username, "denied")
    assert event.object_id.startswith("api:application-")


# --- scoping --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VISIBLE)
def test_list_is_exactly_what_the_role_may_see(scene: Scene, world: World, role: str) -> None:
    response = _client(world, role).get(f"{API}/applications")
    assert _listed(response) == _ids(scene, VISIBLE[role])
    assert response.json()["count"] == len(VISIBLE[role])


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("enterprise", "a1", 200),
        ("enterprise", "d1", 200),
        ("enterprise", "a2", 404),
        ("county", "a1", 200),
        ("county", "d1", 404),
        ("county", "a2", 404),
        ("city", "a2", 200),
        ("city", "a3", 404),
        ("province", "a3", 200),
        ("province", "d1", 404),
        ("expert", "x1", 200),
        ("expert", "a1", 404),
        ("expert", "a3", 404),
    ],
)
def test_detail_in_and_out_of_scope(
    scene: Scene, world: World, role: str, target: str, status: int
) -> None:
    pk = getattr(scene, target).pk
    response = _client(world, role).get(f"{API}/applications/{pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["id"] == pk
    else:
        assert response.json() == {"error": NOT_FOUND}


def test_missing_application_answers_like_an_out_of_scope_one(scene: Scene, world: World) -> None:
    client = _client(world, "county")
    missing = client.get(f"{API}/applications/987654")
    hidden = client.get(f"{API}/applications/{scene.a2.pk}")
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())
    assert AuditEvent.objects.get(action="access.out_of_scope").object_id == str(scene.a2.pk)


@pytest.mark.parametrize("path", ["/applications", "/applications/{pk}"])
def test_experts_never_get_contact_data(scene: Scene, world: World, path: str) -> None:
    response = _client(world, "expert").get(API + path.format(pk=scene.x1.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert all(value not in text for value in CONTACT.values())
    assert "contact" not in text


def test_officials_and_the_enterprise_get_the_contact_data(scene: Scene, world: World) -> None:
    body = _client(world, "county").get(f"{API}/applications/{scene.x1.pk}").json()
    assert body["view"] == "full"
    assert {name: body[name] for name in CONTACT} == CONTACT


# --- list -----------------------------------------------------------------------------------------


def test_list_items(scene: Scene, world: World) -> None:
    (item,) = (
        _client(world, "city").get(f"{API}/applications", {"county": "320104"}).json()["items"]
    )
    stamps = {name: item.pop(name) for name in ("created_at", "updated_at", "submitted_at")}
    assert item == {
        "id": scene.a2.pk,
        "type": "advanced_factory",
        "type_name": "省先进级智能工厂",
        "year": YEAR - 1,
        "status": "city_review",
        "status_label": "设区市推荐",
        "route": "standard",
        "enterprise": {"id": world.e2.pk, "uscc": world.e2.uscc, "name": world.e2.name},
        "city": {"code": "3201", "name": "南京市"},
        "county": {"code": "320104", "name": "秦淮区"},
        "revision": 1,
        "step_due": None,
        "overdue": False,
        "notice_start": None,
        "notice_end": None,
        "certificate_no": None,
    }
    assert all(stamps.values())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "advanced_factory"}, {"a1", "a2", "a3"}),
        ({"type": "smart_workshop"}, {"x1"}),
        ({"year": YEAR - 1}, {"a2"}),
        ({"status": "province_review"}, {"a3"}),
        ({"status": "draft"}, set()),
        ({"city": "3205"}, {"a3"}),
        ({"county": "320102"}, {"a1", "x1"}),
        ({"overdue": "true"}, {"a1"}),
        ({"overdue": "true", "county": "320104"}, set()),
    ],
)
def test_list_filters(
    scene: Scene, world: World, params: dict[str, Any], expected: set[str]
) -> None:
    response = _client(world, "province").get(f"{API}/applications", params)
    assert _listed(response) == _ids(scene, expected)


def test_list_filters_never_widen_the_jurisdiction(scene: Scene, world: World) -> None:
    response = _client(world, "county").get(f"{API}/applications", {"city": "3205"})
    assert _listed(response) == set()


@pytest.mark.parametrize(
    "params",
    [{"year": "x"}, {"status": "open"}, {"county": "1' OR 1=1"}, {"page_size": 501}, {"page": 0}],
)
def test_bad_list_parameters_answer_422(scene: Scene, world: World, params: dict) -> None:
    response = _client(world, "province").get(f"{API}/applications", params)
    assert response.status_code == 422
    assert "error" in response.json()


def test_pagination(scene: Scene, world: World) -> None:
    client = _client(world, "province")
    first = client.get(f"{API}/applications", {"page_size": 3}).json()
    second = client.get(f"{API}/applications", {"page_size": 3, "page": 2}).json()
    assert (first["count"], second["count"], first["page_size"]) == (4, 4, 3)
    shown = [i["id"] for i in first["items"] + second["items"]]
    assert len(shown) == 4
    assert set(shown) == _ids(scene, VISIBLE["province"])


@pytest.mark.parametrize("extra", [0, 3])
def test_list_query_count_does_not_grow_with_rows(
    scene: Scene, world: World, django_assert_max_num_queries: DjangoAssertNumQueries, extra: int
) -> None:
    for_e3 = ["zero_carbon", "smart_workshop", "national_excellent"][:extra]
    added = [
        make_application(enterprise=world.e3, by=world.users["enterprise"], type=code,
                         status=S.PROVINCE_REVIEW)
        for code in for_e3
    ]  # fmt: skip
    client = _client(world, "province")
    with django_assert_max_num_queries(7):
        response = client.get(f"{API}/applications")
    assert len(response.json()["items"]) == 4 + len(added)


# --- detail ---------------------------------------------------------------------------------------


def test_detail_for_the_county(scene: Scene, world: World) -> None:
    body = _client(world, "county").get(f"{API}/applications/{scene.a1.pk}").json()
    assert (body["view"], body["status"], body["revision"], body["overdue"]) == (
        "full",
        "county_review",
        1,
        True,
    )
    assert body["summary"] == scene.a1.summary
    (result,) = body["results"]
    assert (result["framework"], result["total"], result["flags"]) == ("GEN-JS", 81.5, [FLAG])
    assert result["risk_score"] == 2
    assert [a["action"] for a in body["actions"]] == ["county_approve", "county_return"]
    assert body["actions"][1]["needs_reason"] is True
    assert (body["editable"], body["expert_sheets"], body["certificate"]) == (False, None, None)
    assert body["eligibility"]["live"] is False


def test_detail_for_the_enterprise_hides_flags_and_checks_eligibility_live(
    scene: Scene, world: World
) -> None:
    client = _client(world, "enterprise")
    submitted = client.get(f"{API}/applications/{scene.a1.pk}").json()
    assert (submitted["results"][0]["flags"], submitted["results"][0]["risk_score"]) == (None, None)
    assert submitted["actions"] == [
        {"action": "withdraw", "label": "撤回申报", "needs_reason": False, "danger": True,
         "takes": []},
    ]  # fmt: skip
    draft = client.get(f"{API}/applications/{scene.d1.pk}").json()
    assert (draft["editable"], draft["eligibility"]["live"]) == (True, True)
    assert draft["eligibility"]["eligible"] is False
    assert draft["eligibility"]["checks"]
    assert not all(check["passed"] for check in draft["eligibility"]["checks"])
    assert [a["action"] for a in draft["actions"]] == ["submit", "withdraw"]


def test_the_province_sees_the_expert_sheets_and_the_expert_sees_the_sheet(
    scene: Scene, world: World
) -> None:
    sheet = ExpertAssignment.objects.get()
    ExpertAssignment.objects.filter(pk=sheet.pk).update(
        scores=FULL_SCORES, total=77.0, opinion="pass", comment="示范性较强", submitted_at=START
    )
    body = _client(world, "province").get(f"{API}/applications/{scene.x1.pk}").json()
    sheets = body["expert_sheets"]
    assert (sheets["submitted"], sheets["average"], sheets["passes"]) == (1, 77.0, 1)
    assert (sheets["sheets"][0]["expert"], sheets["sheets"][0]["comment"]) == (
        "expert",
        "示范性较强",
    )
    mine = _client(world, "expert").get(f"{API}/applications/{scene.x1.pk}").json()
    assert (mine["view"], mine["sheet"]["total"], mine["can_score"]) == ("expert", 77.0, False)
    assert [c["code"] for c in mine["criteria"]] == list(FULL_SCORES)
    assert mine["results"][0]["flags"] is None


def test_the_timeline_shows_each_step(scene: Scene, world: World) -> None:
    client = _client(world, "county")
    _act(client, scene.a1, {"action": "county_approve", "revision": 1, "reason": "材料齐全"})
    body = _client(world, "enterprise").get(f"{API}/applications/{scene.a1.pk}").json()
    (entry,) = body["timeline"]
    assert (entry["action"], entry["from_status"], entry["to_status"]) == (
        "county_approve",
        "county_review",
        "city_review",
    )
    assert (entry["actor"], entry["actor_role"], entry["reason"]) == (
        "county_x",
        "county",
        "材料齐全",
    )


# --- create ---------------------------------------------------------------------------------------


def test_create_makes_a_draft_then_refuses_a_second_one(world: World) -> None:
    make_eligible_results(world.e1)
    client = _client(world, "enterprise")
    created = _post(client, "/applications", {"type": "advanced_factory", "year": YEAR})
    assert created.status_code == 201, created.content
    app = Application.objects.get()
    assert created.json()["id"] == app.pk
    assert (app.enterprise, app.status, app.year, app.eligibility["eligible"]) == (
        world.e1,
        S.DRAFT,
        YEAR,
        True,
    )
    again = _post(client, "/applications", {"type": "advanced_factory"})
    assert (again.status_code, again.json()) == (409, {"error": ALREADY_APPLIED})
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 422), ({"type": "nope"}, 422), ({"type": "advanced_factory", "year": 1990}, 422)],
)
def test_create_refuses_bad_input_and_writes_nothing(
    world: World, body: dict[str, Any], status: int
) -> None:
    response = _post(_client(world, "enterprise"), "/applications", body)
    assert response.status_code == status
    if not body:
        assert response.json() == {"error": TYPE_REQUIRED}
    assert not Application.objects.exists()


@pytest.mark.parametrize("role", ["province", "city", "county", "expert", "provider", "admin"])
def test_only_enterprise_users_create_and_refusals_are_audited(world: World, role: str) -> None:
    response = _post(_client(world, role), "/applications", {"type": "advanced_factory"})
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_CREATE})
    assert AuditEvent.objects.get(action="access.denied").object_id == "api:application-create"
    assert not Application.objects.exists()


# --- edit -----------------------------------------------------------------------------------------


def _patch(client: Client, app: Application, body: dict[str, Any], **kw: Any) -> Any:
    return client.patch(f"{API}/applications/{app.pk}", body, content_type="application/json", **kw)


def test_edit_changes_only_the_fields_sent(scene: Scene, world: World) -> None:
    body = {"revision": 1, "summary": "新的概况", "investment_10k_yuan": "300.50"}
    response = _patch(_client(world, "enterprise"), scene.d1, body)
    assert response.status_code == 200, response.content
    assert (response.json()["revision"], response.json()["investment_10k_yuan"]) == (2, "300.50")
    scene.d1.refresh_from_db()
    assert (scene.d1.summary, str(scene.d1.investment_10k_yuan)) == ("新的概况", "300.50")
    assert scene.d1.contact_phone == CONTACT["contact_phone"]
    assert AuditEvent.objects.get(action="application.update").after["summary"] == "新的概况"


@pytest.mark.parametrize(
    ("target", "body", "status", "error"),
    [
        ("d1", {"revision": 7, "summary": "x"}, 409, CONFLICT),
        ("a1", {"revision": 1, "summary": "x"}, 409, NOT_EDITABLE),
        ("d1", {"summary": "x"}, 422, REVISION_REQUIRED),
        ("a2", {"revision": 1, "summary": "x"}, 404, NOT_FOUND),
    ],
)
def test_edit_refusals_change_nothing(
    scene: Scene, world: World, target: str, body: dict[str, Any], status: int, error: str
) -> None:
    app = getattr(scene, target)
    before = _state(app)
    response = _patch(_client(world, "enterprise"), app, body)
    assert (response.status_code, response.json()["error"]) == (status, error)
    if status == 409:
        assert (response.json()["status"], response.json()["revision"]) == before[:2]
    assert _state(app) == before
    assert app.summary != "x"


def test_edit_with_an_invalid_email_is_refused(scene: Scene, world: World) -> None:
    body = {"revision": 1, "contact_email": "not-an-email"}
    response = _patch(_client(world, "enterprise"), scene.d1, body)
    assert response.status_code == 422
    scene.d1.refresh_from_db()
    assert (scene.d1.contact_email, scene.d1.revision) == (CONTACT["contact_email"], 1)


@pytest.mark.parametrize("role", ["province", "city", "county", "expert"])
def test_only_enterprise_users_edit(scene: Scene, world: World, role: str) -> None:
    response = _patch(_client(world, role), scene.d1, {"revision": 1, "summary": "x"})
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_EDIT})
    assert _state(scene.d1) == (S.DRAFT, 1, 0)


# --- transitions ----------------------------------------------------------------------------------


def test_the_county_approves(scene: Scene, world: World) -> None:
    body = {"action": "county_approve", "revision": 1, "reason": "同意"}
    response = _act(_client(world, "county"), scene.a1, body)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": scene.a1.pk,
        "status": "city_review",
        "status_label": "设区市推荐",
        "revision": 2,
        "step_due": (timezone.localdate() + dt.timedelta(days=15)).isoformat(),
        "notice_start": None,
        "notice_end": None,
        "certificate_no": None,
        "actions": [],
    }
    assert _state(scene.a1) == (S.CITY_REVIEW, 2, 1)
    assert scene.a1.transitions.get().reason == "同意"


def test_a_stale_revision_is_a_conflict_and_changes_nothing(scene: Scene, world: World) -> None:
    client = _client(world, "county")
    _act(client, scene.a1, {"action": "county_approve", "revision": 1})
    response = _act(client, scene.a1, {"action": "county_return", "revision": 1, "reason": "退"})
    assert response.status_code == 409
    assert response.json() == {"error": CONFLICT, "status": "city_review", "revision": 2}
    assert _state(scene.a1) == (S.CITY_REVIEW, 2, 1)


def test_a_step_the_workflow_refuses_now_is_422_and_changes_nothing(
    scene: Scene, world: World
) -> None:
    response = _act(_client(world, "county"), scene.x1, {"action": "county_approve", "revision": 1})
    step = TRANSITIONS["county_approve"]
    expected = WRONG_STATUS.format(status="专家评审", action=step.label)
    assert (response.status_code, response.json()) == (422, {"error": expected})
    assert _state(scene.x1) == (S.EXPERT_REVIEW, 1, 0)
    assert AuditEvent.objects.get(action="application.county_approve").result == "denied"


def test_a_decided_application_refuses_every_step(scene: Scene, world: World) -> None:
    Application.objects.filter(pk=scene.a3.pk).update(
        status=S.RECOGNISED, certificate_no="X-1", certificate_year=YEAR
    )
    body = {"action": "province_reject", "revision": 1, "reason": "撤销"}
    response = _act(_client(world, "province"), scene.a3, body)
    assert (response.status_code, response.json()) == (422, {"error": LOCKED})
    assert _state(scene.a3) == (S.RECOGNISED, 1, 0)


@pytest.mark.parametrize(
    ("role", "target", "action"),
    [
        ("county", "a1", "recognise"),
        ("enterprise", "a1", "county_approve"),
        ("province", "a3", "county_approve"),
        ("province", "x1", "expert_submit"),
    ],
)
def test_a_step_the_role_never_takes_is_403_audited_and_changes_nothing(
    scene: Scene, world: World, role: str, target: str, action: str
) -> None:
    app = getattr(scene, target)
    before = _state(app)
    response = _act(_client(world, role), app, {"action": action, "revision": app.revision})
    error = ROLE_NOT_ALLOWED.format(action=TRANSITIONS[action].label)
    assert (response.status_code, response.json()) == (403, {"error": error})
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.object_id, event.result) == (str(app.pk), "denied")
    assert _state(app) == before


@pytest.mark.parametrize("role", ["expert", "provider", "admin"])
def test_experts_providers_and_admins_take_no_steps(scene: Scene, world: World, role: str) -> None:
    response = _act(_client(world, role), scene.x1, {"action": "approve", "revision": 1})
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_ACT})
    assert _state(scene.x1) == (S.EXPERT_REVIEW, 1, 0)


@pytest.mark.parametrize(
    ("role", "target", "body", "error"),
    [
        ("county", "a1", {"revision": 1}, ACTION_REQUIRED),
        ("county", "a1", {"action": "fly", "revision": 1}, UNKNOWN_ACTION),
        ("county", "a1", {"action": "county_approve"}, REVISION_REQUIRED),
        ("county", "a1", {"action": "county_return", "revision": 1}, REASON_REQUIRED),
        (
            "province",
            "a3",
            {"action": "assign_experts", "revision": 1, "experts": ["nobody"]},
            NOT_AN_EXPERT.format(name="nobody"),
        ),
        (
            "province",
            "a3",
            {"action": "assign_experts", "revision": 1, "experts": ["county_x"]},
            NOT_AN_EXPERT.format(name="county_x"),
        ),
    ],
)
def test_incomplete_steps_are_422_and_change_nothing(
    scene: Scene, world: World, role: str, target: str, body: dict[str, Any], error: str
) -> None:
    app = getattr(scene, target)
    before = _state(app)
    response = _act(_client(world, role), app, body)
    assert (response.status_code, response.json()) == (422, {"error": error})
    assert _state(app) == before
    assert not ExpertAssignment.objects.exclude(application=scene.x1).exists()


def test_out_of_scope_callers_get_404_before_anything_about_the_body(
    scene: Scene, world: World
) -> None:
    response = _act(_client(world, "county"), scene.a2, {})
    assert (response.status_code, response.json()) == (404, {"error": NOT_FOUND})


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"action": 5}',
        '{"action": "county_approve", "revision": "one"}',
        '{"action": "county_approve", "revision": 1, "reason": "a\\u0000b"}',
        '{"action": "assign_experts", "revision": 1, "experts": [{"id": 1}]}',
        '{"action": "assign_experts", "revision": 1, "experts": [99999999999999999999999]}',
        '{"action": "approve", "revision": 1, "notice_start": "tomorrow"}',
        '{"action": "county_approve", "revision": 1e400}',
    ],
)
def test_malformed_step_bodies_are_refused_without_a_server_error(
    scene: Scene, world: World, body: str
) -> None:
    response = _client(world, "county").post(
        f"{API}/applications/{scene.a1.pk}/transitions", body, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    assert _state(scene.a1) == (S.COUNTY_REVIEW, 1, 0)


@pytest.mark.parametrize(
    "body",
    [
        '{"revision": 1, "summary": "a\\u0000b"}',
        '{"revision": 1, "investment_10k_yuan": "NaN"}',
        '{"revision": 1, "investment_10k_yuan": -1}',
        '{"revision": 1, "investment_10k_yuan": 12345678901234}',
        '{"revision": 1, "contact_phone": "1\\n2"}',
        '{"revision": 99999999999999999999}',
    ],
)
def test_malformed_edits_are_refused_without_a_server_error(
    scene: Scene, world: World, body: str
) -> None:
    response = _client(world, "enterprise").patch(
        f"{API}/applications/{scene.d1.pk}", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert _state(scene.d1) == (S.DRAFT, 1, 0)


# --- expert sheets --------------------------------------------------------------------------------


def _sheet(client: Client, pk: int, body: dict[str, Any]) -> Any:
    return _post(client, f"/applications/{pk}/expert-sheet", body)


def test_the_expert_submits_the_sheet_and_the_application_moves_on(
    scene: Scene, world: World
) -> None:
    body = {"scores": FULL_SCORES, "opinion": "pass", "comment": "示范性较强"}
    response = _sheet(_client(world, "expert"), scene.x1.pk, body)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["sheet"]["total"]) == ("decision", 77.0)
    sheet = ExpertAssignment.objects.get()
    assert (sheet.total, sheet.opinion, sheet.comment) == (77.0, "pass", "示范性较强")
    assert _state(scene.x1) == (S.DECISION, 2, 1)


def test_a_second_sheet_is_a_conflict(scene: Scene, world: World) -> None:
    waiting = make_user("expert2", Role.EXPERT)  # keeps the application at expert review
    scene.x1.expert_assignments.create(expert=waiting, assigned_by=world.users["province"])
    client = _client(world, "expert")
    _sheet(client, scene.x1.pk, {"scores": FULL_SCORES, "opinion": "pass"})
    again = _sheet(client, scene.x1.pk, {"scores": FULL_SCORES, "opinion": "fail"})
    assert again.json() == {"error": SHEET_DONE, "status": "expert_review", "revision": 2}
    assert again.status_code == 409
    assert ExpertAssignment.objects.get(expert=world.users["expert"]).opinion == "pass"


def test_a_sheet_after_the_review_ended_is_refused(scene: Scene, world: World) -> None:
    client = _client(world, "expert")
    _sheet(client, scene.x1.pk, {"scores": FULL_SCORES, "opinion": "pass"})
    again = _sheet(client, scene.x1.pk, {"scores": FULL_SCORES, "opinion": "fail"})
    assert again.status_code == 422
    assert ExpertAssignment.objects.get().opinion == "pass"
    assert _state(scene.x1) == (S.DECISION, 2, 1)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"scores": FULL_SCORES}, OPINION_REQUIRED),
        ({"scores": {**FULL_SCORES, "plan": 30}, "opinion": "pass"}, None),
        ({"scores": {"maturity": 10}, "opinion": "pass"}, None),
        ({"scores": {**FULL_SCORES, "plan": "NaN"}, "opinion": "pass"}, None),
    ],
)
def test_a_bad_sheet_is_422_and_stores_nothing(
    scene: Scene, world: World, body: dict[str, Any], error: str | None
) -> None:
    response = _sheet(_client(world, "expert"), scene.x1.pk, body)
    assert response.status_code == 422
    if error:
        assert response.json() == {"error": error}
    assert ExpertAssignment.objects.get().submitted_at is None
    assert _state(scene.x1) == (S.EXPERT_REVIEW, 1, 0)


def test_an_expert_not_assigned_gets_404(scene: Scene, world: World) -> None:
    response = _sheet(
        _client(world, "expert"), scene.a3.pk, {"scores": FULL_SCORES, "opinion": "pass"}
    )
    assert (response.status_code, response.json()) == (404, {"error": NOT_FOUND})


@pytest.mark.parametrize("role", ["province", "county", "enterprise", "provider"])
def test_only_experts_submit_sheets(scene: Scene, world: World, role: str) -> None:
    response = _sheet(_client(world, role), scene.x1.pk, {"scores": FULL_SCORES, "opinion": "pass"})
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_SHEET})
    assert ExpertAssignment.objects.get().submitted_at is None


# --- the whole way --------------------------------------------------------------------------------


def _step(client: Client, pk: int, revision: int, action: str, **data: Any) -> dict[str, Any]:
    response = _post(
        client,
        f"/applications/{pk}/transitions",
        {"action": action, "revision": revision, **data},
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_the_whole_way_from_the_enterprise_to_the_certificate(
    world: World, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    make_eligible_results(world.e1)
    second: User = make_user("expert2", Role.EXPERT)
    ent, county, city, province = (
        _client(world, role) for role in ("enterprise", "county", "city", "province")
    )
    created = _post(ent, "/applications", {"type": "advanced_factory", "year": 2026}).json()
    pk = created["id"]
    moved = _step(ent, pk, created["revision"], "submit")
    assert moved["status"] == "county_review"
    moved = _step(county, pk, moved["revision"], "county_approve", reason="材料齐全")
    moved = _step(city, pk, moved["revision"], "city_recommend")
    assert moved["status"] == "province_review"
    moved = _step(province, pk, moved["revision"], "assign_experts", experts=["expert", second.pk])
    assert moved["status"] == "expert_review"
    for_expert = _client(world, "expert")
    sheet = {"scores": FULL_SCORES, "opinion": "pass"}
    assert _sheet(for_expert, pk, sheet).json()["status"] == "expert_review"
    other = Client()
    other.force_login(second)
    assert _sheet(other, pk, sheet).json()["status"] == "decision"
    revision = province.get(f"{API}/applications/{pk}").json()["revision"]
    moved = _step(province, pk, revision, "approve")
    assert (moved["notice_start"], moved["notice_end"]) == ("2026-03-02", "2026-03-08")
    time_machine.move_to(START + dt.timedelta(days=7), tick=False)
    province, ent = _client(world, "province"), _client(world, "enterprise")  # sessions expired
    moved = _step(province, pk, moved["revision"], "recognise")
    assert (moved["status"], moved["certificate_no"]) == ("recognised", "苏智能工厂〔2026〕0001号")
    detail = ent.get(f"{API}/applications/{pk}").json()
    assert detail["certificate"] == {"number": "苏智能工厂〔2026〕0001号", "year": 2026}
    assert [entry["action"] for entry in detail["timeline"]] == [
        "submit",
        "county_approve",
        "city_recommend",
        "assign_experts",
        "expert_submit",
        "expert_submit",
        "approve",
        "recognise",
    ]
    app = Application.objects.get(pk=pk)
    assert (app.status, app.certificate_no) == (S.RECOGNISED, "苏智能工厂〔2026〕0001号")


# --- public notices -------------------------------------------------------------------------------


def test_notices_are_public_and_carry_no_contact_data(world: World, client: Client) -> None:
    today = timezone.localdate()
    by = world.users["enterprise"]
    make_application(
        enterprise=world.e1, by=by, status=S.PUBLIC_NOTICE,
        notice_start=today, notice_end=today + dt.timedelta(days=6),
    )  # fmt: skip
    make_application(
        enterprise=world.e2, by=by, status=S.RECOGNISED, certificate_no="苏智能工厂〔X〕0001号",
        certificate_year=today.year,
    )  # fmt: skip
    make_application(enterprise=world.e3, by=by, status=S.DECISION)
    response = client.get(f"{API}/notices")
    assert response.status_code == 200
    body = response.json()
    assert [(n["enterprise_name"], n["status"]) for n in body] == [
        (world.e1.name, "public_notice"),
        (world.e2.name, "recognised"),
    ]
    assert all(value not in response.content.decode() for value in CONTACT.values())
    recognised = client.get(f"{API}/notices", {"status": "recognised"}).json()
    assert [n["certificate_no"] for n in recognised] == ["苏智能工厂〔X〕0001号"]


# --- OpenAPI and tokens ---------------------------------------------------------------------------


def test_openapi_document_lists_every_endpoint(world: World) -> None:
    response = _client(world, "enterprise").get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    documented = {(method, path) for path, ops in paths.items() for method in ops}
    expected = {
        (method, f"{API}{path.replace('{pk}', '{application_id}')}")
        for method, path in [*ALL_ENDPOINTS, ("get", "/notices")]
    }
    assert expected <= documented
    for route in router.path_operations:
        assert f"{API}{route}" in paths
    assert "security" not in paths[f"{API}/notices"]["get"]
    assert paths[f"{API}/applications"]["get"]["security"]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_token_writes_need_no_session_or_csrf_token(scene: Scene, world: World) -> None:
    _token, key = api_token_create(user=world.users["county"], name="OA")
    client = Client(enforce_csrf_checks=True)
    body = {"action": "county_approve", "revision": 1}
    response = _act(client, scene.a1, body, headers=_bearer(key))
    assert response.status_code == 200, response.content
    assert _state(scene.a1) == (S.CITY_REVIEW, 2, 1)
    assert scene.a1.transitions.get().actor == world.users["county"]


def test_token_reads_are_scoped(scene: Scene, world: World, client: Client) -> None:
    _token, key = api_token_create(user=world.users["expert"], name="评审")
    listed = client.get(f"{API}/applications", headers=_bearer(key))
    assert _listed(listed) == {scene.x1.pk}
    assert CONTACT["contact_phone"] not in json.dumps(listed.json())


def test_session_writes_need_the_csrf_token(scene: Scene, world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["county"])
    response = _act(client, scene.a1, {"action": "county_approve", "revision": 1})
    assert response.status_code == 403
    assert _state(scene.a1) == (S.COUNTY_REVIEW, 1, 0)


def test_module_constants_are_bilingual() -> None:
    imported = {
        value
        for module in (services, selectors, workflow)
        for value in vars(module).values()
        if isinstance(value, str)
    }
    messages = [
        value
        for name, value in vars(recognition_api).items()
        if name.isupper() and isinstance(value, str) and value not in imported
    ]
    assert messages
    assert all("(" in message and message.endswith(")") for message in messages)
