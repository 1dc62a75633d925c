"""assessment_start: a re-assessment starts from the previous result's answers, and questions
another model already asked are filled through that model's crosswalks (answer once, score many).
`carried_from` says where each carried answer came from."""

from __future__ import annotations

import random
from typing import Any

from assessments.models import Assessment
from assessments.services import (
    assessment_save,
    assessment_start,
    assessment_submit,
    diagnosis_start,
    provider_assign,
)
from assessments.synthetic import synthetic_answers
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import publish
from audit.models import AuditEvent
from conftest import World
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled, framework_version_get_published
from frameworks.tests.factories import FULL_ANSWERS, make_definition, make_version

# SME-DL answers that GEN-JS's crosswalks read (frameworks/data/gen-js-2025.yaml, `crosswalks:`).
SME_DL_ANSWERS = {
    "base.equipment.network": ["ot_net", "g5"],
    "base.security.network": ["policy", "boundary"],
}
CARRIED_TO_GEN_JS = {
    "network_security.coverage": ["wireless", "workshop"],
    "network_security.measures": ["monitoring", "policy"],
}


def _sme_dl_full_answers() -> dict[str, Any]:
    framework = framework_version_compiled(framework_version_get_published(code="SME-DL"))
    answers = synthetic_answers(framework, quality=0.6, rng=random.Random(1))
    return answers | SME_DL_ANSWERS


def _start(world: World, code: str) -> Assessment:
    return assessment_start(
        enterprise=world.e1,
        version=framework_version_get_published(code=code),
        by=world.users["enterprise"],
    )


def _same_answer(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    return bool(a == b)


def _sme_dl_result(world: World, **kw: Any) -> Assessment:
    return make_submitted(
        enterprise=world.e1,
        code="SME-DL",
        by=world.users["enterprise"],
        answers=SME_DL_ANSWERS,
        **kw,
    )


def test_a_first_assessment_starts_empty(world: World) -> None:
    publish("GEN-JS")

    draft = _start(world, "GEN-JS")

    assert draft.answers == {}
    assert draft.carried_from == {}
    assert draft.previous is None


def test_a_reassessment_starts_from_the_previous_answers(world: World) -> None:
    publish("GEN-JS")
    previous = make_submitted(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])

    draft = _start(world, "GEN-JS")

    draft.refresh_from_db()
    assert draft.pk != previous.pk
    assert draft.is_draft
    assert draft.previous == previous
    assert draft.answers == previous.answers
    assert set(draft.carried_from.values()) == {f"previous:{previous.pk}"}
    assert set(draft.carried_from) == set(previous.answers)
    event = AuditEvent.objects.get(action="assessment.start", object_id=str(draft.pk))
    assert event.after["carried"] == len(previous.answers)


def test_a_reassessment_starts_from_the_latest_result(world: World) -> None:
    publish("GEN-JS")
    user = world.users["enterprise"]
    make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.3, seed=1)
    latest = make_submitted(enterprise=world.e1, code="GEN-JS", by=user, quality=0.9, seed=2)

    draft = _start(world, "GEN-JS")

    assert draft.previous == latest
    assert draft.answers == latest.answers


def test_starting_again_returns_the_open_draft(world: World) -> None:
    publish("GEN-JS")
    first = _start(world, "GEN-JS")

    again = assessment_start(
        enterprise=world.e1,
        version=framework_version_get_published(code="GEN-JS"),
        by=world.users["enterprise"],
    )

    assert again.pk == first.pk
    assert Assessment.objects.filter(enterprise=world.e1).count() == 1


def test_answers_to_questions_a_new_version_dropped_are_not_carried(world: World) -> None:
    make_version(code="TEST-A", version="1", status=FrameworkVersion.Status.PUBLISHED)
    user = world.users["enterprise"]
    previous = make_submitted(enterprise=world.e1, code="TEST-A", by=user, answers=FULL_ANSWERS)
    FrameworkVersion.objects.filter(pk=previous.framework_version_id).update(status="superseded")
    definition = make_definition("TEST-A", "2")
    base = definition["nodes"][0]
    base["children"] = [child for child in base["children"] if child["code"] != "base.network"]
    make_version(
        code="TEST-A", version="2", status=FrameworkVersion.Status.PUBLISHED, definition=definition
    )

    draft = _start(world, "TEST-A")

    assert draft.framework_version.version == "2"
    assert draft.previous == previous
    assert "base.network" in previous.answers
    assert "base.network" not in draft.answers
    assert draft.answers["base.mes"] == "yes"
    assert draft.carried_from["base.mes"] == f"previous:{previous.pk}"


def test_crosswalked_answers_come_from_the_latest_result_of_another_model(world: World) -> None:
    publish("SME-DL", "GEN-JS")
    source = _sme_dl_result(world)

    draft = _start(world, "GEN-JS")

    carried = {code: draft.answers[code] for code in CARRIED_TO_GEN_JS}
    assert all(_same_answer(carried[c], v) for c, v in CARRIED_TO_GEN_JS.items())
    assert {draft.carried_from[code] for code in CARRIED_TO_GEN_JS} == {
        f"crosswalk:SME-DL:{source.pk}"
    }
    assert draft.previous is None


def test_the_previous_answer_wins_over_a_crosswalked_one(world: World) -> None:
    publish("SME-DL", "GEN-JS")
    user = world.users["enterprise"]
    previous = make_submitted(
        enterprise=world.e1,
        code="GEN-JS",
        by=user,
        answers={"network_security.coverage": ["extensible"]},
    )
    _sme_dl_result(world)

    draft = _start(world, "GEN-JS")

    assert draft.answers["network_security.coverage"] == ["extensible"]
    assert draft.carried_from["network_security.coverage"] == f"previous:{previous.pk}"


def test_a_crosswalk_without_an_answer_in_the_source_carries_nothing(world: World) -> None:
    publish("SME-DL", "GEN-JS")
    draft = make_draft(enterprise=world.e1, code="SME-DL", by=world.users["enterprise"])
    assert draft.answers == {}

    target = _start(world, "GEN-JS")

    assert target.answers == {}


def test_a_draft_of_another_model_is_not_a_crosswalk_source(world: World) -> None:
    publish("SME-DL", "GEN-JS")
    make_draft(enterprise=world.e1, code="SME-DL", by=world.users["enterprise"], quality=0.6)

    draft = _start(world, "GEN-JS")

    assert draft.answers == {}


def test_an_unconfirmed_provider_diagnosis_is_not_a_crosswalk_source(world: World) -> None:
    versions = publish("SME-DL", "GEN-JS")
    provider = world.users["provider"]
    assignment = provider_assign(
        enterprise=world.e1, provider=provider, version=versions["SME-DL"], by=world.users["city"]
    )
    diagnosis = diagnosis_start(assignment=assignment, by=provider)
    saved = assessment_save(
        assessment=diagnosis,
        changes=_sme_dl_full_answers(),
        revision=diagnosis.revision,
        by=provider,
    ).assessment
    assessment_submit(assessment=saved, by=provider, revision=saved.revision)

    draft = _start(world, "GEN-JS")

    assert draft.answers == {}
