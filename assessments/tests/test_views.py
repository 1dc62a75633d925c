"""Self-assessment pages: the home for each role, the edit page (question types, branching,
progress), autosave with merges and the conflict panel, evidence upload / download / delete,
submit. Forms are read from the page and posted back as a browser would (tests/pages.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from assessments.models import Assessment, Evidence
from assessments.services import assessment_save, assessment_submit
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.pages import autosave, changed, client_for, edit_url, load, section_form
from assessments.tests.published import definition_of, publish
from audit.models import AuditEvent
from conftest import World, make_enterprise, make_user
from tests.test_browser import CHROMIUM, _login, expect
from tests.test_browser import page as _browser_page  # noqa: F401 (the `page` fixture)

TXT = b"Evidence: the MES went live in March.\n"


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def models(world: World) -> None:
    publish("GEN-JS", "AI-SCENE", "ZERO-CARBON")


@pytest.fixture
def draft(world: World, models: None) -> Assessment:
    return make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])


@pytest.fixture
def colleague(world: World) -> User:
    """A second user of E1: they share the enterprise's drafts."""
    return make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1)


def _stored_files(media: Path) -> list[Path]:
    folder = media / "evidence"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["edit", "save", "submit", "evidence-upload"])
def test_anonymous_visitors_are_sent_to_login(name: str, draft: Assessment) -> None:
    url = reverse(f"assessments:{name}", args=[draft.pk])
    response = Client().get(url) if name == "edit" else Client().post(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["edit", "save", "submit", "evidence-upload"])
def test_a_user_of_another_enterprise_gets_404_for_the_draft(
    name: str, world: World, draft: Assessment
) -> None:
    outsider = client_for(make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2))
    url = reverse(f"assessments:{name}", args=[draft.pk])
    response = outsider.get(url) if name == "edit" else outsider.post(url, {"revision": "1"})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.revision == 1


@pytest.mark.parametrize("role", ["county", "city", "province"])
def test_officials_may_not_open_the_edit_page(role: str, world: World, draft: Assessment) -> None:
    response = client_for(world.users[role]).get(edit_url(draft))
    assert response.status_code == 403


def test_the_list_sends_anonymous_visitors_to_login(world: World) -> None:
    response = Client().get(reverse("assessments:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- home ------------------------------------------------------------------------------------


def test_enterprise_home_lists_its_assessments_and_the_published_models(
    world: World, draft: Assessment
) -> None:
    other = make_draft(enterprise=world.e2, code="GEN-JS", by=world.users["enterprise"])
    response = client_for(world.users["enterprise"]).get(reverse("assessments:list"))
    assert f'data-assessment="{draft.pk}"' in response.text
    assert f'data-assessment="{other.pk}"' not in response.text
    assert edit_url(draft) in response.text
    assert "AI-SCENE@2025" in response.text  # in the start form's choices
    assert "企业自评" in response.text


def test_start_creates_a_draft_and_opens_it(world: World, models: None) -> None:
    version = publish("ZERO-CARBON")["ZERO-CARBON"]
    client = client_for(world.users["enterprise"])
    response = client.post(reverse("assessments:start"), {"version": version.pk, "year": 2025})
    created = Assessment.objects.get(enterprise=world.e1, framework_version=version)
    assert response.status_code == 302
    assert response["Location"] == edit_url(created)
    assert (created.status, created.kind, created.year) == ("draft", "self", 2025)


def test_start_resumes_the_open_draft(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    response = client.post(reverse("assessments:start"), {"version": draft.framework_version_id})
    assert response["Location"] == edit_url(draft)
    assert Assessment.objects.filter(enterprise=world.e1).count() == 1


def test_start_without_a_model_changes_nothing(world: World, models: None) -> None:
    response = client_for(world.users["enterprise"]).post(reverse("assessments:start"), {})
    assert response.status_code == 302
    assert not Assessment.objects.exists()


@pytest.fixture
def results(world: World, models: None) -> dict[str, Assessment]:
    by = world.users["enterprise"]
    return {
        key: make_submitted(enterprise=getattr(world, key), code="GEN-JS", by=by, seed=i)
        for i, key in enumerate(("e1", "e2", "e3"), start=1)
    }


@pytest.mark.parametrize(
    ("role", "shown"),
    [("county", {"e1"}), ("city", {"e1", "e2"}), ("province", {"e1", "e2", "e3"})],
)
def test_officials_see_the_submitted_assessments_of_their_jurisdiction(
    role: str, shown: set[str], world: World, results: dict[str, Assessment], draft: Assessment
) -> None:
    response = client_for(world.users[role]).get(reverse("assessments:list"))
    listed = {key for key, a in results.items() if f'data-assessment="{a.pk}"' in response.text}
    assert listed == shown
    assert f'data-assessment="{draft.pk}"' not in response.text
    assert response.context["page"].paginator.count == len(shown)


def test_officials_filter_by_model_and_level_and_see_counts(
    world: World, results: dict[str, Assessment]
) -> None:
    e1 = results["e1"]
    client = client_for(world.users["province"])
    response = client.get(
        reverse("assessments:list"), {"framework": str(e1.framework_id), "level": e1.level}
    )
    expected = {a.pk for a in results.values() if a.level == e1.level}
    assert {row.assessment.pk for row in response.context["rows"]} == expected
    assert sum(c["n"] for c in response.context["level_counts"]) == len(expected)
    other = client.get(reverse("assessments:list"), {"year": 2001})
    assert other.context["page"].paginator.count == 0


def test_officials_list_answers_htmx_with_the_results_fragment(
    world: World, results: dict[str, Assessment]
) -> None:
    response = client_for(world.users["city"]).get(
        reverse("assessments:list"), HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.text
    assert 'id="results"' in response.text


@pytest.mark.parametrize("role", ["province", "enterprise"])
def test_list_page_query_count_does_not_grow_with_rows(
    role: str, world: World, results: dict[str, Assessment], django_assert_max_num_queries
) -> None:
    client = client_for(world.users[role])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("assessments:list"))
        return len(captured)

    before = queries()
    for seq in range(10, 14):
        enterprise = make_enterprise(county=world.x, name=f"企业{seq}", seq=seq)
        make_submitted(enterprise=enterprise, code="AI-SCENE", by=world.users["enterprise"])
    make_submitted(enterprise=world.e1, code="AI-SCENE", by=world.users["enterprise"])
    make_draft(enterprise=world.e1, code="ZERO-CARBON", by=world.users["enterprise"])
    assert queries() == before
    with django_assert_max_num_queries(20):
        client.get(reverse("assessments:list"))


@pytest.mark.parametrize("role", ["expert", "admin"])
def test_roles_without_assessments_are_refused_the_list(role: str, world: World) -> None:
    assert client_for(world.users[role]).get(reverse("assessments:list")).status_code == 403


# --- edit page -------------------------------------------------------------------------------


def test_edit_page_renders_each_question_type(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    rnd = client.get(edit_url(draft, "rnd")).text
    assert 'type="checkbox" name="q:rnd.tools"' in rnd  # multiple choice
    assert 'value="none" data-exclusive' in rnd  # "none" is chosen alone
    assert 'type="radio" name="q:rnd.pdm.deployed" id="q-rnd.pdm.deployed-yes"' in rnd  # yes/no
    assert 'name="q:rnd.tool_share"' in rnd
    assert 'data-min="0.0" data-max="100.0"' in rnd  # number with its range and unit
    assert 'name="na:rnd.tool_share"' in rnd  # N/A allowed here
    assert "未核实" in rnd
    assert 'class="mandatory"' in rnd
    text = client.get(edit_url(draft, "data_ai")).text
    assert '<textarea name="q:data_ai.next_steps"' in text


def test_scene_ratings_show_levels_with_their_descriptors(world: World, models: None) -> None:
    scene = make_draft(enterprise=world.e1, code="AI-SCENE", by=world.users["enterprise"])
    page = client_for(world.users["enterprise"]).get(edit_url(scene, "scene")).text
    assert 'name="q:scene.design" id="q-scene.design-4" value="4"' in page
    assert "试点验证：在单点开展试用或概念验证" in page
    assert "未开展" in page


def test_questions_whose_condition_fails_are_shown_as_not_applicable(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    page = client.get(edit_url(draft, "rnd")).text
    assert (
        'data-question="rnd.pdm.integration" data-type="single_choice" data-applicable="false"'
        in (page)
    )
    assert "base:rnd.pdm.integration" not in section_form(page)


def test_autosave_recomputes_applicability_and_progress(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(load(client, draft, "rnd"), {"rnd.pdm.deployed": "yes"})
    response = autosave(client, draft, data)
    assert "<html" not in response.text
    assert (
        'data-question="rnd.pdm.integration" data-type="single_choice" data-applicable="true"'
        in (response.text)
    )
    assert 'id="section-nav" class="section-nav card" aria-label="维度" hx-swap-oob="true"' in (
        response.text
    )
    assert '<span class="muted count">1/5</span>' in response.text  # answered / applicable


def test_edit_page_answers_htmx_with_the_section_fragment(world: World, draft: Assessment) -> None:
    response = client_for(world.users["enterprise"]).get(
        edit_url(draft, "production"), HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.text
    assert 'id="section" data-section="production"' in response.text


def test_a_submitted_assessment_opens_its_result(world: World, results: dict) -> None:
    response = client_for(world.users["enterprise"]).get(edit_url(results["e1"]))
    assert response["Location"] == reverse("assessments:result", args=[results["e1"].pk])


# --- autosave --------------------------------------------------------------------------------


def test_autosave_saves_the_changed_answers(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(
        load(client, draft, "rnd"),
        {"rnd.tools": ["cad", "cae"], "rnd.tool_share": "45", "rnd.validation": "partial"},
    )
    response = autosave(client, draft, data)
    draft.refresh_from_db()
    assert response.status_code == 200
    assert "已自动保存" in response.text
    assert draft.revision == 2
    assert draft.answers["rnd.tools"] == ["cad", "cae"]
    assert draft.answers["rnd.tool_share"] == 45.0
    assert draft.answers["rnd.validation"] == "partial"
    assert section_form(response.text)["revision"] == ["2"]


def test_autosave_without_changes_writes_nothing(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    response = autosave(client, draft, load(client, draft, "rnd"))
    draft.refresh_from_db()
    assert response.status_code == 200
    assert draft.revision == 1
    assert not AuditEvent.objects.filter(action="assessment.save").exists()


DEFAULT_SECTIONS = [
    (code, node["code"])
    for code in ("GEN-JS", "SF-JS", "CMMM", "SME-DL", "AI-SCENE", "ZERO-CARBON")
    for node in definition_of(code)["nodes"]
]


@pytest.mark.parametrize(("code", "section"), DEFAULT_SECTIONS)
def test_every_section_of_the_default_models_posts_back_unchanged(
    code: str, section: str, world: World
) -> None:
    """Each field shows its stored answer in the form it is posted back (numbers, levels,
    lists, N/A), so a section saved without changes writes nothing."""
    publish(code)
    user = world.users["enterprise"]
    filled = make_draft(enterprise=world.e1, code=code, by=user, quality=0.5)
    client = client_for(user)
    response = autosave(client, filled, load(client, filled, section))
    filled.refresh_from_db()
    assert response.status_code == 200
    assert filled.revision == 2  # the factory's one save


def test_not_applicable_and_clearing_an_answer_are_saved(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    autosave(client, draft, changed(load(client, draft, "rnd"), {"rnd.validation": "virtual"}))
    data = load(client, draft, "rnd")
    data["na:rnd.tool_share"] = ["1"]
    data["q:rnd.validation"] = []
    autosave(client, draft, data)
    draft.refresh_from_db()
    assert draft.answers["rnd.tool_share"] == "N/A"
    assert "rnd.validation" not in draft.answers


def test_an_invalid_answer_is_reported_next_to_its_question_and_kept_in_the_field(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(
        load(client, draft, "rnd"),
        {"rnd.tool_share": "150", "rnd.tools": ["cad", "none"], "rnd.validation": "physical"},
    )
    response = autosave(client, draft, data)
    draft.refresh_from_db()
    assert "rnd.tool_share" not in draft.answers
    assert "rnd.tools" not in draft.answers
    assert draft.answers["rnd.validation"] == "physical"
    shown = section_form(response.text)
    assert shown["q:rnd.tool_share"] == ["150"]
    assert shown["q:rnd.tools"] == ["cad", "none"]
    assert "超出范围" in response.text
    assert "只能单独选择 (must be chosen alone)" in response.text


def test_two_users_changing_different_questions_are_both_saved(
    world: World, draft: Assessment, colleague: User
) -> None:
    alice, bob = client_for(world.users["enterprise"]), client_for(colleague)
    seen_by_alice = load(alice, draft, "rnd")
    seen_by_bob = load(bob, draft, "rnd")
    autosave(bob, draft, changed(seen_by_bob, {"rnd.validation": "virtual"}))
    response = autosave(alice, draft, changed(seen_by_alice, {"rnd.tool_share": "60"}))
    draft.refresh_from_db()
    assert 'data-testid="conflict"' not in response.text
    assert draft.answers["rnd.validation"] == "virtual"
    assert draft.answers["rnd.tool_share"] == 60.0
    assert section_form(response.text)["q:rnd.validation"] == ["virtual"]  # Bob's, shown


def test_two_users_changing_the_same_question_see_a_conflict_and_nothing_is_lost(
    world: World, draft: Assessment, colleague: User
) -> None:
    alice, bob = client_for(world.users["enterprise"]), client_for(colleague)
    seen_by_alice = load(alice, draft, "rnd")
    seen_by_bob = load(bob, draft, "rnd")
    autosave(bob, draft, changed(seen_by_bob, {"rnd.validation": "virtual"}))
    response = autosave(
        alice, draft, changed(seen_by_alice, {"rnd.validation": "physical", "rnd.tool_share": "5"})
    )
    draft.refresh_from_db()
    assert draft.answers["rnd.validation"] == "virtual"  # Bob's answer, not overwritten
    assert draft.answers["rnd.tool_share"] == 5.0  # Alice's other change, merged
    assert 'data-testid="conflict"' in response.text
    assert "以实物试制验证为主" in response.text  # Alice's value
    assert "以仿真和虚拟验证为主、虚实结合" in response.text  # Bob's value
    assert "ent_e1_b" in response.text  # who changed it
    assert 'name="q:rnd.validation" value="physical"' in response.text  # kept to re-apply


def test_re_applying_your_answer_after_a_conflict_saves_it(
    world: World, draft: Assessment, colleague: User
) -> None:
    alice, bob = client_for(world.users["enterprise"]), client_for(colleague)
    seen_by_alice = load(alice, draft, "rnd")
    autosave(bob, draft, changed(load(bob, draft, "rnd"), {"rnd.validation": "virtual"}))
    conflict = autosave(alice, draft, changed(seen_by_alice, {"rnd.validation": "physical"}))
    draft.refresh_from_db()
    reapply = {
        "revision": [str(draft.revision)],
        "section": ["rnd"],
        "q:rnd.validation": ["physical"],
        "base:rnd.validation": ['"virtual"'],
    }
    assert f'name="revision" value="{draft.revision}"' in conflict.text
    response = autosave(alice, draft, reapply)
    draft.refresh_from_db()
    assert draft.answers["rnd.validation"] == "physical"
    assert 'data-testid="conflict"' not in response.text


def test_the_plain_save_button_saves_and_returns_to_the_section(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(load(client, draft, "rnd"), {"rnd.validation": "partial"})
    response = client.post(reverse("assessments:save", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft, "rnd")
    assert draft.answers["rnd.validation"] == "partial"


def test_the_plain_save_button_shows_the_page_when_an_answer_is_invalid(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(load(client, draft, "rnd"), {"rnd.tool_share": "abc"})
    response = client.post(reverse("assessments:save", args=[draft.pk]), data)
    assert response.status_code == 200
    assert "<html" in response.text
    assert section_form(response.text)["q:rnd.tool_share"] == ["abc"]
    assert "须填数值" in response.text


def test_a_save_without_revision_is_a_bad_request(world: World, draft: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    response = autosave(client, draft, {"section": ["rnd"], "q:rnd.validation": ["partial"]})
    draft.refresh_from_db()
    assert response.status_code == 400
    assert draft.revision == 1


# --- evidence --------------------------------------------------------------------------------


def _upload(
    client: Client,
    draft: Assessment,
    name: str,
    content: bytes,
    *,
    htmx: bool = True,
    question: str = "rnd.validation",
):
    url = reverse("assessments:evidence-upload", args=[draft.pk])
    data = {"question": question, f"file:{question}": SimpleUploadedFile(name, content)}
    return client.post(url, data, headers={"HX-Request": "true"} if htmx else None)


def test_an_accepted_upload_is_stored_and_listed(
    world: World, draft: Assessment, media: Path
) -> None:
    response = _upload(client_for(world.users["enterprise"]), draft, "测试报告.txt", TXT)
    evidence = Evidence.objects.get()
    assert (evidence.assessment, evidence.question) == (draft, "rnd.validation")
    assert evidence.original_name == "测试报告.txt"
    assert _stored_files(media) == [media / "evidence" / evidence.stored_name]
    assert "<html" not in response.text
    assert reverse("assessments:evidence-download", args=[evidence.pk]) in response.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"<html><body>hello</body></html>", "不接受网页"),
        ("big.txt", b"x" * 200, "上限"),
    ],
    ids=["html-named-pdf", "oversize"],
)
def test_a_rejected_upload_shows_the_reason_and_writes_nothing(
    name: str, content: bytes, message: str, world: World, draft: Assessment, media: Path, settings
) -> None:
    settings.EVIDENCE_MAX_BYTES = 100
    response = _upload(client_for(world.users["enterprise"]), draft, name, content)
    assert response.status_code == 200
    assert 'data-testid="evidence-error"' in response.text
    assert message in response.text
    assert " / " in response.text  # bilingual
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []


def test_a_rejected_upload_without_javascript_returns_to_the_question_with_the_message(
    world: World, draft: Assessment, media: Path
) -> None:
    client = client_for(world.users["enterprise"])
    response = _upload(client, draft, "x.pdf", b"<html></html>", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft, "rnd") + "#q-rnd.validation"
    page = client.get(response["Location"])
    assert "<html" in page.text
    assert not Evidence.objects.exists()


@pytest.fixture
def submitted_evidence(world: World, models: None, media: Path) -> Evidence:
    """A file on E1's submitted self-assessment (officials see submitted assessments only)."""
    by = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="ZERO-CARBON", by=by, quality=0.6)
    _upload(client_for(by), draft, "台账.txt", TXT, question="offsets.evidence")
    draft.refresh_from_db()
    assessment_submit(assessment=draft, by=by, revision=draft.revision)
    return Evidence.objects.get(assessment=draft)


def test_download_serves_the_file_with_safe_headers_and_is_audited(
    world: World, submitted_evidence: Evidence
) -> None:
    url = reverse("assessments:evidence-download", args=[submitted_evidence.pk])
    response = client_for(world.users["county"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TXT  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="evidence.download")
    assert (event.object_id, event.actor_username) == (str(submitted_evidence.pk), "county_x")


@pytest.mark.parametrize("role", ["county_y", "provider"])
def test_download_of_evidence_out_of_scope_is_not_found(
    role: str, world: World, submitted_evidence: Evidence
) -> None:
    user = (
        make_user("county_y", Role.COUNTY, region=world.y)
        if role == "county_y"
        else world.users[role]
    )
    url = reverse("assessments:evidence-download", args=[submitted_evidence.pk])
    assert client_for(user).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.download").exists()


def test_officials_cannot_download_evidence_of_a_draft(
    world: World, draft: Assessment, media: Path
) -> None:
    _upload(client_for(world.users["enterprise"]), draft, "a.txt", TXT)
    url = reverse("assessments:evidence-download", args=[Evidence.objects.get().pk])
    assert client_for(world.users["county"]).get(url).status_code == 404
    assert client_for(world.users["enterprise"]).get(url).status_code == 200


def test_delete_removes_the_row_and_the_file(
    world: World, draft: Assessment, media: Path, django_capture_on_commit_callbacks
) -> None:
    client = client_for(world.users["enterprise"])
    _upload(client, draft, "a.txt", TXT)
    evidence = Evidence.objects.get()
    url = reverse("assessments:evidence-delete", args=[evidence.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []


def test_evidence_of_a_submitted_assessment_cannot_be_deleted(
    world: World, submitted_evidence: Evidence
) -> None:
    url = reverse("assessments:evidence-delete", args=[submitted_evidence.pk])
    response = client_for(world.users["enterprise"]).post(url)
    assert response.status_code == 403
    assert Evidence.objects.filter(pk=submitted_evidence.pk).exists()


# --- submit ----------------------------------------------------------------------------------


def test_submit_lists_missing_answers_with_links_to_their_sections(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    response = client.post(
        reverse("assessments:submit", args=[draft.pk]), {"revision": draft.revision}
    )
    draft.refresh_from_db()
    assert response.status_code == 200
    assert 'data-testid="submit-problems"' in response.text
    assert 'href="?section=rnd#q-rnd.tools"' in response.text
    assert "必答题未作答" in response.text
    assert draft.status == "draft"


@pytest.fixture
def complete(world: World, models: None) -> Assessment:
    return make_draft(
        enterprise=world.e1, code="ZERO-CARBON", by=world.users["enterprise"], quality=0.7
    )


def test_submit_freezes_the_assessment_and_opens_the_result(
    world: World, complete: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    url = reverse("assessments:submit", args=[complete.pk])
    response = client.post(url, {"revision": complete.revision})
    complete.refresh_from_db()
    assert response["Location"] == reverse("assessments:result", args=[complete.pk])
    assert complete.status == "submitted"
    assert complete.total is not None


def test_a_second_submit_is_harmless(world: World, complete: Assessment) -> None:
    client = client_for(world.users["enterprise"])
    url = reverse("assessments:submit", args=[complete.pk])
    client.post(url, {"revision": complete.revision})
    complete.refresh_from_db()
    first = (complete.submitted_at, complete.revision, complete.total)
    again = client.post(url, {"revision": complete.revision - 1})
    complete.refresh_from_db()
    assert again["Location"] == reverse("assessments:result", args=[complete.pk])
    assert (complete.submitted_at, complete.revision, complete.total) == first
    assert AuditEvent.objects.filter(action="assessment.submit").count() == 1


def test_submit_from_the_section_form_saves_pending_changes_first(
    world: World, complete: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    data = load(client, complete, "accounting")
    data = changed(data, {"accounting.product_footprint": "no"})
    response = client.post(reverse("assessments:submit", args=[complete.pk]), data)
    complete.refresh_from_db()
    assert response["Location"] == reverse("assessments:result", args=[complete.pk])
    assert complete.answers["accounting.product_footprint"] == "no"
    assert complete.status == "submitted"


def test_submit_with_a_stale_revision_shows_the_latest_answers(
    world: World, complete: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    url = reverse("assessments:submit", args=[complete.pk])
    response = client.post(url, {"revision": complete.revision - 1})
    complete.refresh_from_db()
    assert response.status_code == 200
    assert "评估已被他人修改" in response.text
    assert complete.status == "draft"


def test_autosave_after_a_colleague_submitted_opens_the_result(
    world: World, complete: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(load(client, complete, "gate"), {"gate.compliance": "N/A"})
    assessment_submit(assessment=complete, by=world.users["enterprise"], revision=complete.revision)
    frozen = Assessment.objects.get(pk=complete.pk).answers
    response = autosave(client, complete, data)
    complete.refresh_from_db()
    assert response["HX-Redirect"] == reverse("assessments:result", args=[complete.pk])
    assert complete.answers == frozen


# --- in a real browser -----------------------------------------------------------------------


@pytest.fixture
def browser_page(_browser_page: Any) -> Any:  # noqa: F811 (the imported fixture)
    """A chromium page against the live server (tests/test_browser.py)."""
    return _browser_page


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_the_edit_page_autosaves_and_shows_conflicts_in_a_browser(
    browser_page: Any, world: World
) -> None:
    """htmx and static/js/assessments/form.js: autosave on change, exclusive options, an invalid
    number kept with its message, a conflict panel whose button re-applies the user's answer."""
    page = browser_page
    publish("GEN-JS")
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    _login(page, "ent_e1")
    page.goto(edit_url(draft, "rnd"))
    section = page.locator("#section")
    page.check("#q-rnd\\.pdm\\.deployed-yes")
    expect(section).to_have_attribute("data-revision", "2")
    expect(page.locator('[data-question="rnd.pdm.integration"]')).to_have_attribute(
        "data-applicable", "true"
    )
    page.check("#q-rnd\\.tools-cad")
    page.check("#q-rnd\\.tools-none")
    assert not page.is_checked("#q-rnd\\.tools-cad")
    page.fill("#q-rnd\\.tool_share-input", "150")
    page.locator("#q-rnd\\.tool_share-input").blur()
    expect(page.locator("[data-testid=answer-error]")).to_contain_text("超出范围")
    assert page.input_value("#q-rnd\\.tool_share-input") == "150"
    draft.refresh_from_db()
    assert draft.answers == {"rnd.pdm.deployed": "yes", "rnd.tools": ["none"]}

    colleague = make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1)
    assessment_save(
        assessment=draft, changes={"rnd.validation": "virtual"}, revision=3, by=colleague
    )
    page.fill("#q-rnd\\.tool_share-input", "40")
    page.check("#q-rnd\\.validation-physical")
    expect(page.locator("[data-testid=conflict]")).to_contain_text("ent_e1_b")
    assert page.is_checked("#q-rnd\\.validation-virtual")
    page.click("[data-testid=reapply]")
    expect(page.locator("[data-testid=conflict]")).to_have_count(0)
    draft.refresh_from_db()
    assert draft.answers["rnd.validation"] == "physical"
    assert draft.answers["rnd.tool_share"] == 40.0
    assert page.csp_errors == []
