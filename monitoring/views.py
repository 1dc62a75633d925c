"""Monitoring dashboards: the province's (Jiangsu map of the 13 cities, click to drill into a
city's counties), a city's and a county's. Each dashboard has a page (its filter form refreshes the
charts through HTMX), a JSON view with the same ECharts-ready data (the map's drill-down reads the
city's) and an XLSX export of any chart's table. All of them call monitoring.dashboards, which
reads the current snapshot and never computes coverage on request.

Officials only: a city official sees its city's and its counties' dashboards, a county official
its county's; other jurisdictions answer 404, other roles 403 (monitoring/policy.yaml)."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.decorators import role_required
from core.types import AuthenticatedRequest
from monitoring.dashboard_exports import XLSX, dashboard_export
from monitoring.dashboards import (
    DASHBOARD_READERS,
    PROVINCE_DASHBOARD_READERS,
    dashboard_build,
    dashboard_payload,
    dashboard_scope_get_for_user,
    dashboard_url,
    home_scope_for_user,
)


@role_required(*DASHBOARD_READERS)
def province_dashboard(request: AuthenticatedRequest) -> HttpResponseBase:
    """The province's dashboard; city and county officials are sent to their own."""
    home = home_scope_for_user(request.user)
    if home is not None and home[0] != "province":
        return redirect(dashboard_url(*home))
    return _page(request, "province", "32")


@role_required(*DASHBOARD_READERS)
def city_dashboard(request: AuthenticatedRequest, code: str) -> HttpResponse:
    return _page(request, "city", code)


@role_required(*DASHBOARD_READERS)
def county_dashboard(request: AuthenticatedRequest, code: str) -> HttpResponse:
    return _page(request, "county", code)


@role_required(*PROVINCE_DASHBOARD_READERS)
def province_dashboard_data(request: AuthenticatedRequest) -> JsonResponse:
    return _data(request, "province", "32")


@role_required(*DASHBOARD_READERS)
def city_dashboard_data(request: AuthenticatedRequest, code: str) -> JsonResponse:
    return _data(request, "city", code)


@role_required(*DASHBOARD_READERS)
def county_dashboard_data(request: AuthenticatedRequest, code: str) -> JsonResponse:
    return _data(request, "county", code)


@role_required(*PROVINCE_DASHBOARD_READERS)
def province_dashboard_export(request: AuthenticatedRequest) -> FileResponse:
    return _export(request, "province", "32")


@role_required(*DASHBOARD_READERS)
def city_dashboard_export(request: AuthenticatedRequest, code: str) -> FileResponse:
    return _export(request, "city", code)


@role_required(*DASHBOARD_READERS)
def county_dashboard_export(request: AuthenticatedRequest, code: str) -> FileResponse:
    return _export(request, "county", code)


def _page(request: AuthenticatedRequest, level: str, code: str) -> HttpResponse:
    scope = dashboard_scope_get_for_user(user=request.user, level=level, code=code)
    dashboard = dashboard_build(user=request.user, scope=scope, query=request.GET)
    template = "monitoring/dashboard.html"
    if request.headers.get("HX-Request"):
        template += "#dashboard-body"
    context = {
        "dashboard": dashboard,
        "payload": dashboard_payload(dashboard),
        "export_url": dashboard_url(level, code, "-export"),
        "data_url": dashboard_url(level, code, "-data"),
        "filter_query": dashboard.filters.query() if dashboard.filters else "",
    }
    return render(request, template, context)


def _data(request: AuthenticatedRequest, level: str, code: str) -> JsonResponse:
    scope = dashboard_scope_get_for_user(user=request.user, level=level, code=code)
    dashboard = dashboard_build(user=request.user, scope=scope, query=request.GET)
    return JsonResponse(dashboard_payload(dashboard), json_dumps_params={"ensure_ascii": False})


def _export(request: AuthenticatedRequest, level: str, code: str) -> FileResponse:
    scope = dashboard_scope_get_for_user(user=request.user, level=level, code=code)
    dashboard = dashboard_build(user=request.user, scope=scope, query=request.GET)
    buffer = dashboard_export(dashboard=dashboard, chart=request.GET.get("chart", ""))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"monitoring-{scope.code}-{stamp}.xlsx",
        content_type=XLSX,
    )
