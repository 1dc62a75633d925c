"""Recognition pages: the enterprise's applications and the new-application page with its
eligibility, the application page (content, cited results, flags, timeline, the steps the user may
take), the reviewers' queue and its XLSX export, the site-check sample, the experts' list and
score sheet (without contact data), the public notice page and the certificate."""

from __future__ import annotations

import io
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from core.types import AuthenticatedRequest
from recognition.access import (
    APPLICANTS,
    APPLICATION_READERS,
    EXPERTS,
    QUEUE_READERS,
    REVIEWERS,
    SAMPLERS,
)
from recognition.application_types import application_type, catalogue
from recognition.eligibility import Eligibility, eligibility_check
from recognition.exports import queue_export
from recognition.forms import (
    ActionForm,
    ApplicationContentForm,
    ApplicationNewForm,
    ExpertSheetForm,
    QueueFilterForm,
    SampleForm,
)
from recognition.models import Application
from recognition.selectors import (
    application_get_for_user,
    application_list_for_user,
    application_timeline,
    cited_results,
    expert_assignment_list,
    expert_sheets_summary,
    expert_view,
    flags_of,
    is_overdue,
    public_notices,
    queue_for_user,
    recognised_get_for_user,
)
from recognition.services import (
    CONTENT_FIELDS,
    application_create,
    application_transition,
    application_update,
    expert_sheet_submit,
    site_check_sample,
)
from recognition.workflow import TRANSITIONS, actions_for
from registry.selectors import region_list_for_user

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@role_required(*APPLICANTS)
def application_mine(request: AuthenticatedRequest) -> HttpResponse:
    applications = application_list_for_user(user=request.user).order_by("-year", "-pk")
    return render(request, "recognition/mine.html", {"applications": applications})


@role_required(*APPLICANTS)
def application_new(request: AuthenticatedRequest) -> HttpResponse:
    """GET with a type and year shows the eligibility; POST creates the draft."""
    form = ApplicationNewForm(request.POST or request.GET or None)
    eligibility = None
    if form.is_bound and form.is_valid():
        type_code, year = form.cleaned_data["type"], form.cleaned_data["year"]
        if request.method == "POST":
            try:
                created = application_create(by=request.user, type_code=type_code, year=year)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已创建申报草稿。"))
                return redirect("recognition:detail", pk=created.pk)
        enterprise = request.user.enterprise
        if enterprise is not None:  # always, for an enterprise user (a database constraint)
            eligibility = eligibility_check(enterprise=enterprise, type_code=type_code, year=year)
    context = {"form": form, "eligibility": eligibility, "types": catalogue().types.values()}
    return render(request, "recognition/new.html", context)


def _eligibility(request: AuthenticatedRequest, application: Application) -> Eligibility:
    """Live for the applicant while the application can still be submitted; as stored otherwise."""
    if application.is_editable and request.user.role in APPLICANTS:
        return eligibility_check(
            enterprise=application.enterprise, type_code=application.type, year=application.year
        )
    return Eligibility.from_dict(application.eligibility)


@role_required(*APPLICATION_READERS)
def application_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(user=request.user, pk=pk)
    results = cited_results(application)
    is_reviewer = request.user.role in REVIEWERS
    context = {
        "application": application,
        "kind": application_type(application.type),
        "eligibility": _eligibility(request, application),
        "results": results,
        "flags": flags_of(results) if is_reviewer else [],
        "is_reviewer": is_reviewer,
        "timeline": application_timeline(application),
        "actions": actions_for(request.user, application),
        "action_form": ActionForm(),
        "sheets": expert_sheets_summary(application) if request.user.role == "province" else None,
        "overdue": is_overdue(application),
        "can_edit": application.is_editable and request.user.role in APPLICANTS,
    }
    return render(request, "recognition/detail.html", context)


@role_required(*APPLICANTS)
def application_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(user=request.user, pk=pk)
    if not application.is_editable:
        messages.error(request, _("只有草稿或已退回的申报可以修改。"))
        return redirect("recognition:detail", pk=application.pk)
    initial = {"revision": application.revision}
    form = ApplicationContentForm(request.POST or None, instance=application, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in CONTENT_FIELDS}
        revision = form.cleaned_data["revision"]
        try:
            application_update(
                application=application, by=request.user, revision=revision, **values
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("recognition:detail", pk=application.pk)
    return render(request, "recognition/edit.html", {"form": form, "application": application})


@role_required(*APPLICATION_READERS)
@require_POST
def application_act(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Take one workflow step; the result (or why not) is shown on the application page."""
    application = application_get_for_user(user=request.user, pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("操作无效，请刷新页面后重试。"))
        return redirect("recognition:detail", pk=application.pk)
    step = TRANSITIONS[form.cleaned_data["action"]]
    try:
        application_transition(
            application=application,
            action=step.action,
            by=request.user,
            revision=form.cleaned_data["revision"],
            reason=form.cleaned_data["reason"],
            **form.step_data(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已完成：%(step)s") % {"step": step.label})
    return redirect("recognition:detail", pk=application.pk)


@role_required(*APPLICATION_READERS)
def application_certificate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = recognised_get_for_user(user=request.user, pk=pk)
    context = {"application": application, "kind": application_type(application.type)}
    return render(request, "recognition/certificate.html", context)


def _queue_form(request: AuthenticatedRequest) -> QueueFilterForm:
    regions = region_list_for_user(user=request.user)
    return QueueFilterForm(request.GET or None, regions=regions)


@role_required(*QUEUE_READERS)
def queue(request: AuthenticatedRequest) -> HttpResponse:
    form = _queue_form(request)
    found = queue_for_user(user=request.user, filters=form.filters())
    page = Paginator(found.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "form": form,
        "queue": found,
        "page": page,
        "rows": [(a, is_overdue(a, today)) for a in page],
        "can_sample": request.user.role in SAMPLERS,
    }
    template = "recognition/queue.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


@role_required(*QUEUE_READERS)
def queue_export_download(request: AuthenticatedRequest) -> HttpResponseBase:
    """The filtered queue as XLSX (audited by the export)."""
    buffer = io.BytesIO()
    queue_export(user=request.user, filters=_queue_form(request).filters(), stream=buffer)
    buffer.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        buffer, as_attachment=True, filename=f"applications-{stamp}.xlsx", content_type=XLSX
    )


@role_required(*SAMPLERS)
def site_check_sample_page(request: AuthenticatedRequest) -> HttpResponse:
    sampling = catalogue().sampling
    initial = {
        "year": timezone.localdate().year,
        "share": sampling.share,
        "seed": secrets.randbelow(1_000_000),
    }
    form = SampleForm(request.POST or None, initial=initial)
    sample = None
    if request.method == "POST" and form.is_valid():
        try:
            sample = site_check_sample(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
    context = {"form": form, "sample": sample, "sampling": sampling}
    return render(request, "recognition/sample.html", context)


@role_required(*EXPERTS)
def expert_list(request: AuthenticatedRequest) -> HttpResponse:
    sheets = expert_assignment_list(user=request.user)
    return render(request, "recognition/expert_list.html", {"sheets": sheets})


@role_required(*EXPERTS)
def expert_sheet(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The application as the expert sees it (no contact data) and the expert's score sheet."""
    view = expert_view(user=request.user, pk=pk)
    kind = application_type(view.type)
    form = ExpertSheetForm(request.POST or None, kind=kind)
    if request.method == "POST" and view.can_score and form.is_valid():
        try:
            expert_sheet_submit(
                application=application_get_for_user(user=request.user, pk=pk),
                by=request.user,
                scores=form.scores(),
                opinion=form.cleaned_data["opinion"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("评分已提交。"))
            return redirect("recognition:expert-sheet", pk=pk)
    rows = [(c, view.sheet.scores.get(c.code)) for c in kind.score_sheet.criteria]
    context = {"view": view, "kind": kind, "form": form, "criteria_rows": rows}
    return render(request, "recognition/expert_sheet.html", context)


def public_notice_list(request: HttpRequest) -> HttpResponse:
    """Public: applications in public notice and recognised factories (public fields only)."""
    notices = public_notices()
    context = {
        "in_notice": [n for n in notices if n.status == Application.Status.PUBLIC_NOTICE],
        "recognised": [n for n in notices if n.status == Application.Status.RECOGNISED],
    }
    return render(request, "recognition/notices.html", context)
