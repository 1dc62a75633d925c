"""Registry pages: enterprise list and search, detail with history, export, and the web import."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from core.types import AuthenticatedRequest
from registry.access import ENTERPRISE_EXPORTERS, ENTERPRISE_IMPORTERS, ENTERPRISE_READERS
from registry.exports import enterprise_export, enterprise_template_write
from registry.forms import EnterpriseFilterForm, ImportForm
from registry.history import history_entries
from registry.imports import import_job_start
from registry.models import ImportJob, Region
from registry.selectors import (
    EnterpriseFilters,
    enterprise_categories,
    enterprise_chains,
    enterprise_get_for_user,
    enterprise_history,
    enterprise_list_for_user,
    enterprise_years,
    region_list_for_user,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request: AuthenticatedRequest) -> EnterpriseFilterForm:
    form = EnterpriseFilterForm(request.GET or None)
    regions = region_list_for_user(user=request.user)
    form.fields["city"].queryset = regions.filter(level=Region.Level.CITY)  # type: ignore[attr-defined]
    form.fields["county"].queryset = regions.filter(level=Region.Level.COUNTY)  # type: ignore[attr-defined]
    return form


def _filters(form: EnterpriseFilterForm) -> EnterpriseFilters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}

    def code(name: str) -> str | None:
        value = data.get(name)
        return value.pk if value is not None else None

    return EnterpriseFilters(
        q=data.get("q") or None,
        city=code("city"),
        county=code("county"),
        industry=code("industry"),
        category=code("category"),
        chain=code("chain"),
    )


@role_required(*ENTERPRISE_READERS)
def enterprise_list(request: AuthenticatedRequest) -> HttpResponse:
    form = _filter_form(request)
    enterprises = enterprise_list_for_user(user=request.user, filters=_filters(form))
    page = Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_export": request.user.role in ENTERPRISE_EXPORTERS,
    }
    template = "registry/enterprise_list.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


@role_required(*ENTERPRISE_READERS)
def enterprise_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_get_for_user(user=request.user, pk=pk)
    years = list(enterprise_years(enterprise))
    context = {
        "enterprise": enterprise,
        "years": years,
        "categories": enterprise_categories(enterprise),
        "chains": enterprise_chains(enterprise),
        "history": history_entries(enterprise_history(enterprise=enterprise)[:100]),
        "contacts": enterprise.contacts.all(),
        "show_full_contacts": request.user.role == "enterprise",
        "chart": {
            "categories": [str(y.year) for y in reversed(years)],
            "series": [
                {
                    "name": _("营业收入（万元）"),
                    "data": [float(y.revenue_10k_yuan or 0) for y in reversed(years)],
                }
            ],
        },
    }
    return render(request, "registry/enterprise_detail.html", context)


@role_required(*ENTERPRISE_EXPORTERS)
def enterprise_export_download(request: AuthenticatedRequest) -> HttpResponseBase:
    """Download the enterprises of the user's jurisdiction (audited by the export service)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise Http404
    buffer = io.BytesIO()
    enterprise_export(user=request.user, path_or_stream=buffer, fmt=fmt)
    buffer.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"enterprises-{stamp}.{fmt}",
        content_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
    )


@role_required(*ENTERPRISE_IMPORTERS)
def import_template_download(request: AuthenticatedRequest) -> HttpResponseBase:
    buffer = io.BytesIO()
    enterprise_template_write(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename="enterprise-template.xlsx", content_type=XLSX
    )


@role_required(*ENTERPRISE_IMPORTERS)
def import_start(request: AuthenticatedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_start(
                user=request.user,
                uploaded_file=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("registry:import-job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user)[:20]
    return render(request, "registry/import.html", {"form": form, "jobs": jobs})


def _job_for_user(request: AuthenticatedRequest, pk: int) -> ImportJob:
    """Import jobs are private to whoever started them."""
    return get_object_or_404(ImportJob, pk=pk, created_by=request.user)


@role_required(*ENTERPRISE_IMPORTERS)
def import_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    template = "registry/import_job.html"
    if request.headers.get("HX-Request"):
        template += "#progress"
    return render(request, template, {"job": job})


@role_required(*ENTERPRISE_IMPORTERS)
def import_job_report(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job = _job_for_user(request, pk)
    path = Path(settings.MEDIA_ROOT) / "imports" / job.report_name
    if not job.report_name or not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-report-{job.pk}.xlsx",
        content_type=XLSX,
    )
