"""Writes of assessments: start (carrying answers over), save (optimistic locking with a merge of
non-overlapping edits), the model variant (适用类型), submit (score, freeze, flag), evidence,
provider diagnosis."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Role, User
from assessments import flags as plausibility
from assessments.models import Assessment, Evidence, ProviderAssignment, SectionReview
from assessments.selectors import latest_results_for_enterprise
from audit.services import audit_record
from frameworks.models import FrameworkVersion
from frameworks.prerequisites import level_orders
from frameworks.selectors import framework_version_compiled
from registry.models import Enterprise
from scoring import maturity
from scoring.maturity.answers import parse_answers
from scoring.maturity.batch import prerequisite_codes

NOT_PUBLISHED = "只能按已发布的模型版本开展评估 (only a published model version can be assessed)"
NOT_DRAFT = "评估已提交，不能再修改 (the assessment is submitted and frozen)"
UNKNOWN_SECTION = "未知的维度 (unknown section)"
NOT_A_DIAGNOSIS = (
    "只有服务商诊断需要企业确认 (only a provider diagnosis is confirmed by the enterprise)"
)
NOT_PROVIDER = "只能指派服务商账号 (only a service-provider account can be assigned)"
ASSIGNMENT_CLOSED = "该诊断指派已结束 (the assignment is closed)"
UNKNOWN_QUESTION = "未知的题目 (unknown question)"
NOT_PLAIN = (
    "答案须为文字、数值或选项代码列表 (an answer is text, a number or a list of option codes)"
)
UNKNOWN_VARIANT = "该模型没有这个适用类型 (the model has no such variant)"


@dataclass(frozen=True)
class ConflictItem:
    question: str
    yours: Any
    theirs: Any


class AssessmentConflict(Exception):
    """Someone saved the same questions since the user loaded the form: nothing was written."""

    def __init__(self, *, current: Assessment, items: list[ConflictItem]) -> None:
        super().__init__("conflict")
        self.current = current
        self.items = items


@dataclass(frozen=True)
class SaveOutcome:
    assessment: Assessment
    saved: tuple[str, ...]
    problems: tuple[maturity.Problem, ...]
    """Answers that could not be saved (their value is kept in the form, never dropped)."""


def _questions(version: FrameworkVersion) -> maturity.Framework:
    return framework_version_compiled(version)


def _valid_answers(framework: maturity.Framework, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of `answers` that are valid answers to questions of `framework`."""
    kept = {}
    for code, value in answers.items():
        parsed, problems = _parse_one(framework, code, value)
        if parsed and not problems:
            kept[code] = value
    return kept


def _parse_one(
    framework: maturity.Framework, code: str, value: Any
) -> tuple[bool, list[maturity.Problem]]:
    parsed, problems = parse_answers(framework, {code: value})
    return bool(parsed), problems


def _carried_answers(
    *, enterprise: Enterprise, framework: maturity.Framework, previous: Assessment | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers to start from: the previous result of this model, then crosswalked answers of the
    enterprise's latest results of other models. Returns answers and their provenance."""
    answers: dict[str, Any] = {}
    origin: dict[str, str] = {}
    if previous is not None:
        for code, value in _valid_answers(framework, previous.answers).items():
            answers[code], origin[code] = value, f"previous:{previous.pk}"
    sources = {crosswalk.from_framework for crosswalk in framework.crosswalks}
    latest = latest_results_for_enterprise(enterprise_id=enterprise.pk)
    for source in sorted(sources):
        result = latest.get(source)
        if result is None:
            continue
        for code, value in maturity.crosswalk_answers(framework, source, result.answers).items():
            if code not in answers:
                answers[code], origin[code] = value, f"crosswalk:{source}:{result.pk}"
    return answers, origin


def _latest_submitted(enterprise: Enterprise, version: FrameworkVersion) -> Assessment | None:
    return (
        Assessment.objects.filter(
            enterprise=enterprise,
            framework_id=version.framework_id,
            status=Assessment.Status.SUBMITTED,
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )


@transaction.atomic
def assessment_start(
    *,
    enterprise: Enterprise,
    version: FrameworkVersion,
    by: User,
    year: int | None = None,
    assignment: ProviderAssignment | None = None,
) -> Assessment:
    """A new draft of `version` for `enterprise`, or the open draft when there is one (several
    users share it). Answers start from the previous result and from crosswalks."""
    if version.status != FrameworkVersion.Status.PUBLISHED:
        raise ValidationError(NOT_PUBLISHED)
    kind = Assessment.Kind.DIAGNOSIS if assignment is not None else Assessment.Kind.SELF
    open_draft = Assessment.objects.filter(
        enterprise=enterprise, framework_id=version.framework_id, kind=kind, status="draft"
    )
    if assignment is not None:
        open_draft = open_draft.filter(assignment=assignment)
    found = open_draft.first()
    if found is not None:
        return found
    framework = _questions(version)
    # A provider's diagnosis starts empty: the enterprise's own answers are not the provider's
    # to see (and a diagnosis is an independent view of the enterprise).
    previous = None if assignment is not None else _latest_submitted(enterprise, version)
    answers, origin = (
        ({}, {})
        if assignment is not None
        else _carried_answers(enterprise=enterprise, framework=framework, previous=previous)
    )
    assessment = Assessment(
        enterprise=enterprise,
        framework_id=version.framework_id,
        framework_version=version,
        kind=kind,
        year=year or timezone.localdate().year,
        answers=answers,
        carried_from=origin,
        previous=previous,
        assignment=assignment,
        created_by=by,
        updated_by=by,
    )
    assessment.full_clean()
    assessment.save()
    audit_record(
        action="assessment.start",
        obj=assessment,
        after={"framework_version": version.label, "kind": kind, "carried": len(answers)},
    )
    return assessment


def _merge(
    current: Assessment, changes: Mapping[str, Any], base: Mapping[str, Any], revision: int
) -> list[ConflictItem]:
    """Changes based on an older revision still apply when the questions they touch were not
    changed by anyone else since (their value is still what the user saw)."""
    if revision == current.revision:
        return []
    return [
        ConflictItem(code, value, current.answers.get(code))
        for code, value in changes.items()
        if _same(current.answers.get(code), base.get(code)) is False
    ]


def _same(a: Any, b: Any) -> bool:
    empty: tuple[Any, ...] = (None, "", [])
    if a in empty and b in empty:
        return True
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return str(a) == str(b)


def _scalar(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value  # PostgreSQL cannot store NUL in JSON
    if isinstance(value, float):
        return math.isfinite(value)  # JSON has no Infinity or NaN
    return isinstance(value, int)


def answer_is_plain(value: Any) -> bool:
    """An answer the way the engine reads one: empty, text, a number, or a flat list of option
    codes (nothing nested: stored answers stay small and encodable on every database)."""
    if value is None or _scalar(value):
        return True
    return isinstance(value, list) and all(_scalar(item) for item in value)


def _merged_notes(
    current: Assessment, notes: Mapping[str, str], base: Mapping[str, str] | None, revision: int
) -> dict[str, str]:
    merged = dict(current.site_notes)
    shown = base or {}
    stale = base is not None and revision != current.revision
    for section, text in notes.items():
        theirs = current.site_notes.get(section, "")
        if stale and theirs != shown.get(section, "") and theirs.strip() and theirs != text:
            merged[section] = f"{theirs}\n——\n{text}"
        else:
            merged[section] = text
    return merged


def _lock(pk: int) -> Assessment:
    """The row, locked for the rest of the transaction on PostgreSQL (SQLite's IMMEDIATE
    transactions already serialise writers)."""
    return Assessment.objects.select_for_update().select_related("framework_version").get(pk=pk)


@transaction.atomic
def assessment_save(
    *,
    assessment: Assessment,
    changes: Mapping[str, Any],
    revision: int,
    by: User,
    base: Mapping[str, Any] | None = None,
    site_notes: Mapping[str, str] | None = None,
    site_notes_base: Mapping[str, str] | None = None,
) -> SaveOutcome:
    """Save changed answers of a draft. `revision` is the one the user's form was loaded at and
    `base` the values it showed for the changed questions; an answer someone else changed since
    raises AssessmentConflict and writes nothing. Invalid answers are reported, not saved. Site
    notes changed by someone else since (`site_notes_base` is what the form showed) are kept
    both: theirs, then the user's, so no text is lost."""
    current = _lock(assessment.pk)
    if not current.is_draft:
        raise ValidationError(NOT_DRAFT)
    conflicts = _merge(current, changes, base or {}, revision)
    if conflicts:
        raise AssessmentConflict(current=current, items=conflicts)
    framework = _questions(current.framework_version)
    answers, saved, problems = dict(current.answers), [], []
    for code, value in changes.items():
        if value in (None, "", []):
            answers.pop(code, None)
            saved.append(code)
            continue
        found = [] if answer_is_plain(value) else [maturity.Problem("wrong_type", code, NOT_PLAIN)]
        found = found or _parse_one(framework, code, value)[1]
        if found:
            problems.extend(found)
            continue
        answers[code] = value
        saved.append(code)
    if not saved and not site_notes:
        return SaveOutcome(current, (), tuple(problems))
    notes = _merged_notes(current, site_notes or {}, site_notes_base, revision)
    before = {code: current.answers.get(code) for code in saved}
    Assessment.objects.filter(pk=current.pk).update(
        answers=answers,
        site_notes=notes,
        revision=F("revision") + 1,
        updated_by=by,
        updated_at=timezone.now(),
    )
    current.refresh_from_db()
    audit_record(
        action="assessment.save",
        obj=current,
        before=before,
        after={code: answers.get(code) for code in saved},
    )
    return SaveOutcome(current, tuple(saved), tuple(problems))


@transaction.atomic
def assessment_set_variant(
    *, assessment: Assessment, variant: str, revision: int, by: User
) -> Assessment:
    """Choose the model variant (适用类型) whose weights will score the draft, e.g. CMMM 离散型 or
    流程型. `revision` is the one the user's page was loaded at: a stale one raises
    AssessmentConflict (items=[]) and writes nothing. Choosing the variant the draft already has
    (a blank variant is the model's default) writes nothing either."""
    current = _lock(assessment.pk)
    if not current.is_draft:
        raise ValidationError(NOT_DRAFT)
    framework = _questions(current.framework_version)
    if variant not in framework.variants:
        raise ValidationError(UNKNOWN_VARIANT)
    if current.revision != revision:
        raise AssessmentConflict(current=current, items=[])
    before = current.variant or framework.default_variant
    if variant == before:
        return current
    updated = Assessment.objects.filter(
        pk=current.pk, revision=revision, status=Assessment.Status.DRAFT
    ).update(
        variant=variant,
        revision=F("revision") + 1,
        updated_by=by,
        updated_at=timezone.now(),
    )
    current.refresh_from_db()
    if not updated:  # unreachable while the row is locked; kept as the lock's second line
        raise AssessmentConflict(current=current, items=[])
    audit_record(
        action="assessment.variant",
        obj=current,
        before={"variant": before},
        after={"variant": variant},
    )
    return current


def _prerequisites(
    framework: maturity.Framework, enterprise_id: int
) -> dict[str, maturity.PrerequisiteResult]:
    codes = prerequisite_codes(framework)
    if not codes:
        return {}
    latest = latest_results_for_enterprise(enterprise_id=enterprise_id)
    orders = level_orders(codes)
    return {
        code: maturity.PrerequisiteResult(
            level=latest[code].level or None if code in latest else None,
            total=latest[code].total if code in latest else None,
            level_order=orders.get(code, ()),
        )
        for code in codes
        if code in latest
    }


def assessment_score(assessment: Assessment) -> maturity.Result:
    """Score the draft's answers with its pinned version (raises AnswerError)."""
    framework = _questions(assessment.framework_version)
    return maturity.score_assessment(
        framework,
        assessment.answers,
        variant=assessment.variant or None,
        prerequisites=_prerequisites(framework, assessment.enterprise_id),
    )


def _dimension_scores(result: maturity.Result, framework: maturity.Framework) -> dict[str, Any]:
    return {code: result.nodes[code].points for code in framework.roots if code in result.nodes}


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: User, revision: int) -> Assessment:
    """Score the draft, freeze it with its result and pinned version, flag implausible claims.
    A second submit of the same draft (double click, two users) changes nothing and returns it.
    Raises AnswerError listing every missing or invalid answer."""
    current = _lock(assessment.pk)
    if current.is_submitted:
        return current
    if current.revision != revision:
        raise AssessmentConflict(current=current, items=[])
    framework = _questions(current.framework_version)
    result = assessment_score(current)
    current.result = maturity.result_as_dict(result)
    current.total, current.max_total = result.total, result.max_total
    current.level, current.level_rank = result.level or "", result.level_rank
    current.level_name = result.level_name.zh if result.level else ""
    current.variant = result.variant
    current.dimension_scores = _dimension_scores(result, framework)
    current.flags = plausibility.flags_for(current, framework=framework, result=result)
    current.risk_score = plausibility.risk_score(current.flags)
    current.status, current.submitted_at, current.submitted_by = "submitted", timezone.now(), by
    current.revision += 1
    current.save()
    if current.assignment_id is not None:
        ProviderAssignment.objects.filter(pk=current.assignment_id).update(status="done")
    audit_record(
        action="assessment.submit",
        obj=current,
        before={"status": "draft"},
        after=current.frozen_fields(),
    )
    transaction.on_commit(lambda: _after_submit(current.framework_version_id))
    return current


def _after_submit(version_id: int) -> None:
    _refresh_benchmarks(version_id)
    _request_coverage()


def _refresh_benchmarks(version_id: int) -> None:
    from assessments.tasks import benchmarks_refresh

    benchmarks_refresh.enqueue(version_id=version_id)


def _request_coverage() -> None:
    """A coverage snapshot queued with a delay (monitoring.services.coverage_recompute_request)."""
    from monitoring.services import coverage_recompute_request

    coverage_recompute_request()


def evidence_add(
    *, assessment: Assessment, question: str, file: Any, original_name: str, by: User
) -> Evidence:
    """Validate the file by its content, store it under a generated name, record it. A rejected
    file raises UploadRejected; if anything fails after the file was stored (the row, the audit
    row), the stored file is removed again, so no file is left without its row."""
    from assessments import uploads

    checked = uploads.validate_upload(file, original_name=original_name)
    stored = uploads.store_upload(file, checked)
    try:
        return _evidence_record(
            assessment=assessment, question=question, checked=checked, stored=stored, by=by
        )
    except BaseException:
        uploads.delete_stored(stored)
        raise


@transaction.atomic
def _evidence_record(
    *, assessment: Assessment, question: str, checked: Any, stored: str, by: User
) -> Evidence:
    current = _lock(assessment.pk)
    if not current.is_draft:
        raise ValidationError(NOT_DRAFT)
    if question not in _questions(current.framework_version).nodes:
        raise ValidationError(UNKNOWN_QUESTION)
    evidence = Evidence.objects.create(
        assessment=current,
        question=question,
        stored_name=stored,
        original_name=checked.safe_display_name,
        content_type=checked.content_type,
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    audit_record(
        action="evidence.add",
        obj=evidence,
        after={"assessment": current.pk, "question": question, "sha256": checked.sha256},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, by: User) -> None:
    from assessments import uploads

    if not evidence.assessment.is_draft:
        raise ValidationError(NOT_DRAFT)
    stored = evidence.stored_name
    audit_record(
        action="evidence.delete",
        obj=evidence,
        before={"question": evidence.question, "sha256": evidence.sha256},
    )
    evidence.delete()
    transaction.on_commit(lambda: uploads.delete_stored(stored))


@transaction.atomic
def provider_assign(
    *, enterprise: Enterprise, provider: User, version: FrameworkVersion, by: User, note: str = ""
) -> ProviderAssignment:
    """A city (or the province) assigns a service provider to diagnose an enterprise."""
    if provider.role != Role.PROVIDER or not provider.is_active:
        raise ValidationError(NOT_PROVIDER)
    if version.status != FrameworkVersion.Status.PUBLISHED:
        raise ValidationError(NOT_PUBLISHED)
    assignment = ProviderAssignment(
        enterprise=enterprise,
        provider=provider,
        framework_version=version,
        assigned_by=by,
        note=note,
    )
    assignment.full_clean()
    assignment.save()
    audit_record(
        action="diagnosis.assign",
        obj=assignment,
        after={
            "enterprise": enterprise.uscc,
            "provider": provider.username,
            "framework_version": version.label,
        },
    )
    return assignment


def diagnosis_start(*, assignment: ProviderAssignment, by: User, year: int | None = None) -> Any:
    if assignment.status != ProviderAssignment.Status.ACTIVE:
        raise ValidationError(ASSIGNMENT_CLOSED)
    return assessment_start(
        enterprise=assignment.enterprise,
        version=assignment.framework_version,
        by=by,
        year=year,
        assignment=assignment,
    )


@transaction.atomic
def diagnosis_review_section(
    *, assessment: Assessment, section: str, decision: str, comment: str, by: User
) -> SectionReview:
    """The enterprise confirms or disputes one section of a submitted provider diagnosis."""
    if not assessment.is_diagnosis or not assessment.is_submitted:
        raise ValidationError(NOT_A_DIAGNOSIS)
    if section not in assessment.dimension_scores:
        raise ValidationError(UNKNOWN_SECTION)
    review = SectionReview.objects.filter(assessment=assessment, section=section).first()
    before = None if review is None else {"decision": review.decision, "comment": review.comment}
    review = review or SectionReview(assessment=assessment, section=section)
    review.decision, review.comment, review.decided_by = decision, comment.strip(), by
    review.full_clean()
    review.save()
    audit_record(
        action="diagnosis.review",
        obj=assessment,
        before=before,
        after={"section": section, "decision": decision, "comment": review.comment},
    )
    transaction.on_commit(_request_coverage)
    return review
