"""The province's coverage snapshot page: every snapshot with its status, progress (polled with
htmx while one is queued or running) and stamp, and the recompute button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from core.types import AuthenticatedRequest
from monitoring.access import SNAPSHOT_MANAGERS
from monitoring.models import CoverageSnapshot
from monitoring.selectors import snapshot_current, snapshot_list
from monitoring.services import coverage_snapshot_start

PAGE_SIZE = 50
ACTIVE = (CoverageSnapshot.Status.QUEUED, CoverageSnapshot.Status.RUNNING)


@role_required(*SNAPSHOT_MANAGERS)
def snapshots(request: AuthenticatedRequest) -> HttpResponse:
    rows = list(snapshot_list()[:PAGE_SIZE])
    current = snapshot_current()
    context = {
        "snapshots": rows,
        "current_id": current.pk if current else None,
        "active": any(s.status in ACTIVE for s in rows),
    }
    template = "monitoring/snapshots.html"
    if request.headers.get("HX-Request"):
        template += "#snapshot-table"
    return render(request, template, context)


@role_required(*SNAPSHOT_MANAGERS)
@require_POST
def snapshot_recompute(request: AuthenticatedRequest) -> HttpResponse:
    snapshot = coverage_snapshot_start(by=request.user)
    messages.success(request, _("覆盖率快照 #%(pk)s 已开始计算。") % {"pk": snapshot.pk})
    return redirect("monitoring:snapshots")
