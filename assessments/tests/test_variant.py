"""The model variant (适用类型) of an assessment: models such as CMMM weigh the same questions
differently for 离散型 (discrete) and 流程型 (process) manufacturing. The service
(assessment_set_variant: drafts only, known variants only, optimistic locking, audited), the form
on the edit page, the variant field of the JSON API, and submission scoring with the chosen
variant (the CMMM case of frameworks/tests/test_golden.py: same answers, different totals)."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from assessments.api import VARIANT_STALE
from assessments.models import Assessment
from assessments.services import (
    NOT_DRAFT,
    UNKNOWN_VARIANT,
    AssessmentConflict,
    assessment_save,
    assessment_set_variant,
    assessment_submit,
    diagnosis_start,
    provider_assign,
)
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.pages import autosave, changed, client_for, edit_url, load
from assessments.tests.published import publish
from audit.models import AuditEvent
from conftest import World, make_user
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled
from frameworks.tests.test_golden import CMMM_VARIANT_OVERRIDES, cmmm_answers
from tests.test_browser import CHROMIUM, _login, expect
from tests.test_browser import page as _browser_page  # noqa: F401 (the `page` fixture)

API = "/api/v1"


@pytest.fixture
def models(world: World) -> dict[str, FrameworkVersion]:
    return publish("CMMM", "GEN-JS")


@pytest.fixture
def draft(world: World, models: dict[str, FrameworkVersion]) -> Assessment:
    """A CMMM self-assessment draft of E1 (variants discrete, the default, and process)."""
    return make_draft(enterprise=world.e1, code="CMMM", by=world.users["enterprise"])


@pytest.fixture
def colleague(world: World) -> User:
    """A second user of E1: they share the enterprise's drafts."""
    return make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1)


def _question(draft: Assessment) -> str:
    return framework_version_compiled(draft.framework_version).question_codes[0]


def _variant_events(draft: Assessment) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="assessment.variant", object_id=str(draft.pk)))


def _state(draft: Assessment) -> tuple[str, int, dict[str, Any]]:
    draft.refresh_from_db()
    return draft.variant, draft.revision, draft.answers


# --- the service -----------------------------------------------------------------------------


def test_set_variant_stores_the_variant_and_bumps_the_revision(
    world: World, draft: Assessment, colleague: User
) -> None:
    done = assessment_set_variant(assessment=draft, variant="process", revision=1, by=colleague)
    draft.refresh_from_db()
    assert (done.variant, done.revision) == ("process", 2)
    assert (draft.variant, draft.revision, draft.updated_by) == ("process", 2, colleague)
    assert draft.is_draft


def test_set_variant_writes_an_audit_row_with_before_and_after(
    world: World, draft: Assessment
) -> None:
    user = world.users["enterprise"]
    assessment_set_variant(assessment=draft, variant="process", revision=1, by=user)
    (event,) = _variant_events(draft)
    assert (event.object_type, event.before, event.after) == (
        "assessments.assessment",
        {"variant": "discrete"},
        {"variant": "process"},
    )


@pytest.mark.parametrize("variant", ["other", "", "default", "Process"])
def test_set_variant_refuses_a_variant_the_model_does_not_have(
    world: World, draft: Assessment, variant: str
) -> None:
    with pytest.raises(ValidationError) as error:
        assessment_set_variant(
            assessment=draft, variant=variant, revision=1, by=world.users["enterprise"]
        )
    assert error.value.messages == [UNKNOWN_VARIANT]
    assert _state(draft) == ("", 1, {})
    assert _variant_events(draft) == []


def test_a_model_with_one_variant_has_nothing_to_choose(
    world: World, models: dict[str, FrameworkVersion]
) -> None:
    gen_js = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    with pytest.raises(ValidationError) as error:
        assessment_set_variant(
            assessment=gen_js, variant="process", revision=1, by=world.users["enterprise"]
        )
    assert error.value.messages == [UNKNOWN_VARIANT]
    assert _state(gen_js)[:2] == ("", 1)


def test_set_variant_refuses_a_submitted_assessment(world: World, draft: Assessment) -> None:
    user = world.users["enterprise"]
    framework = framework_version_compiled(draft.framework_version)
    answers = cmmm_answers(framework, ("full", "full", "mostly", "partly", "none"))
    assessment_save(assessment=draft, changes=answers, revision=1, by=user)
    submitted = assessment_submit(assessment=draft, by=user, revision=2)
    with pytest.raises(ValidationError) as error:
        assessment_set_variant(assessment=submitted, variant="process", revision=3, by=user)
    assert error.value.messages == [NOT_DRAFT]
    draft.refresh_from_db()
    assert (draft.variant, draft.revision, draft.status) == ("discrete", 3, "submitted")
    assert _variant_events(draft) == []


def test_set_variant_with_a_stale_revision_raises_a_conflict_and_writes_nothing(
    world: World, draft: Assessment, colleague: User
) -> None:
    code = _question(draft)
    assessment_save(assessment=draft, changes={code: "full"}, revision=1, by=colleague)
    with pytest.raises(AssessmentConflict) as conflict:
        assessment_set_variant(
            assessment=draft, variant="process", revision=1, by=world.users["enterprise"]
        )
    assert (conflict.value.current.revision, conflict.value.items) == (2, [])
    assert _state(draft) == ("", 2, {code: "full"})
    assert _variant_events(draft) == []


@pytest.mark.parametrize(
    ("stored", "chosen"), [("", "discrete"), ("discrete", "discrete"), ("process", "process")]
)
def test_choosing_the_variant_the_draft_already_has_writes_nothing(
    world: World, draft: Assessment, stored: str, chosen: str
) -> None:
    Assessment.objects.filter(pk=draft.pk).update(variant=stored)
    done = assessment_set_variant(
        assessment=draft, variant=chosen, revision=1, by=world.users["enterprise"]
    )
    assert (done.variant, done.revision) == (stored, 1)
    assert _state(draft)[:2] == (stored, 1)
    assert _variant_events(draft) == []


# --- submission scores with the chosen variant -------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "stored", "total", "level"),
    [
        # The hand-computed CMMM case of frameworks/tests/test_golden.py (same answers).
        pytest.param(None, "discrete", 2.752, "L2", id="default-discrete-2.752-L2"),
        pytest.param("process", "process", 3.316, "L3", id="process-3.316-L3"),
    ],
)
def test_submit_scores_with_the_chosen_variant(
    world: World, draft: Assessment, variant: str | None, stored: str, total: float, level: str
) -> None:
    user = world.users["enterprise"]
    framework = framework_version_compiled(draft.framework_version)
    answers = cmmm_answers(
        framework, ("full", "full", "mostly", "partly", "none"), CMMM_VARIANT_OVERRIDES
    )
    assessment_save(assessment=draft, changes=answers, revision=1, by=user)
    if variant is not None:
        assessment_set_variant(assessment=draft, variant=variant, revision=2, by=user)
    draft.refresh_from_db()
    assessment_submit(assessment=draft, by=user, revision=draft.revision)
    draft.refresh_from_db()
    assert (draft.variant, draft.result["variant"], draft.level) == (stored, stored, level)
    assert draft.total == pytest.approx(total, abs=1e-9)
    assert draft.result["total"] == pytest.approx(total, abs=1e-9)


# --- the edit page ---------------------------------------------------------------------------


def _variant_url(assessment: Assessment) -> str:
    return reverse("assessments:variant", args=[assessment.pk])


def _post_variant(client: Client, assessment: Assessment, variant: str, **extra: Any) -> Any:
    data = {"variant": variant, "revision": str(extra.pop("revision", assessment.revision))}
    data["section"] = extra.pop("section", "technology")
    return client.post(_variant_url(assessment), data, **extra)


@pytest.mark.parametrize(("code", "shown"), [("CMMM", True), ("GEN-JS", False)])
def test_the_variant_form_is_shown_only_for_models_with_variants(
    world: World, models: dict[str, FrameworkVersion], code: str, shown: bool
) -> None:
    assessment = make_draft(enterprise=world.e1, code=code, by=world.users["enterprise"])
    response = client_for(world.users["enterprise"]).get(edit_url(assessment))
    assert response.status_code == 200
    assert ('data-testid="variant"' in response.text) is shown
    assert (_variant_url(assessment) in response.text) is shown


def test_the_variant_form_lists_the_names_with_the_default_marked_and_the_current_selected(
    world: World, draft: Assessment
) -> None:
    Assessment.objects.filter(pk=draft.pk).update(variant="process")
    response = client_for(world.users["enterprise"]).get(edit_url(draft))
    assert "适用类型" in response.text
    assert '<option value="discrete">离散型（默认）</option>' in response.text
    assert '<option value="process" selected>流程型</option>' in response.text
    assert 'data-variant="process"' in response.text


def test_posting_the_variant_form_changes_it_and_returns_to_the_edit_page(
    world: World, draft: Assessment
) -> None:
    response = _post_variant(client_for(world.users["enterprise"]), draft, "process")
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft, "technology")
    assert _state(draft)[:2] == ("process", 2)
    assert [event.actor_username for event in _variant_events(draft)] == ["ent_e1"]


def test_the_htmx_variant_post_answers_with_the_form_and_the_new_section_revision(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    response = _post_variant(client, draft, "process", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'data-variant="process"' in response.text
    assert 'data-testid="variant-saved"' in response.text
    assert 'name="section" value="technology"' in response.text
    assert (
        '<input type="hidden" name="revision" id="section-revision" value="2" '
        'hx-swap-oob="true">' in response.text
    )
    assert _state(draft)[:2] == ("process", 2)


def test_autosave_after_a_variant_change_saves_without_a_conflict(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    form = load(client, draft, "people")
    _post_variant(client, draft, "process", revision=form["revision"][0], HTTP_HX_REQUEST="true")
    data = changed(form, {_question(draft): "full"}) | {"revision": ["2"]}  # the oob revision
    response = autosave(client, draft, data)
    assert 'data-testid="conflict"' not in response.text
    assert _state(draft) == ("process", 3, {_question(draft): "full"})


def test_autosave_refreshes_the_variant_form_with_the_new_revision(
    world: World, draft: Assessment
) -> None:
    client = client_for(world.users["enterprise"])
    data = changed(load(client, draft, "people"), {_question(draft): "full"})
    response = autosave(client, draft, data)
    assert 'id="variant"' in response.text
    assert 'hx-swap-oob="true" data-testid="variant"' in response.text
    variant_form = response.text.split('id="variant"', 1)[1].split("</form>", 1)[0]
    assert 'name="revision" value="2"' in variant_form


def test_choosing_the_current_variant_again_changes_nothing(
    world: World, draft: Assessment, colleague: User
) -> None:
    """A double click, or a page loaded before a colleague's save: no conflict, no write."""
    assessment_save(assessment=draft, changes={_question(draft): "full"}, revision=1, by=colleague)
    response = _post_variant(
        client_for(world.users["enterprise"]), draft, "discrete", revision=1, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="variant-saved"' in response.text
    assert "section-revision" not in response.text
    assert _state(draft)[:2] == ("", 2)
    assert _variant_events(draft) == []


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_stale_variant_post_shows_a_conflict_and_changes_nothing(
    world: World, draft: Assessment, colleague: User, htmx: bool
) -> None:
    assessment_save(assessment=draft, changes={_question(draft): "full"}, revision=1, by=colleague)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _post_variant(
        client_for(world.users["enterprise"]), draft, "process", revision=1, **extra
    )
    assert response.status_code == 200
    assert ("<html" in response.text) is not htmx
    assert 'data-testid="variant-conflict"' in response.text
    assert "ent_e1_b" in response.text
    assert "section-revision" not in response.text.split('id="section"')[0]
    assert 'name="revision" value="2"' in response.text  # the variant form, reloaded
    assert _state(draft)[:2] == ("", 2)
    assert _variant_events(draft) == []


@pytest.mark.parametrize("variant", ["other", ""])
def test_an_unknown_variant_is_reported_and_changes_nothing(
    world: World, draft: Assessment, variant: str
) -> None:
    response = _post_variant(
        client_for(world.users["enterprise"]), draft, variant, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="variant-error"' in response.text
    assert _state(draft)[:2] == ("", 1)


def test_a_variant_post_without_a_revision_is_a_bad_request(
    world: World, draft: Assessment
) -> None:
    response = client_for(world.users["enterprise"]).post(
        _variant_url(draft), {"variant": "process"}
    )
    assert response.status_code == 400
    assert _state(draft)[:2] == ("", 1)


def test_anonymous_visitors_are_sent_to_login(draft: Assessment) -> None:
    response = _post_variant(Client(), draft, "process")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert _state(draft)[:2] == ("", 1)


@pytest.mark.parametrize("role", ["county", "city", "province", "expert", "admin"])
def test_officials_and_other_roles_may_not_change_the_variant(
    world: World, draft: Assessment, role: str
) -> None:
    response = _post_variant(client_for(world.users[role]), draft, "process")
    assert response.status_code == 403
    assert _state(draft)[:2] == ("", 1)


def test_a_user_of_another_enterprise_gets_404(world: World, draft: Assessment) -> None:
    outsider = make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2)
    response = _post_variant(client_for(outsider), draft, "process")
    assert response.status_code == 404
    assert _state(draft)[:2] == ("", 1)


def test_a_submitted_assessment_sends_the_variant_post_to_its_result(
    world: World, draft: Assessment
) -> None:
    Assessment.objects.filter(pk=draft.pk).update(
        status="submitted", result={}, total=0.0, submitted_at=draft.created_at
    )
    response = _post_variant(client_for(world.users["enterprise"]), draft, "process")
    assert response["Location"] == reverse("assessments:result", args=[draft.pk])
    assert _state(draft)[:2] == ("", 1)


def _diagnosis(world: World) -> Assessment:
    version = FrameworkVersion.objects.get(framework__code="CMMM", status="published")
    assignment = provider_assign(
        enterprise=world.e1, provider=world.users["provider"], version=version,
        by=world.users["city"],
    )  # fmt: skip
    return diagnosis_start(assignment=assignment, by=world.users["provider"])


def test_the_provider_chooses_the_variant_of_its_diagnosis(
    world: World, models: dict[str, FrameworkVersion]
) -> None:
    diagnosis = _diagnosis(world)
    response = _post_variant(client_for(world.users["provider"]), diagnosis, "process")
    assert response.status_code == 302
    assert _state(diagnosis)[:2] == ("process", 2)


def test_the_enterprise_sees_the_variant_of_a_diagnosis_in_progress_but_cannot_change_it(
    world: World, models: dict[str, FrameworkVersion]
) -> None:
    diagnosis = _diagnosis(world)
    Assessment.objects.filter(pk=diagnosis.pk).update(variant="process")
    client = client_for(world.users["enterprise"])
    page = client.get(edit_url(diagnosis))
    assert 'data-testid="variant-current">流程型<' in page.text
    assert _variant_url(diagnosis) not in page.text
    assert _post_variant(client, diagnosis, "discrete").status_code == 403
    assert _state(diagnosis)[:2] == ("process", 1)


# --- the result page and the report ----------------------------------------------------------


def _submitted(world: World, draft: Assessment, variant: str) -> Assessment:
    user = world.users["enterprise"]
    framework = framework_version_compiled(draft.framework_version)
    answers = cmmm_answers(framework, ("full", "full", "mostly", "partly", "none"))
    assessment_save(assessment=draft, changes=answers, revision=1, by=user)
    assessment_set_variant(assessment=draft, variant=variant, revision=2, by=user)
    return assessment_submit(assessment=draft, by=user, revision=3 if variant == "process" else 2)


@pytest.mark.parametrize(("variant", "name"), [("process", "流程型"), ("discrete", "离散型")])
def test_the_result_page_shows_the_variant(
    world: World, draft: Assessment, variant: str, name: str
) -> None:
    done = _submitted(world, draft, variant)
    response = client_for(world.users["enterprise"]).get(
        reverse("assessments:result", args=[done.pk])
    )
    assert f'data-testid="result-variant">{name}<' in response.text


def test_the_result_page_of_a_one_variant_model_shows_no_variant(
    world: World, models: dict[str, FrameworkVersion]
) -> None:
    done = make_submitted(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    response = client_for(world.users["enterprise"]).get(
        reverse("assessments:result", args=[done.pk])
    )
    assert response.status_code == 200
    assert "result-variant" not in response.text


def test_the_word_report_names_the_variant(world: World, draft: Assessment) -> None:
    done = _submitted(world, draft, "process")
    response = client_for(world.users["enterprise"]).get(
        reverse("assessments:report", args=[done.pk, "docx"])
    )
    document = docx.Document(io.BytesIO(response.content))
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert ["适用类型", "流程型"] in rows


# --- the JSON API ----------------------------------------------------------------------------


def _put(client: Client, pk: int, body: dict[str, Any]) -> Any:
    return client.put(f"{API}/assessments/{pk}/answers", body, content_type="application/json")


def test_the_api_sets_the_variant(world: World, draft: Assessment) -> None:
    response = _put(
        client_for(world.users["enterprise"]), draft.pk, {"revision": 1, "variant": "process"}
    )
    assert response.status_code == 200
    assert response.json() == {"revision": 2, "saved": [], "problems": []}
    assert _state(draft) == ("process", 2, {})
    assert len(_variant_events(draft)) == 1


def test_the_api_sets_the_variant_and_saves_the_answers_together(
    world: World, draft: Assessment
) -> None:
    code = _question(draft)
    body = {"revision": 1, "variant": "process", "changes": {code: "full"}}
    response = _put(client_for(world.users["enterprise"]), draft.pk, body)
    assert response.json() == {"revision": 3, "saved": [code], "problems": []}
    assert _state(draft) == ("process", 3, {code: "full"})


def test_the_api_answers_422_for_an_unknown_variant_and_saves_nothing(
    world: World, draft: Assessment
) -> None:
    body = {"revision": 1, "variant": "other", "changes": {_question(draft): "full"}}
    response = _put(client_for(world.users["enterprise"]), draft.pk, body)
    assert response.status_code == 422
    assert response.json() == {"error": UNKNOWN_VARIANT}
    assert _state(draft) == ("", 1, {})


def test_the_api_answers_409_for_a_variant_change_on_a_stale_revision_and_saves_nothing(
    world: World, draft: Assessment, colleague: User
) -> None:
    first, second = framework_version_compiled(draft.framework_version).question_codes[:2]
    assessment_save(assessment=draft, changes={first: "full"}, revision=1, by=colleague)
    body = {"revision": 1, "variant": "process", "changes": {second: "none"}}
    response = _put(client_for(world.users["enterprise"]), draft.pk, body)
    assert response.status_code == 409
    assert response.json() == {"error": VARIANT_STALE, "revision": 2, "conflicts": []}
    assert _state(draft) == ("", 2, {first: "full"})


def test_the_api_merges_answers_on_a_stale_revision_when_the_variant_is_unchanged(
    world: World, draft: Assessment, colleague: User
) -> None:
    first, second = framework_version_compiled(draft.framework_version).question_codes[:2]
    assessment_save(assessment=draft, changes={first: "full"}, revision=1, by=colleague)
    body = {"revision": 1, "variant": "discrete", "changes": {second: "none"}}
    response = _put(client_for(world.users["enterprise"]), draft.pk, body)
    assert response.json() == {"revision": 3, "saved": [second], "problems": []}
    assert _state(draft) == ("", 3, {first: "full", second: "none"})


def test_the_api_answers_409_for_a_submitted_assessment(world: World, draft: Assessment) -> None:
    user = world.users["enterprise"]
    framework = framework_version_compiled(draft.framework_version)
    answers = cmmm_answers(framework, ("full", "full", "mostly", "partly", "none"))
    assessment_save(assessment=draft, changes=answers, revision=1, by=user)
    assessment_submit(assessment=draft, by=user, revision=2)
    response = _put(client_for(user), draft.pk, {"revision": 3, "variant": "process"})
    assert (response.status_code, response.json()) == (409, {"error": NOT_DRAFT})
    draft.refresh_from_db()
    assert draft.variant == "discrete"


def test_a_one_variant_model_accepts_only_its_default_variant(
    world: World, models: dict[str, FrameworkVersion]
) -> None:
    gen_js = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    client = client_for(world.users["enterprise"])
    accepted = _put(client, gen_js.pk, {"revision": 1, "variant": "default"})
    refused = _put(client, gen_js.pk, {"revision": 1, "variant": "process"})
    assert (accepted.status_code, refused.status_code) == (200, 422)
    assert _state(gen_js)[:2] == ("", 1)


# --- in a real browser -----------------------------------------------------------------------


@pytest.fixture
def browser_page(_browser_page: Any) -> Any:  # noqa: F811 (the imported fixture)
    """A chromium page against the live server (tests/test_browser.py)."""
    return _browser_page


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_choosing_the_variant_in_a_browser_saves_it_and_autosave_continues(
    browser_page: Any, world: World
) -> None:
    """static/js/assessments/form.js: the select submits itself through htmx; the section form
    takes the new revision, so the next autosave is no conflict."""
    page = browser_page
    publish("CMMM")
    draft = make_draft(enterprise=world.e1, code="CMMM", by=world.users["enterprise"])
    code = _question(draft)
    _login(page, "ent_e1")
    page.goto(edit_url(draft, "people"))
    page.select_option("#id_variant", "process")
    expect(page.locator("#variant")).to_have_attribute("data-variant", "process")
    expect(page.locator("[data-testid=variant-saved]")).to_contain_text("流程型")
    expect(page.locator("#section-revision")).to_have_value("2")
    page.check(f'[id="q-{code}-full"]')
    expect(page.locator("#section-revision")).to_have_value("3")
    assert _state(draft) == ("process", 3, {code: "full"})
    assert page.csp_errors == []
