"""The assessments JSON API under /api/v1/: 401/403/404 and scoping by set equality per role,
answers with evidence, saves (merge, conflict, invalid answers), submit (happy path, problems,
stale revision, twice), the stored result with benchmarks, start, OpenAPI, bearer tokens."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from accounts.models import Role
from accounts.tokens import api_token_create
from assessments import api as assessments_api
from assessments.api import (
    ANSWERS_INVALID,
    CONFLICT,
    FORBIDDEN,
    FORBIDDEN_CHANGE,
    FORBIDDEN_EDIT,
    FORBIDDEN_START,
    FRAMEWORK_REQUIRED,
    NO_RESULT,
    NUL_IN_NOTES,
    REVISION_REQUIRED,
    SITE_NOTES_DIAGNOSIS_ONLY,
    STALE,
    router,
)
from assessments.models import Assessment, Evidence, PeerBenchmark
from assessments.selectors import NOT_FOUND
from assessments.services import (
    NOT_DRAFT,
    UNKNOWN_SECTION,
    diagnosis_start,
    provider_assign,
)
from assessments.tests.factories import DATA_DIR, make_draft, make_submitted
from audit.models import AuditEvent
from conftest import World, make_user
from core.api_errors import UNAUTHENTICATED
from frameworks.models import FrameworkVersion
from frameworks.selectors import NO_PUBLISHED_VERSION
from frameworks.services import framework_load

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

API = "/api/v1"
MODEL = "ZERO-CARBON"
Q1, Q2 = "gate.compliance", "gate.statistics"  # yes/no questions of ZERO-CARBON
READ_PATHS = ["/assessments", "/assessments/{pk}", "/assessments/{pk}/answers"]
ALL_ENDPOINTS = [
    ("get", "/assessments"),
    ("post", "/assessments"),
    ("get", "/assessments/{pk}"),
    ("get", "/assessments/{pk}/answers"),
    ("put", "/assessments/{pk}/answers"),
    ("post", "/assessments/{pk}/submit"),
    ("get", "/assessments/{pk}/result"),
]


@functools.cache
def _definition_file(code: str) -> tuple[str, str]:
    for path in sorted(DATA_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if f"code: {code}\n" in text:
            return path.name, text
    raise LookupError(code)


def _publish(code: str) -> FrameworkVersion:
    """Load and publish one default model (the YAML file is read once per process)."""
    name, text = _definition_file(code)
    framework_load(files=[(name, yaml.safe_load(text))], by=None)
    return FrameworkVersion.objects.get(framework__code=code, status="published")


@dataclass
class Scene:
    """a1, a2, a3: submitted self-assessments of E1, E2, E3; d1, d2: open drafts of E1 and E2;
    diag: the world provider's diagnosis draft of E1; other: another provider's of E2."""

    a1: Assessment
    a2: Assessment
    a3: Assessment
    d1: Assessment
    d2: Assessment
    diag: Assessment
    other: Assessment


VISIBLE = {
    "province": {"a1", "a2", "a3"},
    "city": {"a1", "a2"},
    "county": {"a1"},
    "enterprise": {"a1", "d1", "diag"},
    "provider": {"diag"},
}


@pytest.fixture
def version(world: World) -> FrameworkVersion:
    return _publish(MODEL)


@pytest.fixture
def scene(world: World, version: FrameworkVersion) -> Scene:
    ent = world.users["enterprise"]
    e2_user = make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2)
    e3_user = make_user("ent_e3", Role.ENTERPRISE, enterprise=world.e3)
    a1 = make_submitted(enterprise=world.e1, code=MODEL, by=ent, year=2024)
    a2 = make_submitted(enterprise=world.e2, code=MODEL, by=e2_user, seed=2, year=2024)
    a3 = make_submitted(enterprise=world.e3, code=MODEL, by=e3_user, seed=3, year=2025)
    d1 = make_draft(enterprise=world.e1, code=MODEL, by=ent, year=2025)
    d2 = make_draft(enterprise=world.e2, code=MODEL, by=e2_user, year=2025)
    city = world.users["city"]
    assigned = provider_assign(
        enterprise=world.e1, provider=world.users["provider"], version=version, by=city
    )
    diag = diagnosis_start(assignment=assigned, by=world.users["provider"], year=2025)
    elsewhere = provider_assign(
        enterprise=world.e2,
        provider=make_user("provider_b", Role.PROVIDER),
        version=version,
        by=city,
    )
    other = diagnosis_start(assignment=elsewhere, by=elsewhere.provider, year=2025)
    return Scene(a1, a2, a3, d1, d2, diag, other)


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _ids(scene: Scene, names: set[str]) -> set[int]:
    return {getattr(scene, name).pk for name in names}


def _listed(response: _MonkeyPatchedWSGIResponse) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _put(client: Client, pk: int, body: dict[str, Any], **kw: Any) -> _MonkeyPatchedWSGIResponse:
    return client.put(
        f"{API}/assessments/{pk}/answers", body, content_type="application/json", **kw
    )


def _post(client: Client, path: str, body: dict[str, Any], **kw: Any) -> _MonkeyPatchedWSGIResponse:
    return client.post(f"{API}{path}", body, content_type="application/json", **kw)


# --- authentication and roles ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ALL_ENDPOINTS)
def test_anonymous_gets_401_everywhere(
    scene: Scene, client: Client, method: str, path: str
) -> None:
    url = API + path.format(pk=scene.d1.pk)
    response = getattr(client, method)(url, {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"error": UNAUTHENTICATED}
    assert Assessment.objects.get(pk=scene.d1.pk).revision == scene.d1.revision


@pytest.mark.parametrize("role", ["expert", "admin"])
@pytest.mark.parametrize("path", [*READ_PATHS, "/assessments/{pk}/result"])
def test_experts_and_admins_get_403_on_reads_and_it_is_audited(
    scene: Scene, world: World, role: str, path: str
) -> None:
    response = _client(world, role).get(API + path.format(pk=scene.a1.pk))
    assert response.status_code == 403
    assert response.json() == {"error": FORBIDDEN}
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor_username, event.result) == (world.users[role].username, "denied")
    assert event.object_id.startswith("api:assessment-")


@pytest.mark.parametrize("role", ["province", "city", "county", "expert", "admin"])
@pytest.mark.parametrize("path", ["/assessments/{pk}/answers", "/assessments/{pk}/submit"])
def test_roles_that_never_edit_get_403_on_changes_and_nothing_is_written(
    scene: Scene, world: World, role: str, path: str
) -> None:
    client = _client(world, role)
    url = API + path.format(pk=scene.d1.pk)
    body = {"revision": scene.d1.revision, "changes": {Q1: "N/A"}}
    method = client.put if path.endswith("answers") else client.post
    response = method(url, body, content_type="application/json")
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_CHANGE})
    assert AuditEvent.objects.filter(action="access.denied").count() == 1
    after = Assessment.objects.get(pk=scene.d1.pk)
    assert (after.status, after.revision, after.answers) == (
        "draft",
        scene.d1.revision,
        scene.d1.answers,
    )


# --- scoping --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VISIBLE)
def test_list_is_exactly_what_the_role_may_see(scene: Scene, world: World, role: str) -> None:
    response = _client(world, role).get(f"{API}/assessments")
    assert _listed(response) == _ids(scene, VISIBLE[role])
    assert response.json()["count"] == len(VISIBLE[role])


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("enterprise", "a1", 200),
        ("enterprise", "d1", 200),
        ("enterprise", "diag", 200),
        ("enterprise", "a2", 404),
        ("enterprise", "other", 404),
        ("county", "a1", 200),
        ("county", "d1", 404),
        ("county", "a2", 404),
        ("city", "a2", 200),
        ("city", "a3", 404),
        ("city", "d2", 404),
        ("province", "a3", 200),
        ("province", "diag", 404),
        ("provider", "diag", 200),
        ("provider", "a1", 404),
        ("provider", "other", 404),
    ],
)
@pytest.mark.parametrize("path", ["/assessments/{pk}", "/assessments/{pk}/answers"])
def test_detail_and_answers_in_and_out_of_scope(
    scene: Scene, world: World, role: str, target: str, status: int, path: str
) -> None:
    pk = getattr(scene, target).pk
    response = _client(world, role).get(API + path.format(pk=pk))
    assert response.status_code == status
    if status == 200:
        assert response.json()["id"] == pk
    else:
        assert response.json() == {"error": NOT_FOUND}


def test_missing_assessment_answers_like_an_out_of_scope_one(scene: Scene, world: World) -> None:
    client = _client(world, "county")
    missing = client.get(f"{API}/assessments/987654")
    hidden = client.get(f"{API}/assessments/{scene.a2.pk}")
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())


def test_list_items(scene: Scene, world: World) -> None:
    (item,) = _client(world, "county").get(f"{API}/assessments").json()["items"]
    a1 = scene.a1
    stamps = {name: item.pop(name) for name in ("created_at", "updated_at", "submitted_at")}
    assert item == {
        "id": a1.pk,
        "enterprise": {"id": world.e1.pk, "uscc": world.e1.uscc, "name": world.e1.name},
        "county": {"code": "320102", "name": "玄武区"},
        "framework": MODEL,
        "framework_version": a1.framework_version.label,
        "kind": "self",
        "status": "submitted",
        "year": 2024,
        "revision": a1.revision,
        "total": a1.total,
        "level": a1.level or None,
        "level_name": a1.level_name or None,
    }
    assert a1.submitted_at is not None
    sent = datetime.datetime.fromisoformat(stamps["submitted_at"])
    assert abs(sent - a1.submitted_at) < datetime.timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"framework": MODEL}, {"a1", "a2", "a3"}),
        ({"framework": "GEN-JS"}, set()),
        ({"year": 2025}, {"a3"}),
        ({"status": "draft"}, set()),
        ({"kind": "diagnosis"}, set()),
        ({"county": "320104"}, {"a2"}),
        ({"county": "320104", "year": 2025}, set()),
    ],
)
def test_list_filters(
    scene: Scene, world: World, params: dict[str, Any], expected: set[str]
) -> None:
    response = _client(world, "province").get(f"{API}/assessments", params)
    assert _listed(response) == _ids(scene, expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "draft"}, {"d1", "diag"}),
        ({"kind": "diagnosis"}, {"diag"}),
        ({"kind": "self", "status": "submitted"}, {"a1"}),
    ],
)
def test_list_filters_for_the_enterprise(
    scene: Scene, world: World, params: dict[str, Any], expected: set[str]
) -> None:
    response = _client(world, "enterprise").get(f"{API}/assessments", params)
    assert _listed(response) == _ids(scene, expected)


@pytest.mark.parametrize("case", ["e3", "lowercase e1"])
def test_list_filter_by_enterprise_uscc_never_widens_the_jurisdiction(
    scene: Scene, world: World, case: str
) -> None:
    uscc = world.e3.uscc if case == "e3" else world.e1.uscc.lower()
    response = _client(world, "county").get(f"{API}/assessments", {"enterprise": uscc})
    assert _listed(response) == (set() if case == "e3" else {scene.a1.pk})


@pytest.mark.parametrize(
    "params",
    [{"year": "x"}, {"status": "open"}, {"enterprise": "1' OR 1=1"}, {"page_size": 501}],
)
def test_bad_list_parameters_answer_422(scene: Scene, world: World, params: dict) -> None:
    response = _client(world, "province").get(f"{API}/assessments", params)
    assert response.status_code == 422
    assert "error" in response.json()


def test_pagination(scene: Scene, world: World) -> None:
    client = _client(world, "province")
    first = client.get(f"{API}/assessments", {"page_size": 2}).json()
    second = client.get(f"{API}/assessments", {"page_size": 2, "page": 2}).json()
    assert (first["count"], second["count"], first["page_size"]) == (3, 3, 2)
    shown = [i["id"] for i in first["items"] + second["items"]]
    assert len(shown) == 3
    assert set(shown) == _ids(scene, {"a1", "a2", "a3"})


def test_list_query_count_does_not_grow_with_rows(
    scene: Scene, world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = _client(world, "province")
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/assessments")
    assert len(response.json()["items"]) == 3


# --- detail and answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "sees_flags"), [("county", True), ("enterprise", False)])
def test_detail_shows_plausibility_flags_to_officials_only(
    scene: Scene, world: World, role: str, sees_flags: bool
) -> None:
    flag = {"code": "jump", "severity": "high", "message": "跳升", "detail": {"points": 30}}
    Assessment.objects.filter(pk=scene.a1.pk).update(flags=[flag], risk_score=3.0)
    body = _client(world, role).get(f"{API}/assessments/{scene.a1.pk}").json()
    assert body["flags"] == ([flag] if sees_flags else None)
    assert body["risk_score"] == (3.0 if sees_flags else None)


def test_detail_content(scene: Scene, world: World) -> None:
    body = _client(world, "enterprise").get(f"{API}/assessments/{scene.d1.pk}").json()
    assert (body["status"], body["kind"], body["year"]) == ("draft", "self", 2025)
    assert (body["total"], body["level"], body["submitted_at"]) == (None, None, None)
    assert body["framework_version"] == scene.d1.framework_version.label
    assert (body["previous"], body["assignment"]) == (scene.a1.pk, None)
    assert (body["created_by"], body["editable"]) == ("ent_e1", True)
    submitted = _client(world, "enterprise").get(f"{API}/assessments/{scene.a1.pk}").json()
    assert (submitted["total"], submitted["level"]) == (scene.a1.total, scene.a1.level)
    assert (submitted["submitted_by"], submitted["editable"]) == ("ent_e1", False)


def test_answers_carry_revision_origin_and_evidence(scene: Scene, world: World) -> None:
    evidence = Evidence.objects.create(
        assessment=scene.d1,
        question=Q1,
        stored_name="abc123",
        original_name="许可证.pdf",
        content_type="application/pdf",
        kind="pdf",
        size=2048,
        sha256="f" * 64,
        uploaded_by=world.users["enterprise"],
    )
    body = _client(world, "enterprise").get(f"{API}/assessments/{scene.d1.pk}/answers").json()
    assert body["revision"] == scene.d1.revision
    assert body["answers"] == scene.d1.answers != {}
    assert set(body["carried_from"].values()) == {f"previous:{scene.a1.pk}"}
    assert body["evidence"] == {
        Q1: [
            {
                "id": evidence.pk,
                "name": "许可证.pdf",
                "size": 2048,
                "sha256": "f" * 64,
                "kind": "pdf",
                "uploaded_at": body["evidence"][Q1][0]["uploaded_at"],
            }
        ]
    }
    assert "abc123" not in str(body)


# --- saving answers -------------------------------------------------------------------------------


def test_save_writes_the_answers_and_a_new_revision(
    version: FrameworkVersion, world: World
) -> None:
    draft = make_draft(enterprise=world.e1, code=MODEL, by=world.users["enterprise"])
    body = {"revision": draft.revision, "changes": {Q1: "yes", Q2: "no"}}
    response = _put(_client(world, "enterprise"), draft.pk, body)
    assert response.status_code == 200
    assert response.json() == {"revision": draft.revision + 1, "saved": [Q1, Q2], "problems": []}
    draft.refresh_from_db()
    assert (draft.answers, draft.updated_by.username) == ({Q1: "yes", Q2: "no"}, "ent_e1")
    assert AuditEvent.objects.filter(action="assessment.save", object_id=str(draft.pk)).exists()


def test_save_clears_an_answer_with_null(scene: Scene, world: World) -> None:
    client = _client(world, "enterprise")
    assert scene.d1.answers.get(Q1) is not None
    response = _put(client, scene.d1.pk, {"revision": scene.d1.revision, "changes": {Q1: None}})
    assert response.json()["saved"] == [Q1]
    scene.d1.refresh_from_db()
    assert Q1 not in scene.d1.answers


def test_invalid_answer_is_reported_and_only_it_is_not_saved(scene: Scene, world: World) -> None:
    client = _client(world, "enterprise")
    before = scene.d1.answers.get(Q1)
    body = {"revision": scene.d1.revision, "changes": {Q1: "maybe", Q2: "no"}}
    response = _put(client, scene.d1.pk, body)
    assert response.status_code == 200
    out = response.json()
    assert out["saved"] == [Q2]
    assert [(p["question"], p["code"]) for p in out["problems"]] == [(Q1, "wrong_type")]
    scene.d1.refresh_from_db()
    assert (scene.d1.answers.get(Q1), scene.d1.answers[Q2]) == (before, "no")


def _second_user(world: World) -> Client:
    client = Client()
    client.force_login(make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1))
    return client


def test_conflicting_save_answers_409_with_both_values_and_writes_nothing(
    version: FrameworkVersion, world: World
) -> None:
    draft = make_draft(enterprise=world.e1, code=MODEL, by=world.users["enterprise"])
    loaded = draft.revision
    first = _put(
        _client(world, "enterprise"), draft.pk, {"revision": loaded, "changes": {Q1: "yes"}}
    )
    assert first.status_code == 200
    body = {"revision": loaded, "changes": {Q1: "no", Q2: "no"}, "base": {}}
    response = _put(_second_user(world), draft.pk, body)
    assert response.status_code == 409
    assert response.json() == {
        "error": CONFLICT,
        "revision": loaded + 1,
        "conflicts": [{"question": Q1, "yours": "no", "theirs": "yes"}],
    }
    draft.refresh_from_db()
    assert (draft.revision, draft.answers, draft.updated_by.username) == (
        loaded + 1,
        {Q1: "yes"},
        "ent_e1",
    )


def test_edits_of_other_questions_at_an_older_revision_merge(
    version: FrameworkVersion, world: World
) -> None:
    draft = make_draft(enterprise=world.e1, code=MODEL, by=world.users["enterprise"])
    loaded = draft.revision
    _put(_client(world, "enterprise"), draft.pk, {"revision": loaded, "changes": {Q1: "yes"}})
    body = {"revision": loaded, "changes": {Q2: "no"}, "base": {Q2: None}}
    response = _put(_second_user(world), draft.pk, body)
    assert (response.status_code, response.json()["revision"]) == (200, loaded + 2)
    draft.refresh_from_db()
    assert draft.answers == {Q1: "yes", Q2: "no"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"changes": {Q1: "yes"}}, REVISION_REQUIRED),
        ({"revision": 1, "site_notes": {"gate": "现场"}}, SITE_NOTES_DIAGNOSIS_ONLY),
    ],
)
def test_save_without_revision_or_with_site_notes_on_a_self_assessment_answers_422(
    scene: Scene, world: World, body: dict[str, Any], error: str
) -> None:
    response = _put(_client(world, "enterprise"), scene.d1.pk, body)
    assert (response.status_code, response.json()) == (422, {"error": error})
    assert Assessment.objects.get(pk=scene.d1.pk).revision == scene.d1.revision


def test_save_on_a_submitted_assessment_answers_409_not_draft(scene: Scene, world: World) -> None:
    body = {"revision": scene.a1.revision, "changes": {Q1: "no"}}
    response = _put(_client(world, "enterprise"), scene.a1.pk, body)
    assert (response.status_code, response.json()) == (409, {"error": NOT_DRAFT})
    assert Assessment.objects.get(pk=scene.a1.pk).answers == scene.a1.answers


def test_enterprise_may_see_but_not_edit_a_diagnosis_draft(scene: Scene, world: World) -> None:
    body = {"revision": scene.diag.revision, "changes": {Q1: "yes"}}
    response = _put(_client(world, "enterprise"), scene.diag.pk, body)
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_EDIT})
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.object_id, event.actor_username) == (str(scene.diag.pk), "ent_e1")
    assert Assessment.objects.get(pk=scene.diag.pk).answers == scene.diag.answers


@pytest.mark.parametrize(("role", "target"), [("enterprise", "d2"), ("provider", "other")])
def test_save_out_of_scope_answers_404(scene: Scene, world: World, role: str, target: str) -> None:
    found = getattr(scene, target)
    response = _put(_client(world, role), found.pk, {"revision": 1, "changes": {Q1: "yes"}})
    assert (response.status_code, response.json()) == (404, {"error": NOT_FOUND})
    assert Assessment.objects.get(pk=found.pk).revision == found.revision


def test_provider_saves_answers_and_site_notes_of_its_diagnosis(scene: Scene, world: World) -> None:
    body = {
        "revision": scene.diag.revision,
        "changes": {Q1: "yes"},
        "site_notes": {"gate": "现场查看了排污许可证。"},
    }
    response = _put(_client(world, "provider"), scene.diag.pk, body)
    assert response.status_code == 200
    scene.diag.refresh_from_db()
    assert scene.diag.answers[Q1] == "yes"
    assert scene.diag.site_notes == {"gate": "现场查看了排污许可证。"}


def test_site_notes_for_an_unknown_section_answer_422(scene: Scene, world: World) -> None:
    body = {"revision": scene.diag.revision, "site_notes": {"nowhere": "x"}}
    response = _put(_client(world, "provider"), scene.diag.pk, body)
    assert (response.status_code, response.json()) == (422, {"error": UNKNOWN_SECTION})
    assert Assessment.objects.get(pk=scene.diag.pk).site_notes == {}


EVIDENCE_Q = "offsets.evidence"  # an evidence question: its answer is free text


def _raw(code: str, value: str, revision: str = "1") -> str:
    """A save body with one change, the value written as raw JSON text."""
    return '{"revision": ' + revision + ', "changes": {"' + code + '": ' + value + "}}"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (_raw(EVIDENCE_Q, "[" * 200 + "]" * 200), 422),
        (_raw(EVIDENCE_Q, '{"a": [1, {"b": null}]}'), 422),
        (_raw(EVIDENCE_Q, '"a\\u0000b"'), 422),
        (_raw(Q1, '["a", ["b"]]'), 422),
        (_raw(Q1, "1e400"), 422),
        ('{"revision": 1, "changes": {}, "base": {"' + Q1 + '": [[[]]]}}', 422),
        (_raw(Q1, '"NaN"'), 200),
        (_raw(Q2, '"yes"', revision="99999999999999999999999"), 200),
        ('{"revision": 1, "changes": []}', 422),
        ('{"revision": "1; DROP TABLE x", "changes": {}}', 422),
        ("[" * 50000 + "]" * 50000, 400),
        ("not json", 400),
    ],
)
def test_hostile_save_bodies_never_fail_and_store_only_plain_answers(
    version: FrameworkVersion, world: World, raw: str, status: int
) -> None:
    draft = make_draft(enterprise=world.e1, code=MODEL, by=world.users["enterprise"])
    url = f"{API}/assessments/{draft.pk}/answers"
    client = _client(world, "enterprise")
    response = client.generic("PUT", url, raw, content_type="application/json")
    assert response.status_code == status, response.content
    draft.refresh_from_db()
    assert draft.answers in ({}, {Q2: "yes"})


def test_site_notes_with_nul_characters_answer_422(scene: Scene, world: World) -> None:
    body = {"revision": scene.diag.revision, "site_notes": {"gate": "a\x00b"}}
    response = _put(_client(world, "provider"), scene.diag.pk, body)
    assert (response.status_code, response.json()) == (422, {"error": NUL_IN_NOTES})
    assert Assessment.objects.get(pk=scene.diag.pk).site_notes == {}


# --- submitting -----------------------------------------------------------------------------------


def _complete_draft(world: World) -> Assessment:
    return make_draft(
        enterprise=world.e1, code=MODEL, by=world.users["enterprise"], quality=0.7, seed=5
    )


def test_submit_scores_and_freezes_the_draft(version: FrameworkVersion, world: World) -> None:
    draft = _complete_draft(world)
    response = _post(
        _client(world, "enterprise"),
        f"/assessments/{draft.pk}/submit",
        {"revision": draft.revision},
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    body = response.json()
    assert (draft.status, draft.submitted_by.username) == ("submitted", "ent_e1")
    assert body["status"] == "submitted"
    assert (body["total"], body["level"], body["revision"]) == (
        draft.total,
        draft.level or None,
        draft.revision,
    )
    assert body["dimension_scores"] == draft.dimension_scores
    assert (
        AuditEvent.objects.filter(action="assessment.submit", object_id=str(draft.pk)).count() == 1
    )


def test_submit_with_invalid_answers_answers_422_with_problems_and_stays_a_draft(
    version: FrameworkVersion, world: World
) -> None:
    draft = _complete_draft(world)
    Assessment.objects.filter(pk=draft.pk).update(answers={**draft.answers, Q1: "maybe"})
    response = _post(
        _client(world, "enterprise"),
        f"/assessments/{draft.pk}/submit",
        {"revision": draft.revision},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == ANSWERS_INVALID
    assert [(p["question"], p["code"]) for p in body["problems"]] == [(Q1, "wrong_type")]
    draft.refresh_from_db()
    assert (draft.status, draft.result, draft.total) == ("draft", None, None)
    assert not AuditEvent.objects.filter(action="assessment.submit").exists()


def test_submit_with_a_stale_revision_answers_409_and_stays_a_draft(
    version: FrameworkVersion, world: World
) -> None:
    draft = _complete_draft(world)
    response = _post(
        _client(world, "enterprise"),
        f"/assessments/{draft.pk}/submit",
        {"revision": draft.revision - 1},
    )
    assert response.status_code == 409
    assert response.json() == {"error": STALE, "revision": draft.revision, "conflicts": []}
    assert Assessment.objects.get(pk=draft.pk).status == "draft"


def test_submit_without_revision_answers_422(version: FrameworkVersion, world: World) -> None:
    draft = _complete_draft(world)
    response = _post(_client(world, "enterprise"), f"/assessments/{draft.pk}/submit", {})
    assert (response.status_code, response.json()) == (422, {"error": REVISION_REQUIRED})
    assert Assessment.objects.get(pk=draft.pk).status == "draft"


def test_submitting_twice_returns_the_same_result_and_changes_nothing(
    version: FrameworkVersion, world: World
) -> None:
    draft = _complete_draft(world)
    client = _client(world, "enterprise")
    url = f"/assessments/{draft.pk}/submit"
    first = _post(client, url, {"revision": draft.revision})
    second = _post(client, url, {"revision": draft.revision})
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert AuditEvent.objects.filter(action="assessment.submit").count() == 1


def test_provider_submits_its_diagnosis_but_not_the_enterprise(scene: Scene, world: World) -> None:
    Assessment.objects.filter(pk=scene.diag.pk).update(answers=scene.a1.answers)
    url = f"/assessments/{scene.diag.pk}/submit"
    denied = _post(_client(world, "enterprise"), url, {"revision": scene.diag.revision})
    assert (denied.status_code, denied.json()) == (403, {"error": FORBIDDEN_EDIT})
    done = _post(_client(world, "provider"), url, {"revision": scene.diag.revision})
    assert done.status_code == 200, done.content
    scene.diag.refresh_from_db()
    assert (scene.diag.status, scene.diag.submitted_by.username) == ("submitted", "provider")


# --- result ---------------------------------------------------------------------------------------


def test_result_is_the_stored_result_and_is_never_rescored(
    scene: Scene, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("re-scored")

    monkeypatch.setattr("assessments.services.assessment_score", fail)
    monkeypatch.setattr("scoring.maturity.score_assessment", fail)
    response = _client(world, "city").get(f"{API}/assessments/{scene.a1.pk}/result")
    assert response.status_code == 200
    body = response.json()
    scene.a1.refresh_from_db()
    assert body["result"] == scene.a1.result
    assert (body["total"], body["max_total"], body["level"]) == (
        scene.a1.total,
        scene.a1.max_total,
        scene.a1.level,
    )
    assert body["dimension_scores"] == scene.a1.dimension_scores


def test_result_shows_benchmark_groups_of_at_least_the_minimum_only(
    scene: Scene, world: World, settings: Any
) -> None:
    settings.BENCHMARK_MIN_GROUP = 5
    common = {"framework_version": scene.a1.framework_version, "computed_at": scene.a1.submitted_at}
    PeerBenchmark.objects.create(
        group="province", key="32", label="全省", size=5, totals=[10, 20, 30, 40, 50], **common
    )
    PeerBenchmark.objects.create(
        group="county", key="320102", label="玄武区", size=2, totals=[10, 90], **common
    )
    body = _client(world, "enterprise").get(f"{API}/assessments/{scene.a1.pk}/result").json()
    benchmark = body["benchmark"]
    assert [(g["group"], g["size"], g["median"]) for g in benchmark["groups"]] == [
        ("province", 5, 30.0)
    ]
    assert (benchmark["hidden"], benchmark["min_group"]) == (1, 5)
    assert "90" not in str(benchmark["groups"])


def test_a_draft_has_no_result(scene: Scene, world: World) -> None:
    response = _client(world, "enterprise").get(f"{API}/assessments/{scene.d1.pk}/result")
    assert (response.status_code, response.json()) == (404, {"error": NO_RESULT})


# --- starting -------------------------------------------------------------------------------------


def test_start_creates_a_draft_then_resumes_it(version: FrameworkVersion, world: World) -> None:
    client = _client(world, "enterprise")
    created = _post(client, "/assessments", {"framework": MODEL, "year": 2026})
    resumed = _post(client, "/assessments", {"framework": MODEL})
    assert created.status_code == 201
    assert resumed.status_code == 200
    draft = Assessment.objects.get()
    assert created.json() == {"id": draft.pk, "revision": draft.revision, "resumed": False}
    assert resumed.json() == {"id": draft.pk, "revision": draft.revision, "resumed": True}
    assert (draft.enterprise, draft.framework_version, draft.year, draft.status) == (
        world.e1,
        version,
        2026,
        "draft",
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [({}, FRAMEWORK_REQUIRED), ({"framework": "NOPE"}, NO_PUBLISHED_VERSION)],
)
def test_start_needs_a_published_model(
    version: FrameworkVersion, world: World, body: dict[str, Any], error: str
) -> None:
    response = _post(_client(world, "enterprise"), "/assessments", body)
    assert (response.status_code, response.json()) == (422, {"error": error})
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("role", ["province", "city", "county", "provider", "expert", "admin"])
def test_only_enterprise_users_start_and_refusals_are_audited(
    version: FrameworkVersion, world: World, role: str
) -> None:
    response = _post(_client(world, role), "/assessments", {"framework": MODEL})
    assert (response.status_code, response.json()) == (403, {"error": FORBIDDEN_START})
    assert AuditEvent.objects.get(action="access.denied").object_id == "api:assessment-start"
    assert not Assessment.objects.exists()


# --- OpenAPI and tokens ---------------------------------------------------------------------------


def test_openapi_document_lists_every_endpoint(world: World) -> None:
    response = _client(world, "enterprise").get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    documented = {(method, path) for path, ops in paths.items() for method in ops}
    expected = {
        (method, f"{API}{path.replace('{pk}', '{assessment_id}')}")
        for method, path in ALL_ENDPOINTS
    }
    assert expected <= documented
    for route in router.path_operations:
        assert f"{API}{route}" in paths


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_token_reads_are_scoped(scene: Scene, world: World, client: Client) -> None:
    _token, key = api_token_create(user=world.users["city"], name="看板")
    listed = client.get(f"{API}/assessments", headers=_bearer(key))
    assert _listed(listed) == _ids(scene, VISIBLE["city"])
    detail = client.get(f"{API}/assessments/{scene.a3.pk}", headers=_bearer(key))
    assert detail.status_code == 404


def test_token_writes_need_no_session_or_csrf_token(scene: Scene, world: World) -> None:
    _token, key = api_token_create(user=world.users["enterprise"], name="ERP")
    client = Client(enforce_csrf_checks=True)
    body = {"revision": scene.d1.revision, "changes": {Q1: "no"}}
    response = _put(client, scene.d1.pk, body, headers=_bearer(key))
    assert response.status_code == 200, response.content
    scene.d1.refresh_from_db()
    assert (scene.d1.answers[Q1], scene.d1.updated_by.username) == ("no", "ent_e1")


def test_session_writes_need_the_csrf_token(scene: Scene, world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["enterprise"])
    body = {"revision": scene.d1.revision, "changes": {Q1: "yes"}}
    response = _put(client, scene.d1.pk, body)
    assert response.status_code == 403
    assert Assessment.objects.get(pk=scene.d1.pk).revision == scene.d1.revision


def test_module_constants_are_bilingual() -> None:
    messages = [
        value
        for name, value in vars(assessments_api).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("MAX")
    ]
    assert messages
    assert all("(" in message and message.endswith(")") for message in messages)
