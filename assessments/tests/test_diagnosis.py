"""Provider diagnosis pages: a city (or the province) assigns a provider, the provider fills the
diagnosis on the shared edit page with site notes and submits it, the enterprise confirms or
disputes each section; only a diagnosis confirmed in every section counts as a result."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.models import Assessment, ProviderAssignment, SectionReview
from assessments.selectors import diagnosis_is_confirmed, latest_results_for_enterprise
from assessments.services import (
    assessment_save,
    assessment_submit,
    diagnosis_start,
    provider_assign,
)
from assessments.synthetic import synthetic_answers
from assessments.tests.factories import make_draft
from assessments.tests.pages import autosave, client_for, edit_url, load, section_form
from assessments.tests.published import publish
from audit.models import AuditEvent
from conftest import World, make_user
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled

SECTIONS = ("gate", "accounting", "energy", "renewables", "offsets")


@pytest.fixture
def version(world: World) -> FrameworkVersion:
    return publish("ZERO-CARBON")["ZERO-CARBON"]


@pytest.fixture
def assignment(world: World, version: FrameworkVersion) -> ProviderAssignment:
    return provider_assign(
        enterprise=world.e1,
        provider=world.users["provider"],
        version=version,
        by=world.users["city"],
    )


def _submitted(world: World, assignment: ProviderAssignment) -> Assessment:
    provider = world.users["provider"]
    draft = diagnosis_start(assignment=assignment, by=provider)
    answers = synthetic_answers(
        framework_version_compiled(assignment.framework_version), quality=0.7, rng=random.Random(3)
    )
    assessment_save(assessment=draft, changes=answers, revision=draft.revision, by=provider)
    draft.refresh_from_db()
    return assessment_submit(assessment=draft, by=provider, revision=draft.revision)


@pytest.fixture
def diagnosis(world: World, assignment: ProviderAssignment) -> Assessment:
    return _submitted(world, assignment)


# --- assign ----------------------------------------------------------------------------------


def _assign(world: World, role: str, version: FrameworkVersion, **data: object):
    form = {
        "uscc": world.e1.uscc,
        "provider": world.users["provider"].pk,
        "version": version.pk,
        "note": "现场诊断",
        **data,
    }
    return client_for(world.users[role]).post(reverse("assessments:assign"), form)


@pytest.mark.parametrize("role", ["city", "province"])
def test_an_official_assigns_a_provider_to_an_enterprise_in_the_jurisdiction(
    role: str, world: World, version: FrameworkVersion
) -> None:
    response = _assign(world, role, version)
    assignment = ProviderAssignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:list")
    assert (assignment.enterprise, assignment.provider) == (world.e1, world.users["provider"])
    assert (assignment.assigned_by, assignment.note) == (world.users[role], "现场诊断")
    assert AuditEvent.objects.filter(action="diagnosis.assign").exists()


def test_the_assign_form_is_shown_to_a_city_official(world: World, version: FrameworkVersion):
    response = client_for(world.users["city"]).get(reverse("assessments:assign"))
    assert response.status_code == 200
    assert 'data-testid="assign-form"' in response.text
    assert "ZERO-CARBON@2025" in response.text


def test_an_enterprise_outside_the_jurisdiction_cannot_be_assigned(
    world: World, version: FrameworkVersion
) -> None:
    response = _assign(world, "city", version, uscc=world.e3.uscc)
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.text
    assert not ProviderAssignment.objects.exists()


def test_an_inactive_provider_cannot_be_assigned(world: World, version: FrameworkVersion) -> None:
    gone = make_user("provider_gone", Role.PROVIDER, is_active=False)
    response = _assign(world, "city", version, provider=gone.pk)
    assert response.status_code == 200
    assert not ProviderAssignment.objects.exists()


def test_a_second_active_assignment_of_the_same_kind_is_refused(
    world: World, assignment: ProviderAssignment
) -> None:
    response = _assign(world, "city", assignment.framework_version)
    assert response.status_code == 200
    assert "errorlist" in response.text
    assert ProviderAssignment.objects.count() == 1


@pytest.mark.parametrize("role", ["county", "enterprise", "provider"])
def test_other_roles_cannot_assign(role: str, world: World, version: FrameworkVersion) -> None:
    response = _assign(world, role, version)
    assert response.status_code == 403
    assert not ProviderAssignment.objects.exists()


# --- the provider ----------------------------------------------------------------------------


def test_the_provider_sees_only_its_own_assignments(
    world: World, assignment: ProviderAssignment
) -> None:
    other = provider_assign(
        enterprise=world.e2,
        provider=make_user("provider_b", Role.PROVIDER),
        version=assignment.framework_version,
        by=world.users["province"],
    )
    response = client_for(world.users["provider"]).get(reverse("assessments:list"))
    assert f'data-assignment="{assignment.pk}"' in response.text
    assert f'data-assignment="{other.pk}"' not in response.text
    assert world.e2.name not in response.text


def test_starting_a_diagnosis_opens_the_edit_page_with_site_notes(
    world: World, assignment: ProviderAssignment
) -> None:
    client = client_for(world.users["provider"])
    response = client.post(reverse("assessments:diagnosis-start", args=[assignment.pk]))
    diagnosis = Assessment.objects.get(assignment=assignment)
    assert response["Location"] == edit_url(diagnosis)
    assert (diagnosis.kind, diagnosis.status, diagnosis.enterprise) == (
        "diagnosis",
        "draft",
        world.e1,
    )
    page = client.get(edit_url(diagnosis)).text
    assert "服务商诊断" in page
    assert 'name="site_note"' in page
    again = client.post(reverse("assessments:diagnosis-start", args=[assignment.pk]))
    assert again["Location"] == edit_url(diagnosis)
    assert Assessment.objects.filter(assignment=assignment).count() == 1


def test_another_providers_assignment_is_not_found(
    world: World, assignment: ProviderAssignment
) -> None:
    stranger = client_for(make_user("provider_b", Role.PROVIDER))
    response = stranger.post(reverse("assessments:diagnosis-start", args=[assignment.pk]))
    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_the_provider_cannot_see_the_enterprises_self_assessment(
    world: World, assignment: ProviderAssignment
) -> None:
    own = make_draft(enterprise=world.e1, code="ZERO-CARBON", by=world.users["enterprise"])
    response = client_for(world.users["provider"]).get(edit_url(own))
    assert response.status_code == 404


def test_site_notes_are_saved_by_autosave(world: World, assignment: ProviderAssignment) -> None:
    client = client_for(world.users["provider"])
    diagnosis = diagnosis_start(assignment=assignment, by=world.users["provider"])
    data = load(client, diagnosis, "energy")
    data["site_note"] = ["能源管理中心已上线，计量覆盖主要产线。"]
    response = autosave(client, diagnosis, data)
    diagnosis.refresh_from_db()
    assert diagnosis.site_notes == {"energy": "能源管理中心已上线，计量覆盖主要产线。"}
    assert section_form(response.text)["base_site_note"] == [diagnosis.site_notes["energy"]]


def test_the_enterprise_sees_the_diagnosis_in_progress_read_only(
    world: World, assignment: ProviderAssignment
) -> None:
    diagnosis = diagnosis_start(assignment=assignment, by=world.users["provider"])
    client = client_for(world.users["enterprise"])
    page = client.get(edit_url(diagnosis, "gate"))
    assert 'data-testid="read-only"' in page.text
    assert not [key for key in section_form(page.text) if key.startswith("base:")]
    data = {
        "revision": "1",
        "section": "gate",
        "q:gate.compliance": "no",
        "base:gate.compliance": "",
    }
    assert autosave(client, diagnosis, data).status_code == 403
    diagnosis.refresh_from_db()
    assert diagnosis.answers == {}


def test_the_provider_submits_and_the_assignment_is_done(
    world: World, assignment: ProviderAssignment
) -> None:
    provider = world.users["provider"]
    draft = diagnosis_start(assignment=assignment, by=provider)
    answers = synthetic_answers(
        framework_version_compiled(assignment.framework_version), quality=0.6, rng=random.Random(1)
    )
    assessment_save(assessment=draft, changes=answers, revision=1, by=provider)
    response = client_for(provider).post(
        reverse("assessments:submit", args=[draft.pk]), {"revision": 2}
    )
    draft.refresh_from_db()
    assignment.refresh_from_db()
    assert response["Location"] == reverse("assessments:result", args=[draft.pk])
    assert (draft.status, draft.submitted_by) == ("submitted", provider)
    assert assignment.status == "done"


# --- the enterprise's review -----------------------------------------------------------------


def _review(world: World, diagnosis: Assessment, section: str, decision: str, comment: str = ""):
    url = reverse("assessments:diagnosis-review", args=[diagnosis.pk])
    data = {"section": section, "decision": decision, "comment": comment}
    return client_for(world.users["enterprise"]).post(url, data)


def test_the_review_page_lists_every_section_with_a_form(world: World, diagnosis: Assessment):
    url = reverse("assessments:diagnosis-review", args=[diagnosis.pk])
    response = client_for(world.users["enterprise"]).get(url)
    assert response.status_code == 200
    assert [s.code for s in response.context["sections"]] == list(SECTIONS)
    assert 'data-diagnosis-state="pending"' in response.text


def test_confirming_every_section_makes_the_diagnosis_count(
    world: World, diagnosis: Assessment
) -> None:
    assert "ZERO-CARBON" not in latest_results_for_enterprise(enterprise_id=world.e1.pk)
    responses = [_review(world, diagnosis, section, "confirmed") for section in SECTIONS]
    assert {r.status_code for r in responses} == {302}
    assert diagnosis_is_confirmed(diagnosis)
    assert latest_results_for_enterprise(enterprise_id=world.e1.pk)["ZERO-CARBON"] == diagnosis


def test_a_partly_confirmed_diagnosis_does_not_count(world: World, diagnosis: Assessment) -> None:
    _review(world, diagnosis, "gate", "confirmed")
    assert SectionReview.objects.filter(assessment=diagnosis).count() == 1
    assert "ZERO-CARBON" not in latest_results_for_enterprise(enterprise_id=world.e1.pk)


def test_a_dispute_needs_a_comment(world: World, diagnosis: Assessment) -> None:
    response = _review(world, diagnosis, "energy", "disputed", "  ")
    assert response.status_code == 200
    assert "有异议时请写明理由" in response.text
    assert not SectionReview.objects.exists()


def test_a_dispute_with_a_comment_is_recorded_and_shown(world: World, diagnosis: Assessment):
    _review(world, diagnosis, "energy", "disputed", "计量覆盖率应为 80%。")
    review = SectionReview.objects.get()
    assert (review.section, review.decision) == ("energy", "disputed")
    assert (review.comment, review.decided_by) == (
        "计量覆盖率应为 80%。",
        world.users["enterprise"],
    )
    home = client_for(world.users["enterprise"]).get(reverse("assessments:list")).text
    assert "服务商诊断" in home
    assert 'data-diagnosis-state="disputed"' in home


def test_a_dispute_can_be_changed_to_a_confirmation(world: World, diagnosis: Assessment) -> None:
    _review(world, diagnosis, "gate", "disputed", "有误")
    _review(world, diagnosis, "gate", "confirmed")
    review = SectionReview.objects.get()
    assert (review.decision, review.comment) == ("confirmed", "")


def test_an_unknown_section_is_refused(world: World, diagnosis: Assessment) -> None:
    response = _review(world, diagnosis, "nowhere", "confirmed")
    assert response.status_code == 200
    assert not SectionReview.objects.exists()


def test_the_enterprise_list_labels_the_diagnosis_with_its_state(
    world: World, diagnosis: Assessment
) -> None:
    home = client_for(world.users["enterprise"]).get(reverse("assessments:list")).text
    assert 'data-kind="diagnosis"' in home
    assert 'data-diagnosis-state="pending"' in home
    assert reverse("assessments:diagnosis-review", args=[diagnosis.pk]) in home


def test_officials_see_the_diagnosis_labelled(world: World, diagnosis: Assessment) -> None:
    response = client_for(world.users["county"]).get(reverse("assessments:list"))
    assert f'data-assessment="{diagnosis.pk}"' in response.text
    assert "服务商诊断" in response.text


@pytest.mark.parametrize("case", ["draft", "self-assessment", "other-enterprise"])
def test_the_review_page_answers_404_when_there_is_nothing_to_review(
    case: str, world: World, assignment: ProviderAssignment
) -> None:
    user = world.users["enterprise"]
    if case == "draft":
        target = diagnosis_start(assignment=assignment, by=world.users["provider"])
    elif case == "self-assessment":
        target = make_draft(enterprise=world.e1, code="ZERO-CARBON", by=user)
    else:
        target = _submitted(world, assignment)
        user = make_user("ent_e2", Role.ENTERPRISE, enterprise=world.e2)
    url = reverse("assessments:diagnosis-review", args=[target.pk])
    assert client_for(user).get(url).status_code == 404
