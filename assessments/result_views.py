"""Result pages of submitted assessments: the result (score, level, rules, gap, advice, peer
benchmark, flags, change since the previous result, history), the explanation trail (filtered per
dimension with htmx) and the PDF / DOCX report downloads. They read stored results only
(assessments/results.py); who sees which result is decided by assessments/selectors.py."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from accounts.decorators import role_required
from assessments.access import ASSESSMENT_READERS
from assessments.results import (
    assessment_report_export,
    reassess_version,
    result_get_for_user,
    result_page,
    trail_page,
)
from core.types import AuthenticatedRequest


@role_required(*ASSESSMENT_READERS)
@require_safe
def assessment_result(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = result_get_for_user(user=request.user, pk=pk)
    context = {
        "page": result_page(assessment, user=request.user),
        "assessment": assessment,
        "reassess_version": reassess_version(user=request.user, assessment=assessment),
    }
    return render(request, "assessments/result.html", context)


@role_required(*ASSESSMENT_READERS)
@require_safe
def assessment_trail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assessment = result_get_for_user(user=request.user, pk=pk)
    trail = trail_page(assessment, dimension=request.GET.get("dimension", ""))
    template = "assessments/result_trail.html"
    if request.headers.get("HX-Request"):
        template += "#trail"
    return render(request, template, {"trail": trail, "assessment": assessment})


@role_required(*ASSESSMENT_READERS)
@require_GET
def assessment_report(request: AuthenticatedRequest, pk: int, format: str) -> HttpResponse:
    """The report as an attachment; never cached (it holds enterprise data); audited."""
    assessment = result_get_for_user(user=request.user, pk=pk)
    report = assessment_report_export(assessment=assessment, fmt=format, user=request.user)
    response = HttpResponse(report.content, content_type=report.content_type)
    response["Content-Disposition"] = report.content_disposition
    response["Cache-Control"] = "no-store"
    return response
