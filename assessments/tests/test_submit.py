"""assessment_submit: the result is scored once, frozen with its pinned model version, and can be
reproduced from the stored answers (architecture invariant 1); a failed submit writes nothing."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from accounts.models import User
from assessments.models import Assessment
from assessments.services import (
    AssessmentConflict,
    assessment_save,
    assessment_score,
    assessment_submit,
    diagnosis_review_section,
    diagnosis_start,
    provider_assign,
)
from assessments.synthetic import synthetic_answers
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import definition_of, publish
from audit.models import AuditEvent
from conftest import World
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled, framework_version_get_published
from frameworks.services import framework_load
from scoring import maturity


def _json(value: Any) -> Any:
    """What a JSON column gives back."""
    return json.loads(json.dumps(value))


def _rule(assessment: Assessment, rule_id: str) -> dict[str, Any]:
    rules = [rule for level in assessment.result["levels"] for rule in level["rules"]]
    return next(rule for rule in rules if rule["id"] == rule_id)


def _submit_events(assessment: Assessment) -> int:
    return AuditEvent.objects.filter(
        action="assessment.submit", object_id=str(assessment.pk)
    ).count()


def _publish_next_gen_js() -> FrameworkVersion:
    """GEN-JS 2026: the same questions with the first dimension weighted differently."""
    definition = definition_of("GEN-JS")
    definition["framework"]["version"] = "2026"
    definition["nodes"][0]["weight"] = definition["nodes"][0].get("weight", 1) * 3
    framework_load(files=[("gen-js-2026.yaml", definition)], by=None)
    return framework_version_get_published(code="GEN-JS")


def _cmmm_result(world: World, *, quality: float, seed: int) -> Assessment:
    return make_submitted(
        enterprise=world.e1, code="CMMM", by=world.users["enterprise"], quality=quality, seed=seed
    )


def test_submit_freezes_the_scored_result_with_its_fields(world: World) -> None:
    published = publish("GEN-JS")["GEN-JS"]
    user = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=user, quality=0.6)

    assessment_submit(assessment=draft, by=user, revision=draft.revision)

    draft.refresh_from_db()
    compiled = framework_version_compiled(published)
    assert draft.status == Assessment.Status.SUBMITTED
    assert draft.submitted_by == user
    assert draft.submitted_at is not None
    assert draft.framework_version == published
    assert draft.result["framework"] == "GEN-JS"
    assert draft.result["version"] == "2025"
    assert (draft.total, draft.max_total) == (draft.result["total"], draft.result["max_total"])
    assert draft.level == draft.result["level"]
    assert draft.level_rank == draft.result["level_rank"]
    assert draft.level_name == draft.result["level_name"]["zh"]
    assert set(draft.dimension_scores) == set(compiled.roots)
    assert draft.dimension_scores == {
        code: draft.result["nodes"][code]["points"] for code in compiled.roots
    }
    assert _submit_events(draft) == 1


def test_a_submitted_result_keeps_its_version_when_a_new_one_is_published(world: World) -> None:
    first = publish("GEN-JS")["GEN-JS"]
    submitted = make_submitted(enterprise=world.e1, code="GEN-JS", by=world.users["enterprise"])

    second = _publish_next_gen_js()

    submitted.refresh_from_db()
    first.refresh_from_db()
    assert second.pk != first.pk
    assert first.status == FrameworkVersion.Status.SUPERSEDED
    assert submitted.framework_version_id == first.pk
    assert submitted.result["version"] == "2025"


@pytest.mark.parametrize(("code", "quality"), [("GEN-JS", 0.6), ("CMMM", 0.7), ("SME-DL", 0.4)])
def test_rescoring_the_stored_answers_with_the_pinned_version_gives_the_stored_result(
    world: World, code: str, quality: float
) -> None:
    publish(code)
    submitted = make_submitted(
        enterprise=world.e1, code=code, by=world.users["enterprise"], quality=quality
    )
    if code == "GEN-JS":
        _publish_next_gen_js()  # the published version moves on; the pinned one still scores
    stored = Assessment.objects.get(pk=submitted.pk)

    again = maturity.score_assessment(
        framework_version_compiled(stored.framework_version),
        stored.answers,
        variant=stored.variant or None,
    )

    assert _json(maturity.result_as_dict(again)) == stored.result
    assert (again.total, again.level or "") == (stored.total, stored.level)


def test_submitting_twice_records_one_submission(world: World) -> None:
    publish("GEN-JS")
    user = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=user, quality=0.6)
    first = assessment_submit(assessment=draft, by=user, revision=draft.revision)

    second = assessment_submit(assessment=draft, by=world.users["enterprise"], revision=1)

    first.refresh_from_db()
    assert second.pk == first.pk
    assert second.submitted_at == first.submitted_at
    assert second.revision == first.revision
    assert _submit_events(first) == 1
    assert Assessment.objects.filter(enterprise=world.e1, status="submitted").count() == 1


def test_submit_with_missing_mandatory_answers_raises_and_writes_nothing(world: World) -> None:
    publish("GEN-JS")
    user = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=user, quality=0.6)
    answers = dict(draft.answers)
    missing = next(iter(answers))
    outcome = assessment_save(
        assessment=draft, changes={missing: None}, revision=draft.revision, by=user
    )
    draft = outcome.assessment

    with pytest.raises(maturity.AnswerError) as raised:
        assessment_submit(assessment=draft, by=user, revision=draft.revision)

    problems = {(p.code, p.question) for p in raised.value.problems}
    assert ("missing_mandatory", missing) in problems
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    assert draft.result is None
    assert draft.total is None
    assert draft.submitted_at is None
    assert draft.flags == []
    assert _submit_events(draft) == 0


def test_submit_based_on_a_stale_revision_raises_a_conflict_and_writes_nothing(
    world: World,
) -> None:
    publish("GEN-JS")
    user = world.users["enterprise"]
    draft = make_draft(enterprise=world.e1, code="GEN-JS", by=user, quality=0.6)

    with pytest.raises(AssessmentConflict):
        assessment_submit(assessment=draft, by=user, revision=draft.revision - 1)

    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    assert draft.result is None
    assert _submit_events(draft) == 0


def test_prerequisite_is_pending_without_a_result_of_the_other_model(world: World) -> None:
    publish("CMMM", "SF-JS")

    result = make_submitted(enterprise=world.e1, code="SF-JS", by=world.users["enterprise"])

    assert _rule(result, "basic_cmmm_l2")["status"] == "pending"


def test_prerequisite_passes_with_a_result_of_the_other_model_at_the_level(world: World) -> None:
    publish("CMMM", "SF-JS")
    cmmm = _cmmm_result(world, quality=0.6, seed=3)
    assert cmmm.level == "L2"

    result = make_submitted(enterprise=world.e1, code="SF-JS", by=world.users["enterprise"])

    assert _rule(result, "basic_cmmm_l2")["status"] == "pass"
    assert _rule(result, "excellent_cmmm_l3")["status"] == "fail"


def test_prerequisite_fails_with_a_result_of_the_other_model_below_the_level(
    world: World,
) -> None:
    publish("CMMM", "SF-JS")
    cmmm = _cmmm_result(world, quality=0.4, seed=2)
    assert cmmm.level == "L1"

    result = make_submitted(enterprise=world.e1, code="SF-JS", by=world.users["enterprise"])

    assert _rule(result, "basic_cmmm_l2")["status"] == "fail"


def _cmmm_diagnosis(world: World) -> Assessment:
    """A provider's CMMM diagnosis of E1 at level 2 (not yet confirmed by the enterprise)."""
    version = framework_version_get_published(code="CMMM")
    provider = world.users["provider"]
    assignment = provider_assign(
        enterprise=world.e1, provider=provider, version=version, by=world.users["city"]
    )
    draft = diagnosis_start(assignment=assignment, by=provider)
    answers = synthetic_answers(
        framework_version_compiled(version), quality=0.6, rng=random.Random(3)
    )
    saved = assessment_save(assessment=draft, changes=answers, revision=draft.revision, by=provider)
    return assessment_submit(
        assessment=saved.assessment, by=provider, revision=saved.assessment.revision
    )


def _confirm_every_section(diagnosis: Assessment, by: User) -> None:
    for section in diagnosis.dimension_scores:
        diagnosis_review_section(
            assessment=diagnosis, section=section, decision="confirmed", comment="", by=by
        )


def _sf_js_rule_status(world: World, rule_id: str) -> str:
    draft = make_draft(enterprise=world.e1, code="SF-JS", by=world.users["enterprise"], quality=0.6)
    outcomes = [rule for level in assessment_score(draft).levels for rule in level.rules]
    return next(rule.status for rule in outcomes if rule.id == rule_id)


def test_an_unconfirmed_diagnosis_does_not_count_as_a_prerequisite(world: World) -> None:
    publish("CMMM", "SF-JS")
    diagnosis = _cmmm_diagnosis(world)
    assert diagnosis.level == "L2"

    assert _sf_js_rule_status(world, "basic_cmmm_l2") == "pending"


def test_a_diagnosis_confirmed_in_every_section_counts_as_a_prerequisite(world: World) -> None:
    publish("CMMM", "SF-JS")
    _confirm_every_section(_cmmm_diagnosis(world), world.users["enterprise"])

    assert _sf_js_rule_status(world, "basic_cmmm_l2") == "pass"
