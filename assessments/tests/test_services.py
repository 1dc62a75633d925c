"""Assessment services the pages call: saving a shared draft (merge of untouched questions, a
conflict on a question someone else changed, invalid answers kept out), evidence, start and
provider assignment errors. Every error test checks that nothing was written. Submit and
carry-over have their own files (test_submit.py, test_carry_over.py)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Role
from assessments import uploads
from assessments.models import Assessment, Evidence, ProviderAssignment
from assessments.services import (
    ASSIGNMENT_CLOSED,
    NOT_DRAFT,
    NOT_PROVIDER,
    NOT_PUBLISHED,
    UNKNOWN_QUESTION,
    AssessmentConflict,
    assessment_save,
    assessment_start,
    diagnosis_start,
    evidence_add,
    evidence_delete,
    provider_assign,
)
from assessments.tests.factories import make_draft, make_submitted
from assessments.tests.published import definition_of, publish
from audit.models import AuditEvent
from conftest import World, make_user
from frameworks.models import FrameworkVersion
from frameworks.services import framework_import


@pytest.fixture
def draft(world: World) -> Assessment:
    publish("ZERO-CARBON")
    return make_draft(enterprise=world.e1, code="ZERO-CARBON", by=world.users["enterprise"])


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _save(draft: Assessment, user: Any, revision: int, **changes: Any) -> Any:
    """Save `changes` (question code with dots written as __) as seen at `revision`, where the
    user's form showed the answers stored at that time."""
    answers = {code.replace("__", "."): value for code, value in changes.items()}
    base = {code: draft.answers.get(code) for code in answers}
    return assessment_save(assessment=draft, changes=answers, revision=revision, by=user, base=base)


# --- save ------------------------------------------------------------------------------------


def test_save_writes_valid_answers_and_increments_the_revision(
    world: World, draft: Assessment
) -> None:
    outcome = _save(draft, world.users["enterprise"], 1, gate__compliance="yes")
    draft.refresh_from_db()
    assert outcome.saved == ("gate.compliance",)
    assert draft.answers == {"gate.compliance": "yes"}
    assert (draft.revision, draft.updated_by) == (2, world.users["enterprise"])
    event = AuditEvent.objects.get(action="assessment.save")
    assert event.after == {"gate.compliance": "yes"}


def test_an_invalid_answer_is_reported_and_not_saved_while_valid_ones_are(
    world: World, draft: Assessment
) -> None:
    outcome = _save(
        draft, world.users["enterprise"], 1, gate__compliance="yes", energy__metering=250
    )
    draft.refresh_from_db()
    assert outcome.saved == ("gate.compliance",)
    assert [p.question for p in outcome.problems] == ["energy.metering"]
    assert draft.answers == {"gate.compliance": "yes"}


def test_an_empty_answer_clears_the_question(world: World, draft: Assessment) -> None:
    _save(draft, world.users["enterprise"], 1, gate__compliance="yes")
    draft.refresh_from_db()
    _save(draft, world.users["enterprise"], 2, gate__compliance="")
    draft.refresh_from_db()
    assert "gate.compliance" not in draft.answers


def test_changes_to_different_questions_from_the_same_revision_are_merged(
    world: World, draft: Assessment
) -> None:
    colleague = make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1)
    loaded = Assessment.objects.get(pk=draft.pk)  # both users load revision 1
    _save(loaded, colleague, 1, gate__statistics="no")
    _save(loaded, world.users["enterprise"], 1, gate__compliance="yes")
    draft.refresh_from_db()
    assert draft.answers == {"gate.statistics": "no", "gate.compliance": "yes"}
    assert draft.revision == 3


def test_a_change_to_a_question_someone_else_changed_is_a_conflict_and_writes_nothing(
    world: World, draft: Assessment
) -> None:
    colleague = make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1)
    loaded = Assessment.objects.get(pk=draft.pk)
    _save(loaded, colleague, 1, gate__compliance="no")
    saves = AuditEvent.objects.filter(action="assessment.save").count()
    with pytest.raises(AssessmentConflict) as caught:
        _save(loaded, world.users["enterprise"], 1, gate__compliance="yes", gate__statistics="yes")
    draft.refresh_from_db()
    [item] = caught.value.items
    assert (item.question, item.yours, item.theirs) == ("gate.compliance", "yes", "no")
    assert caught.value.current.revision == 2
    assert draft.answers == {"gate.compliance": "no"}
    assert draft.revision == 2
    assert AuditEvent.objects.filter(action="assessment.save").count() == saves


def test_the_same_answer_saved_twice_is_not_a_conflict(world: World, draft: Assessment) -> None:
    loaded = Assessment.objects.get(pk=draft.pk)
    _save(loaded, world.users["enterprise"], 1, gate__compliance="yes")
    loaded.refresh_from_db()
    outcome = _save(loaded, world.users["enterprise"], 2, gate__compliance="yes")
    assert outcome.saved == ("gate.compliance",)


def test_a_submitted_assessment_cannot_be_saved(world: World) -> None:
    publish("ZERO-CARBON")
    done = make_submitted(enterprise=world.e1, code="ZERO-CARBON", by=world.users["enterprise"])
    answers = dict(done.answers)
    with pytest.raises(ValidationError, match="已提交"):
        _save(done, world.users["enterprise"], done.revision, gate__compliance="no")
    done.refresh_from_db()
    assert done.answers == answers
    assert NOT_DRAFT.startswith("评估已提交")


def test_site_notes_are_saved_per_section(world: World, draft: Assessment) -> None:
    assessment_save(
        assessment=draft,
        changes={},
        revision=1,
        by=world.users["enterprise"],
        site_notes={"energy": "现场查看了能源管理中心。"},
    )
    draft.refresh_from_db()
    assert draft.site_notes == {"energy": "现场查看了能源管理中心。"}
    assert draft.revision == 2


def _race(draft: Assessment, users: list[Any], changes: list[dict[str, Any]]) -> list[str]:
    """Two users save at the same moment from the same revision, each in its own thread and
    database connection. Returns "saved" or "conflict" per user."""
    barrier = threading.Barrier(len(users))
    outcomes = ["", ""]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            base = dict.fromkeys(changes[index])
            assessment_save(
                assessment=draft, changes=changes[index], revision=1, by=users[index], base=base
            )
            outcomes[index] = "saved"
        except AssessmentConflict:
            outcomes[index] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("second", "expected"),
    [("gate.compliance", ["conflict", "saved"]), ("gate.statistics", ["saved", "saved"])],
    ids=["same-question", "different-questions"],
)
def test_concurrent_saves_on_postgresql_merge_or_conflict_and_lose_nothing(
    second: str, expected: list[str], world: World, draft: Assessment
) -> None:
    """Security reference G7: the row lock (SELECT … FOR UPDATE) serialises the two saves."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    colleague = make_user("ent_e1_b", Role.ENTERPRISE, enterprise=world.e1)
    users = [world.users["enterprise"], colleague]
    outcomes = _race(draft, users, [{"gate.compliance": "yes"}, {second: "no"}])
    draft.refresh_from_db()
    assert sorted(outcomes) == expected
    if second == "gate.compliance":
        winner = outcomes.index("saved")
        assert draft.answers == {"gate.compliance": ["yes", "no"][winner]}
        assert draft.revision == 2
    else:
        assert draft.answers == {"gate.compliance": "yes", "gate.statistics": "no"}
        assert draft.revision == 3


# --- evidence --------------------------------------------------------------------------------


def _stored(media: Path) -> list[Path]:
    folder = media / "evidence"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def test_evidence_add_stores_the_file_and_records_it(
    world: World, draft: Assessment, media: Path
) -> None:
    evidence = evidence_add(
        assessment=draft,
        question="offsets.evidence",
        file=SimpleUploadedFile("证书.txt", b"certificate\n"),
        original_name="证书.txt",
        by=world.users["enterprise"],
    )
    assert (evidence.kind, evidence.size, evidence.original_name) == ("txt", 12, "证书.txt")
    assert _stored(media) == [media / "evidence" / evidence.stored_name]
    assert AuditEvent.objects.filter(action="evidence.add", object_id=str(evidence.pk)).exists()


@pytest.mark.parametrize(
    ("question", "name", "content", "error"),
    [
        ("offsets.evidence", "a.pdf", b"<html></html>", uploads.UploadRejected),
        ("no.such.question", "a.txt", b"text\n", ValidationError),
    ],
    ids=["rejected-file", "unknown-question"],
)
def test_evidence_add_errors_write_nothing(
    question: str,
    name: str,
    content: bytes,
    error: type[Exception],
    world: World,
    draft: Assessment,
    media: Path,
) -> None:
    with pytest.raises(error) as caught:
        evidence_add(
            assessment=draft,
            question=question,
            file=SimpleUploadedFile(name, content),
            original_name=name,
            by=world.users["enterprise"],
        )
    if question == "no.such.question":
        assert caught.value.messages == [UNKNOWN_QUESTION]  # type: ignore[attr-defined]
    assert not Evidence.objects.exists()
    assert _stored(media) == []
    assert not AuditEvent.objects.filter(action="evidence.add").exists()


def test_evidence_delete_removes_the_row_then_the_file(
    world: World, draft: Assessment, media: Path, django_capture_on_commit_callbacks
) -> None:
    by = world.users["enterprise"]
    file = SimpleUploadedFile("a.txt", b"text\n")
    evidence = evidence_add(
        assessment=draft, question="offsets.evidence", file=file, original_name="a.txt", by=by
    )
    with django_capture_on_commit_callbacks(execute=True):
        evidence_delete(evidence=evidence, by=by)
    assert not Evidence.objects.exists()
    assert _stored(media) == []
    assert AuditEvent.objects.filter(action="evidence.delete").exists()


# --- start and diagnosis errors --------------------------------------------------------------


def test_start_refuses_a_model_version_that_is_not_published(world: World) -> None:
    definition = definition_of("ZERO-CARBON")
    outcome = framework_import(definition=definition, source_name="zc.yaml", by=None)
    assert outcome.version.status == FrameworkVersion.Status.DRAFT
    with pytest.raises(ValidationError) as caught:
        assessment_start(enterprise=world.e1, version=outcome.version, by=world.users["enterprise"])
    assert caught.value.messages == [NOT_PUBLISHED]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("role", ["enterprise", "expert"])
def test_only_a_provider_account_can_be_assigned(role: str, world: World) -> None:
    version = publish("ZERO-CARBON")["ZERO-CARBON"]
    with pytest.raises(ValidationError) as caught:
        provider_assign(
            enterprise=world.e1, provider=world.users[role], version=version, by=world.users["city"]
        )
    assert caught.value.messages == [NOT_PROVIDER]
    assert not ProviderAssignment.objects.exists()


def test_a_closed_assignment_cannot_start_a_diagnosis(world: World) -> None:
    version = publish("ZERO-CARBON")["ZERO-CARBON"]
    assignment = provider_assign(
        enterprise=world.e1,
        provider=world.users["provider"],
        version=version,
        by=world.users["city"],
    )
    ProviderAssignment.objects.filter(pk=assignment.pk).update(status="withdrawn")
    assignment.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        diagnosis_start(assignment=assignment, by=world.users["provider"])
    assert caught.value.messages == [ASSIGNMENT_CLOSED]
    assert not Assessment.objects.exists()
