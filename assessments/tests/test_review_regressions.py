"""Regressions found in a second reading: what a provider's diagnosis starts from, a stale submit
with pending changes, the enterprise's copy of the report, unreadable form echoes, and site notes
written from two tabs."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.models import Assessment
from assessments.services import assessment_save, diagnosis_start, provider_assign
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.pages import autosave, changed, client_for, load
from assessments.tests.published import publish
from conftest import World, make_user
from frameworks.selectors import framework_version_compiled


def test_a_providers_diagnosis_starts_empty_not_from_the_self_assessment(world: World) -> None:
    version = publish("ZERO-CARBON")["ZERO-CARBON"]
    make_submitted(enterprise=world.e1, code="ZERO-CARBON", by=world.users["enterprise"])
    assignment = provider_assign(
        enterprise=world.e1,
        provider=world.users["provider"],
        version=version,
        by=world.users["city"],
    )

    diagnosis = diagnosis_start(assignment=assignment, by=world.users["provider"])

    assert diagnosis.answers == {}
    assert diagnosis.previous_id is None
    assert diagnosis.carried_from == {}


def test_a_stale_submit_with_pending_changes_saves_them_but_does_not_submit(
    world: World,
) -> None:
    version = publish("ZERO-CARBON")["ZERO-CARBON"]
    framework = framework_version_compiled(version)
    user = world.users["enterprise"]
    colleague = make_user("ent_e1_c", Role.ENTERPRISE, enterprise=world.e1)
    draft = make_draft(enterprise=world.e1, code="ZERO-CARBON", by=user, quality=0.7)
    client = client_for(user)
    mine, option = _another_option(framework, draft, exclude="")
    section = mine.split(".")[0]
    data = load(client, draft, section)
    theirs, other = _another_option(framework, draft, exclude=section)
    saved = assessment_save(
        assessment=draft, changes={theirs: other}, revision=draft.revision, by=colleague
    )
    assert saved.saved == (theirs,)

    response = client.post(
        reverse("assessments:submit", args=[draft.pk]), changed(data, {mine: option})
    )

    draft.refresh_from_db()
    assert response.status_code == 200
    assert draft.is_draft
    assert draft.answers[mine] == option  # the pending change is saved, not lost
    assert "请检查后再次提交" in response.content.decode()


def _another_option(framework, draft: Assessment, *, exclude: str) -> tuple[str, str]:
    """A single-choice question outside section `exclude`, and an option other than the
    draft's answer to it."""
    for code in framework.question_codes:
        question = framework.question(code)
        if question.type == "single_choice" and not (exclude and code.startswith(exclude + ".")):
            other = next(o.code for o in question.options if o.code != draft.answers.get(code))
            return code, other
    raise AssertionError("no single-choice question")


def test_the_enterprises_report_shows_flags_as_notes_without_severity(world: World) -> None:
    publish("GEN-JS")
    result = make_submitted(
        enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"], quality=0.95
    )
    assert result.flags  # strong claims without evidence
    response = client_for(world.users["enterprise"]).get(
        reverse("assessments:report", args=[result.pk, "docx"])
    )
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    assert result.flags[0]["message"].split(" / ")[0][:8] in xml
    assert "级别" not in xml
    official = client_for(world.users["county"]).get(
        reverse("assessments:report", args=[result.pk, "docx"])
    )
    assert (
        "级别" in zipfile.ZipFile(io.BytesIO(official.content)).read("word/document.xml").decode()
    )


@pytest.mark.parametrize("echo", ["[" * 200_000, "x" * 50_000, "{not json"])
def test_an_unreadable_form_echo_is_never_a_server_error(world: World, echo: str) -> None:
    publish("GEN-JS")
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])
    client = client_for(world.users["enterprise"])
    data = load(client, draft, "rnd")
    data["base:rnd.pdm.deployed"] = [echo]

    response = autosave(client, draft, changed(data, {"rnd.pdm.deployed": "yes"}))

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.answers.get("rnd.pdm.deployed") == "yes"


def test_site_notes_written_from_two_tabs_keep_both_texts(world: World) -> None:
    version = publish("ZERO-CARBON")["ZERO-CARBON"]
    section = framework_version_compiled(version).roots[0]
    assignment = provider_assign(
        enterprise=world.e1,
        provider=world.users["provider"],
        version=version,
        by=world.users["city"],
    )
    draft = diagnosis_start(assignment=assignment, by=world.users["provider"])
    loaded = draft.revision
    provider = world.users["provider"]
    assessment_save(
        assessment=draft,
        changes={},
        revision=loaded,
        by=provider,
        site_notes={section: "tab 1: boiler room"},
        site_notes_base={section: ""},
    )

    assessment_save(
        assessment=draft,
        changes={},
        revision=loaded,
        by=provider,
        site_notes={section: "tab 2: metering"},
        site_notes_base={section: ""},
    )

    notes = Assessment.objects.get(pk=draft.pk).site_notes[section]
    assert "tab 1: boiler room" in notes
    assert "tab 2: metering" in notes
