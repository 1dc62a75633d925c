"""Reads of assessments, each scoped to what the user may see.

Who sees what:
- an enterprise user: every assessment of its enterprise (self-assessments and diagnoses of it);
- county / city / province officials: submitted assessments of enterprises in their jurisdiction
  (drafts are the enterprise's working papers);
- a service provider: the diagnoses of its own assignments;
- experts and platform admins: none (experts see results through the applications assigned to
  them, recognition/selectors.py).
Out-of-scope objects answer 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import enterprise_q, jurisdiction_of
from assessments.models import Assessment, Evidence, ProviderAssignment, SectionReview
from audit.models import AuditEvent
from audit.services import audit_record

NOT_FOUND = "评估不存在或无权查看 (assessment not found)"


def _visible_q(user: Any) -> Q | None:
    """None: nothing is visible."""
    role = getattr(user, "role", "")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if role == Role.PROVIDER:
        return Q(kind=Assessment.Kind.DIAGNOSIS, assignment__provider_id=user.pk)
    if role == Role.ENTERPRISE:
        jurisdiction = jurisdiction_of(user)
        return None if jurisdiction.is_empty else enterprise_q(jurisdiction, path="enterprise")
    if role in (Role.PROVINCE, Role.CITY, Role.COUNTY):
        jurisdiction = jurisdiction_of(user)
        if jurisdiction.is_empty:
            return None
        scope = enterprise_q(jurisdiction, path="enterprise") or Q()
        return scope & Q(status=Assessment.Status.SUBMITTED)
    return None


def assessment_list_for_user(*, user: Any) -> QuerySet[Assessment]:
    q = _visible_q(user)
    base = Assessment.objects.select_related(
        "enterprise", "framework", "framework_version", "enterprise__county"
    )
    return base.none() if q is None else base.filter(q)


def assessment_get_for_user(*, user: Any, pk: int) -> Assessment:
    """404 outside what the user may see; an existing one out of scope is audited."""
    found = assessment_list_for_user(user=user).filter(pk=pk).first()
    if found is None:
        if Assessment.objects.filter(pk=pk).exists():
            audit_record(
                action="access.out_of_scope",
                object_type="assessments.assessment",
                object_id=str(pk),
                result=AuditEvent.Result.DENIED,
            )
        raise Http404(NOT_FOUND)
    return found


def can_edit(user: Any, assessment: Assessment) -> bool:
    """Enterprise users edit their self-assessment drafts; the assigned provider edits its
    diagnosis draft. Submitted assessments are frozen."""
    if not assessment.is_draft:
        return False
    if assessment.is_diagnosis:
        return (
            getattr(user, "role", "") == Role.PROVIDER
            and assessment.assignment is not None
            and assessment.assignment.provider_id == user.pk
        )
    return getattr(user, "role", "") == Role.ENTERPRISE and user.enterprise_id == (
        assessment.enterprise_id
    )


def assessment_get_editable_for_user(*, user: Any, pk: int) -> Assessment:
    """404 when the user may not see it; 403 when they see it but may not change it."""
    found = assessment_get_for_user(user=user, pk=pk)
    if not can_edit(user, found):
        raise PermissionDenied(_("该评估已提交或您无权修改。"))
    return found


def assessment_history(*, assessment: Assessment) -> list[Assessment]:
    """The enterprise's submitted assessments of the same model, oldest first (the timeline)."""
    return list(
        Assessment.objects.filter(
            enterprise_id=assessment.enterprise_id,
            framework_id=assessment.framework_id,
            status=Assessment.Status.SUBMITTED,
        )
        .select_related("framework_version")
        .order_by("submitted_at", "pk")
    )


def assessment_previous_submitted(*, assessment: Assessment) -> Assessment | None:
    """The submitted assessment of the same enterprise and model just before this one."""
    before = Assessment.objects.filter(
        enterprise_id=assessment.enterprise_id,
        framework_id=assessment.framework_id,
        status=Assessment.Status.SUBMITTED,
    ).exclude(pk=assessment.pk)
    if assessment.submitted_at is not None:
        before = before.filter(submitted_at__lt=assessment.submitted_at)
    return before.order_by("-submitted_at", "-pk").first()


def diagnosis_is_confirmed(assessment: Assessment) -> bool:
    """A diagnosis counts as the enterprise's result once every section is confirmed."""
    sections = set(assessment.dimension_scores)
    reviews = {r.section: r.decision for r in assessment.section_reviews.all()}
    return bool(sections) and all(
        reviews.get(code) == SectionReview.Decision.CONFIRMED for code in sections
    )


def latest_results_for_enterprise(*, enterprise_id: int) -> dict[str, Assessment]:
    """Model code → the enterprise's latest valid result: a submitted self-assessment, or a
    submitted provider diagnosis the enterprise confirmed in every section."""
    latest: dict[str, Assessment] = {}
    submitted = (
        Assessment.objects.filter(enterprise_id=enterprise_id, status=Assessment.Status.SUBMITTED)
        .select_related("framework", "framework_version")
        .prefetch_related("section_reviews")
        .order_by("-submitted_at", "-pk")
    )
    for assessment in submitted:
        code = assessment.framework.code
        if code in latest:
            continue
        if assessment.is_diagnosis and not diagnosis_is_confirmed(assessment):
            continue
        latest[code] = assessment
    return latest


def evidence_get_for_user(*, user: Any, pk: int) -> Evidence:
    """Evidence follows its assessment: whoever may see the assessment may download it."""
    evidence = Evidence.objects.select_related("assessment").filter(pk=pk).first()
    if evidence is None:
        raise Http404(NOT_FOUND)
    assessment_get_for_user(user=user, pk=evidence.assessment_id)
    return evidence


def assignment_list_for_user(*, user: Any) -> QuerySet[ProviderAssignment]:
    """A provider sees its assignments; officials those of enterprises in their jurisdiction."""
    base = ProviderAssignment.objects.select_related(
        "enterprise", "provider", "framework_version__framework"
    )
    role = getattr(user, "role", "")
    if role == Role.PROVIDER:
        return base.filter(provider_id=user.pk)
    if role in (Role.PROVINCE, Role.CITY, Role.COUNTY):
        jurisdiction = jurisdiction_of(user)
        if jurisdiction.is_empty:
            return base.none()
        q = enterprise_q(jurisdiction, path="enterprise")
        return base if q is None else base.filter(q)
    if role == Role.ENTERPRISE and user.enterprise_id:
        return base.filter(enterprise_id=user.enterprise_id)
    return base.none()


def assignment_get_for_user(*, user: Any, pk: int) -> ProviderAssignment:
    found = assignment_list_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found
