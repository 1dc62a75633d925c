"""Reporting pages of the target tracker: report a value with evidence, download the XLSX
template and upload a filled-in one (all rows or none), the reports one may see with their
status, the review queue, a report with its evidence and history, approve or return it, and
download its evidence.

Function level (targets/policy.yaml): province and city officials; reviewing is the province's.
Object level: targets.selectors.report_get_for_user (a city official sees the city's reports;
others answer 404); who may report or review is targets.access, checked again by the services
(a refusal there answers 403)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role, User
from assessments import uploads as evidence_uploads
from audit.models import AuditEvent
from audit.services import audit_record
from core.types import AuthenticatedRequest
from targets import access, uploads
from targets.exports import XLSX
from targets.models import PlanTask, Report, ReportEvidence
from targets.report_forms import ReportFilterForm, ReportForm, ReviewForm
from targets.selectors import report_get_for_user, reports_for_user, review_queue_for_user
from targets.services import report_approve, report_reject, report_submit

REPORT_READERS = (Role.PROVINCE, Role.CITY)
REVIEWERS = (Role.PROVINCE,)
PAGE_SIZE = 50
NO_FILE = "请选择要上传的 XLSX 文件 (Choose an XLSX file to upload)"
NOTHING_APPLIED = "文件有问题，未导入任何数据 (The file has problems: nothing was applied)"


@role_required(*REPORT_READERS)
def reports(request: AuthenticatedRequest) -> HttpResponse:
    """The form, the user's reports, the upload and (for approvers) the review queue."""
    form = ReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = report_submit(item=form.item(), files=form.evidence_files(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已上报，等待审核。"))
            return redirect("targets:report", pk=report.pk)
    return _reports_page(request, form=form)


def _reports_page(
    request: AuthenticatedRequest,
    *,
    form: ReportForm | None = None,
    upload: uploads.UploadOutcome | None = None,
) -> HttpResponse:
    filters = ReportFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = _with_evidence_count(reports_for_user(user=request.user)).order_by(
        "-submitted_at", "-pk"
    )
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    page = Paginator(rows, PAGE_SIZE).get_page(chosen.get("page") or 1)
    queue = _with_evidence_count(review_queue_for_user(user=request.user))
    context = {
        "form": form or ReportForm(user=request.user),
        "filters": filters,
        "page": page,
        "queue": list(queue),
        "is_reviewer": _leads_a_task(request.user),
        "upload": upload,
        "nothing_applied": NOTHING_APPLIED,
    }
    return render(request, "targets/reports.html", context)


def _leads_a_task(user: User) -> bool:
    """A province official of a task's lead department (or of the coordinating one) reviews."""
    leads = set(PlanTask.objects.values_list("lead", flat=True))
    return access.is_province(user) and access.department_of(user) in leads


def _with_evidence_count(rows: QuerySet[Report]) -> QuerySet[Report]:
    return rows.annotate(evidence_count=Count("evidence"))


@role_required(*REPORT_READERS)
def report_template(request: AuthenticatedRequest) -> HttpResponse:
    """The XLSX template pre-filled with the rows the user may report."""
    response = HttpResponse(uploads.report_template(user=request.user), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="targets-report-template.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(*REPORT_READERS)
def report_upload(request: AuthenticatedRequest) -> HttpResponse:
    """Apply a filled-in template, every row or none; the problems are listed by row."""
    file = request.FILES.get("file")
    if file is None:
        problem = uploads.RowProblem(0, "", NO_FILE)
        outcome = uploads.UploadOutcome(created=[], problems=[problem], rows=0)
    else:
        outcome = uploads.reports_upload(file=file, original_name=file.name or "", by=request.user)
    if outcome.problems:
        return _reports_page(request, upload=outcome)
    messages.success(
        request,
        _("已导入 %(n)s 条上报，等待审核。") % {"n": len(outcome.created)},
    )
    return redirect("targets:reports")


@role_required(*REPORT_READERS)
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    history = reports_for_user(user=request.user).filter(
        target=report.target, region=report.region, year=report.year, quarter=report.quarter
    )
    reviewable = report.status == Report.Status.SUBMITTED and access.may_review(
        request.user, report
    )
    context = {
        "report": report,
        "evidence": list(report.evidence.all()),
        "history": list(history.order_by("submitted_at", "pk")),
        "review_form": ReviewForm() if reviewable else None,
    }
    return render(request, "targets/report.html", context)


@require_POST
@role_required(*REVIEWERS)
def report_review(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Approve or return a report (the lead or coordinating department, not the submitter)."""
    report = report_get_for_user(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结果。"))
        return redirect("targets:report", pk=report.pk)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "approve":
            report_approve(report=report, by=request.user, note=note)
        else:
            report_reject(report=report, by=request.user, note=note)
    except PermissionDenied:
        _deny(request, report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = _("已审核通过。") if action == "approve" else _("已退回。")
        messages.success(request, done)
    return redirect("targets:report", pk=report.pk)


def _deny(request: AuthenticatedRequest, report: Report) -> None:
    audit_record(
        action="access.denied",
        obj=report,
        result=AuditEvent.Result.DENIED,
        note=f"{request.method} {request.path}"[:500],
    )
    raise PermissionDenied


@role_required(*REPORT_READERS)
def report_evidence(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A report's evidence file, for whoever may see the report; audited."""
    evidence = (
        ReportEvidence.objects.filter(pk=pk, report__in=reports_for_user(user=request.user))
        .select_related("report")
        .first()
    )
    if evidence is None:
        raise Http404
    audit_record(
        action="report.evidence_download",
        obj=evidence,
        after={"report": evidence.report_id, "file": evidence.original_name},
    )
    return evidence_uploads.download_response(
        stored_name=evidence.stored_name,
        display_name=evidence.original_name,
        content_type=evidence.content_type,
    )
