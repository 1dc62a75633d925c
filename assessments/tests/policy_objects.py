"""Objects of the assessments app for the authorization matrix (tests/test_policy.py)."""

from __future__ import annotations

from typing import Any

from conftest import World

OBJECT_KEYS: dict[str, list[str]] = {
    # A self-assessment of each world enterprise (E1@X, E2@Y, E3@Z), as a draft and submitted.
    "assessment_draft": ["e1", "e2", "e3"],
    "assessment_result": ["e1", "e2", "e3"],
    # Pages (assessments/views.py): an evidence file on each submitted self-assessment and on each
    # draft; E1's assignment to the world's provider and E2's, E3's to another provider; a
    # submitted diagnosis of each enterprise (under those assignments).
    "evidence_result": ["e1", "e2", "e3"],
    "evidence_draft": ["e1", "e2", "e3"],
    "assignment": ["e1", "e2", "e3"],
    "diagnosis_result": ["e1", "e2", "e3"],
    # Result pages (assessments/result_views.py): the report download of each submitted
    # self-assessment, named by its pk and a format.
    "assessment_report": ["e1", "e2", "e3"],
}


def _assessments(world: World) -> dict[str, dict[str, Any]]:
    """Written directly against a one-question published version (cheap: built for every cell)."""
    from django.utils import timezone

    from assessments.models import Assessment
    from frameworks.models import Framework, FrameworkVersion

    definition = {
        "format": "zhigai-framework/1",
        "framework": {"code": "ASM", "version": "1", "title": {"zh": "测试"}, "score_scale": 100},
        "levels": [{"code": "L1", "name": {"zh": "一级"}}],
        "nodes": [{"code": "q", "title": {"zh": "题"}, "question": {"type": "yes_no"}}],
    }
    framework = Framework.objects.create(code="ASM")
    version = FrameworkVersion.objects.create(
        framework=framework, version="1", status="published", title_zh="测试",
        definition=definition, digest="ASM".ljust(64, "0"), imported_at=timezone.now(),
    )  # fmt: skip
    by = world.users["enterprise"]
    found: dict[str, dict[str, Any]] = {"assessment_draft": {}, "assessment_result": {}}
    for key in ("e1", "e2", "e3"):
        common = {"enterprise": getattr(world, key), "framework": framework, "year": 2025}
        found["assessment_draft"][key] = Assessment.objects.create(
            framework_version=version, created_by=by, answers={"q": "yes"}, **common
        )
        found["assessment_result"][key] = Assessment.objects.create(
            framework_version=version, created_by=by, answers={"q": "yes"}, status="submitted",
            submitted_at=timezone.now(), submitted_by=by, result={}, total=100.0, level="L1",
            **common,
        )  # fmt: skip
    return found


def _evidence(assessment: Any, by: Any) -> Any:
    """A stored text file on `assessment` (MEDIA_ROOT is the test's tmp_path)."""
    from django.core.files.base import ContentFile

    from assessments import uploads
    from assessments.models import Evidence

    file = ContentFile(b"evidence\n", name="note.txt")
    checked = uploads.validate_upload(file, original_name="note.txt")
    return Evidence.objects.create(
        assessment=assessment, question="q", stored_name=uploads.store_upload(file, checked),
        original_name="note.txt", content_type=checked.content_type, kind=checked.kind,
        size=checked.size, sha256=checked.sha256, uploaded_by=by,
    )  # fmt: skip


def _pages(world: World, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    from django.utils import timezone

    from assessments.models import Assessment, ProviderAssignment
    from conftest import make_user

    other = make_user("provider_pages_other", "provider")
    by = world.users["enterprise"]
    pages: dict[str, dict[str, Any]] = {
        "evidence_result": {}, "evidence_draft": {}, "assignment": {}, "diagnosis_result": {},
    }  # fmt: skip
    for key in ("e1", "e2", "e3"):
        draft = found["assessment_draft"][key]
        pages["evidence_result"][key] = _evidence(found["assessment_result"][key], by)
        pages["evidence_draft"][key] = _evidence(draft, by)
        provider = world.users["provider"] if key == "e1" else other
        assignment = ProviderAssignment.objects.create(
            enterprise=draft.enterprise, provider=provider,
            framework_version=draft.framework_version, assigned_by=world.users["province"],
        )  # fmt: skip
        pages["assignment"][key] = assignment
        pages["diagnosis_result"][key] = Assessment.objects.create(
            enterprise=draft.enterprise, framework=draft.framework,
            framework_version=draft.framework_version, kind="diagnosis", assignment=assignment,
            year=2025, answers={"q": "yes"}, status="submitted", submitted_at=timezone.now(),
            submitted_by=provider, created_by=provider, result={}, total=100.0, level="L1",
            dimension_scores={"q": 100.0},
        )  # fmt: skip
    return pages


def build(world: World) -> dict[str, dict[str, Any]]:
    found = _assessments(world)
    reports = {
        "assessment_report": {
            key: {"pk": result.pk, "format": "docx"}
            for key, result in found["assessment_result"].items()
        }
    }
    return {**found, **_pages(world, found), **reports}
