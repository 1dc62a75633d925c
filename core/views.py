from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import Role
from core.worklist import worklist_for_user
from registry.access import ENTERPRISE_READERS
from registry.selectors import enterprise_counts_by_region_for_user


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: what the platform is; for a logged-in user, the work waiting for them (drafts,
    results, diagnoses to confirm, applications, review queue, score sheets, assignments) and, for
    officials, the enterprises in their jurisdiction."""
    context: dict[str, object] = {}
    if request.user.is_authenticated:
        context["work"] = worklist_for_user(request.user)
    if request.user.is_authenticated and request.user.role == Role.ENTERPRISE:
        context["own_enterprise"] = request.user.enterprise
    elif request.user.is_authenticated and request.user.role in ENTERPRISE_READERS:
        rows = enterprise_counts_by_region_for_user(user=request.user)
        context["region_counts"] = rows
        context["by_county"] = request.user.role != Role.PROVINCE
        context["enterprise_total"] = sum(count for _code, _name, count in rows)
        context["chart"] = {
            "categories": [name for _code, name, _count in rows],
            "series": [{"name": _("企业数"), "data": [count for _code, _name, count in rows]}],
        }
    return render(request, "core/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers and `make demo` start-up."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
